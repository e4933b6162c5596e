//! The scrape path: every pod a PodMonitor or ServiceMonitor points the platform's metrics
//! scraper at must be reachable by it on the scraped port. A NetworkPolicy selecting the pods
//! must admit the scraper's namespace on that port, and an ALLOW AuthorizationPolicy selecting
//! them must admit the scraper's identity (except on the ports the mesh proxy serves itself).
//! Otherwise the target stays down and the dashboards stay empty, with nothing in `release/`
//! saying why. The problem is reported at the policy that blocks the path.
//!
//! Without a published [`MetricsScraper`] there is no one to check for: the rule is silent.

use std::borrow::Cow;
use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{ContainerPort, Service};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::index::Workload;
use super::views::{
    AuthorizationPolicySpec, ISTIO_SECURITY, PROMETHEUS_OPERATOR, PodMonitorSpec, ServiceMonitorSpec, as_kind, read,
};
use super::{Index, Origin, Problems};
use crate::provided::MetricsScraper;

/// One scraped port of one workload's pods, and the monitor that scrapes it.
struct Target<'w, 'a> {
    workload: &'w Workload<'a>,
    number: i64,
    name: Option<String>,
    monitor: String,
}

/// Every scrape-path problem of the environment.
pub(crate) fn check<'a>(index: &Index<'a>, problems: &mut Problems<'a>) {
    let Some(scraper) = index.scrapers.first().copied() else {
        return;
    };
    // Read by kind: a policy or Service of a platform's own Rust type counts as much as kumiki's.
    let mut network_policies: Vec<(Origin<'a>, Cow<'a, NetworkPolicy>)> = Vec::new();
    let mut authorization_policies: Vec<(Origin<'a>, &'a str, String, AuthorizationPolicySpec)> = Vec::new();
    let mut services: Vec<Cow<'a, Service>> = Vec::new();
    let mut targets = Vec::new();
    for entry in &index.objects {
        let object = entry.declared.object.as_ref();
        let metadata = object.metadata();
        let namespace = metadata.namespace.as_deref().unwrap_or_default();
        let name = metadata.name.as_deref().unwrap_or_default();
        if let Some(policy) = as_kind::<NetworkPolicy>(entry) {
            network_policies.push((entry.origin, policy));
        } else if let Some(service) = as_kind::<Service>(entry) {
            services.push(service);
        } else if let Some(Ok(policy)) = read::<AuthorizationPolicySpec>(entry, ISTIO_SECURITY, "AuthorizationPolicy") {
            authorization_policies.push((entry.origin, namespace, name.to_owned(), policy));
        }
    }
    for entry in &index.objects {
        let metadata = entry.declared.object.metadata();
        let own = metadata.namespace.as_deref().unwrap_or_default();
        let name = metadata.name.as_deref().unwrap_or_default();
        if let Some(monitor) = read::<PodMonitorSpec>(entry, PROMETHEUS_OPERATOR, "PodMonitor") {
            let Ok(monitor) = monitor else { continue };
            let describe = format!("PodMonitor {own}/{name}");
            let selected = (index.workloads.all.iter()).filter(|workload| {
                monitor.namespace_selector.includes(own, workload.namespace)
                    && (workload.pod_labels).is_some_and(|labels| monitor.selector.selects(labels) == Some(true))
            });
            for workload in selected {
                for endpoint in &monitor.pod_metrics_endpoints {
                    let port = match (&endpoint.port, endpoint.port_number) {
                        (Some(name), _) => container_port(workload, name)
                            .map(|port| (i64::from(port.container_port), Some(name.clone()))),
                        (None, Some(number)) => Some((number, None)),
                        (None, None) => None,
                    };
                    if let Some((number, name)) = port {
                        targets.push(Target {
                            workload,
                            number,
                            name,
                            monitor: describe.clone(),
                        });
                    }
                }
            }
        } else if let Some(monitor) = read::<ServiceMonitorSpec>(entry, PROMETHEUS_OPERATOR, "ServiceMonitor") {
            let Ok(monitor) = monitor else { continue };
            let describe = format!("ServiceMonitor {own}/{name}");
            for service in &services {
                let service_namespace = service.metadata.namespace.as_deref().unwrap_or_default();
                let labels = service.metadata.labels.clone().unwrap_or_default();
                if !monitor.namespace_selector.includes(own, service_namespace)
                    || monitor.selector.selects(&labels) != Some(true)
                {
                    continue;
                }
                let Some(spec) = service.spec.as_ref() else { continue };
                let selector = spec.selector.clone().unwrap_or_default();
                for endpoint in &monitor.endpoints {
                    let service_port =
                        (spec.ports.iter().flatten()).find(|port| port.name.is_some() && port.name == endpoint.port);
                    let Some(service_port) = service_port else { continue };
                    let target_port = service_port
                        .target_port
                        .clone()
                        .unwrap_or(IntOrString::Int(service_port.port));
                    let selected = (index.workloads.all.iter())
                        .filter(|workload| !selector.is_empty() && workload.selected_by(service_namespace, &selector));
                    for workload in selected {
                        let port = match &target_port {
                            IntOrString::Int(number) => Some((i64::from(*number), None)),
                            IntOrString::String(name) => container_port(workload, name)
                                .map(|port| (i64::from(port.container_port), Some(name.clone()))),
                        };
                        if let Some((number, name)) = port {
                            targets.push(Target {
                                workload,
                                number,
                                name,
                                monitor: describe.clone(),
                            });
                        }
                    }
                }
            }
        }
    }
    for target in &targets {
        if let Some((origin, message)) = network_policy_problem(scraper, &network_policies, target) {
            problems.report(origin, message);
        }
        let proxy_port = (scraper.proxy_ports.iter()).any(|port| i64::from(port.get()) == target.number);
        if !proxy_port && let Some((origin, message)) = authorization_problem(scraper, &authorization_policies, target)
        {
            problems.report(origin, message);
        }
    }
}

