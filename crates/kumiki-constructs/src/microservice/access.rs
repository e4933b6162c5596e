//! Lowering of who may reach the service: the NetworkPolicy (namespaces, by port) and the
//! Istio AuthorizationPolicy (mutual-TLS identities, by port).

use std::collections::BTreeMap;

use k8s_openapi::api::networking::v1::{
    NetworkPolicy, NetworkPolicyIngressRule, NetworkPolicyPeer, NetworkPolicyPort, NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kumiki_crds::istio::{
    AuthorizationPolicy, AuthorizationPolicyAction, AuthorizationPolicyRules, AuthorizationPolicyRulesFrom,
    AuthorizationPolicyRulesFromSource, AuthorizationPolicyRulesTo, AuthorizationPolicyRulesToOperation,
    AuthorizationPolicySelector, AuthorizationPolicySpec,
};
use kumiki_crds::non_empty;
use kumiki_synth::mesh_principal;

use crate::port::Port;

use super::context::Lowering;

impl Lowering<'_> {
    pub(crate) fn network_policy(&self) -> NetworkPolicy {
        let spec = self.spec;
        let by_name = |port: &Port| IntOrString::String(port.port_name());
        let ports = |ports: &[Port]| ports.iter().map(by_name).collect::<Vec<IntOrString>>();
        // A declared caller is admitted from its own pods (a Microservice's pods carry its
        // name, as its ServiceAccount does); a declared namespace, from any of its pods.
        let mut allowed: Vec<(String, Option<String>, Vec<IntOrString>)> = (spec.ingress_from.iter())
            .map(|source| (source.namespace.to_string(), None, ports(&source.ports)))
            .chain((spec.callers.iter()).map(|caller| {
                (
                    caller.namespace.to_string(),
                    Some(caller.service_account.to_string()),
                    ports(&caller.ports),
                )
            }))
            .collect();
        // Ingress listeners are reached through the ingress gateway proxy, from its namespace.
        let listener_targets: Vec<IntOrString> = self.listener_targets().into_iter().map(by_name).collect();
        if let (false, Some(mesh)) = (listener_targets.is_empty(), &spec.environment.mesh) {
            allowed.push((mesh.ingress.namespace.to_string(), None, listener_targets));
        }
        // The scraper reaches the mesh proxy's statistics and the service's own metrics port.
        if let Some(scraper) = &spec.environment.scraper {
            let proxy_ports = (spec.environment.mesh.iter())
                .flat_map(|_| &scraper.proxy_ports)
                .map(|port| IntOrString::Int(port.get().into()));
            let metrics_port = spec.metrics.iter().map(|metrics| by_name(&metrics.value.port));
            let ports: Vec<IntOrString> = proxy_ports.chain(metrics_port).collect();
            if !ports.is_empty() {
                allowed.push((scraper.namespace.to_string(), None, ports));
            }
        }
        let ingress = allowed
            .into_iter()
            .map(|(namespace, pods, ports)| NetworkPolicyIngressRule {
                from: Some(vec![NetworkPolicyPeer {
                    namespace_selector: Some(match_labels(NAMESPACE_NAME_LABEL, namespace)),
                    pod_selector: pods.map(|name| match_labels(NAME_LABEL, name)),
                    ..Default::default()
                }]),
                ports: Some(
                    (ports.into_iter())
                        .map(|port| NetworkPolicyPort {
                            port: Some(port),
                            protocol: Some("TCP".to_owned()),
                            ..Default::default()
                        })
                        .collect(),
                ),
            });
        NetworkPolicy {
            metadata: self.metadata(self.name()),
            spec: Some(NetworkPolicySpec {
                pod_selector: Some(self.selector()),
                policy_types: Some(vec!["Ingress".to_owned()]),
                ingress: Some(ingress.collect()),
                ..Default::default()
            }),
        }
    }

    /// ALLOW rules for the declared callers, the ingress gateway and the scraper (on the
    /// metrics port); with none of them, an ALLOW policy without rules, which admits nobody: a
    /// service in the mesh is called by what it declares and nothing else. None without a mesh.
    pub(crate) fn authorization_policy(&self) -> Option<AuthorizationPolicy> {
        let spec = self.spec;
        let mesh = spec.environment.mesh.as_ref()?;
        let numbers = |ports: &[&Port]| ports.iter().map(|port| port.number.to_string()).collect();
        let mut rules: Vec<AuthorizationPolicyRules> = (spec.callers.iter())
            .map(|caller| {
                let ports: Vec<&Port> = caller.ports.iter().collect();
                rule(
                    mesh_principal(&caller.namespace, &caller.service_account),
                    numbers(&ports),
                )
            })
            .collect();
        let listener_targets = self.listener_targets();
        if !listener_targets.is_empty() {
            let gateway = &mesh.ingress;
            rules.push(rule(
                mesh_principal(&gateway.namespace, &gateway.name),
                numbers(&listener_targets),
            ));
        }
        // The scraper is a caller too, on the metrics port only.
        if let (Some(metrics), Some(scraper)) = (&spec.metrics, &spec.environment.scraper) {
            rules.push(rule(scraper.principal(), numbers(&[&metrics.value.port])));
        }
        Some(AuthorizationPolicy {
            metadata: self.metadata(self.name()),
            spec: AuthorizationPolicySpec {
                selector: Some(AuthorizationPolicySelector {
                    match_labels: Some(self.selector_labels()),
                }),
                action: Some(AuthorizationPolicyAction::Allow),
                rules: non_empty(rules),
                ..Default::default()
            },
        })
    }
}

const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";
const NAME_LABEL: &str = "app.kubernetes.io/name";

/// A selector of the objects whose label `key` is `value`.
fn match_labels(key: &str, value: String) -> LabelSelector {
    LabelSelector {
        match_labels: Some(BTreeMap::from([(key.to_owned(), value)])),
        ..Default::default()
    }
}

/// Allows `principal` to reach `ports`.
fn rule(principal: String, ports: Vec<String>) -> AuthorizationPolicyRules {
    AuthorizationPolicyRules {
        from: Some(vec![AuthorizationPolicyRulesFrom {
            source: Some(AuthorizationPolicyRulesFromSource {
                principals: Some(vec![principal]),
                ..Default::default()
            }),
        }]),
        to: Some(vec![AuthorizationPolicyRulesTo {
            operation: Some(AuthorizationPolicyRulesToOperation {
                ports: Some(ports),
                ..Default::default()
            }),
        }]),
        ..Default::default()
    }
}