/// The container port named `name` in the workload's pods.
fn container_port<'w>(workload: &Workload<'w>, name: &str) -> Option<&'w ContainerPort> {
    let pod = workload.pod?;
    let containers = pod.containers.iter().chain(pod.init_containers.iter().flatten());
    containers
        .flat_map(|container| container.ports.iter().flatten())
        .find(|port| port.name.as_deref() == Some(name))
}

/// The NetworkPolicy that keeps the scraper from `target`, if the policies selecting its pods
/// admit no ingress from the scraper's namespace on the port.
fn network_policy_problem<'a>(
    scraper: &MetricsScraper,
    policies: &[(Origin<'a>, Cow<'_, NetworkPolicy>)],
    target: &Target<'_, 'a>,
) -> Option<(Origin<'a>, String)> {
    let workload = target.workload;
    let labels = workload.pod_labels.cloned().unwrap_or_default();
    let selecting: Vec<&(Origin, Cow<NetworkPolicy>)> = (policies.iter())
        .filter(|(_, policy)| {
            let spec = policy.spec.as_ref();
            policy.metadata.namespace.as_deref() == Some(workload.namespace)
                && spec.is_some_and(|spec| {
                    let ingress =
                        (spec.policy_types.as_ref()).is_none_or(|types| types.iter().any(|kind| kind == "Ingress"));
                    let selected = (spec.pod_selector.as_ref()).is_none_or(|selector| {
                        selector.match_expressions.as_ref().is_none_or(Vec::is_empty)
                            && (selector.match_labels.iter().flatten())
                                .all(|(key, value)| labels.get(key) == Some(value))
                    });
                    ingress && selected
                })
        })
        .collect();
    let admitted = selecting.iter().any(|(_, policy)| {
        (policy
            .spec
            .as_ref()
            .and_then(|spec| spec.ingress.as_ref())
            .into_iter()
            .flatten())
        .any(|rule| {
            let from_scraper = (rule.from.as_ref()).is_none_or(|peers| {
                peers.is_empty()
                    || peers.iter().any(|peer| {
                        peer.ip_block.is_none()
                            && peer.namespace_selector.as_ref().is_some_and(|selector| {
                                let labels = selector.match_labels.clone().unwrap_or_default();
                                selector.match_expressions.as_ref().is_none_or(Vec::is_empty)
                                    && labels.iter().all(|(key, value)| {
                                        key == "kubernetes.io/metadata.name" && *value == scraper.namespace.as_str()
                                    })
                            })
                    })
            });
            let on_port = (rule.ports.as_ref()).is_none_or(|ports| {
                ports.is_empty()
                    || ports.iter().any(|port| match &port.port {
                        None => true,
                        Some(IntOrString::Int(number)) => i64::from(*number) == target.number,
                        Some(IntOrString::String(name)) => target.name.as_deref() == Some(name.as_str()),
                    })
            });
            from_scraper && on_port
        })
    });
    let (origin, policy) = selecting.first().filter(|_| !admitted)?;
    Some((
        *origin,
        format!(
            "NetworkPolicy {}/{} admits no ingress from namespace {} on port {} of {}, which {} scrapes: \
             the scraper ({}/{}) cannot reach it",
            workload.namespace,
            policy.metadata.name.as_deref().unwrap_or_default(),
            scraper.namespace,
            target.number,
            workload.describe(),
            target.monitor,
            scraper.namespace,
            scraper.service_account
        ),
    ))
}

/// The AuthorizationPolicy that keeps the scraper from `target`, if ALLOW policies select its
/// pods and none of their rules admits the scraper's identity on the port.
fn authorization_problem<'a>(
    scraper: &MetricsScraper,
    policies: &[(Origin<'a>, &str, String, AuthorizationPolicySpec)],
    target: &Target<'_, 'a>,
) -> Option<(Origin<'a>, String)> {
    let workload = target.workload;
    let labels: BTreeMap<String, String> = workload.pod_labels.cloned().unwrap_or_default();
    let principal = scraper.principal();
    let port = target.number.to_string();
    let selecting: Vec<_> = (policies.iter())
        .filter(|(_, namespace, _, policy)| {
            *namespace == workload.namespace
                && policy.allows()
                && (policy.selector.as_ref()).is_none_or(|selector| selector.selects(&labels) == Some(true))
        })
        .collect();
    let admitted = (selecting.iter()).any(|(.., policy)| {
        policy.rules.iter().any(|rule| {
            let from_scraper = rule.from.is_empty()
                || rule.from.iter().any(|from| {
                    from.source.principals.contains(&principal)
                        || from
                            .source
                            .namespaces
                            .iter()
                            .any(|namespace| namespace == scraper.namespace.as_str())
                });
            let on_port = rule.to.is_empty()
                || (rule.to.iter()).any(|to| to.operation.ports.is_empty() || to.operation.ports.contains(&port));
            from_scraper && on_port
        })
    });
    let (origin, namespace, name, _) = selecting.first().filter(|_| !admitted)?;
    Some((
        *origin,
        format!(
            "AuthorizationPolicy {namespace}/{name} allows no rule for {principal} on port {port} of {}, which {} \
             scrapes: the scraper cannot reach it",
            workload.describe(),
            target.monitor
        ),
    ))
}
