//! Reachability: every declared call gets through every layer that decides it, on the rendered
//! objects (whoever wrote them: a construct, a patch, a raw object), and no meshed service is
//! open to any caller.
//!
//! Four layers decide whether the workload of ServiceAccount `A` reaches port `P` of the pods
//! behind Service `B`: NetworkPolicy (ingress on B's pods, egress on A's), Istio visibility (the
//! Sidecar governing A's proxy lists B's host; B's Service, VirtualServices and
//! DestinationRules are exported to A's namespace), Istio authorization (no DENY policy
//! matches A's identity, and some ALLOW rule does where ALLOW policies select B's pods) and
//! transport (a STRICT PeerAuthentication needs a caller with a mesh proxy, and a
//! DestinationRule that disables TLS breaks it). A call a layer blocks is reported at the
//! object that blocks it, naming the layer and the line that declared the call.

use std::collections::BTreeMap;

use k8s_openapi::api::networking::v1::NetworkPolicy;
use serde_json::Value;

use super::index::{Index, Of, Origin, PodTemplate, Rendered};
use super::views::{AuthorizationPolicySpec, DestinationRuleSpec, VirtualServiceSpec};
use super::{Problems, REACH_BLOCKED, REACH_OPEN};
use crate::call::{DeclaredCall, Layer};
use crate::facts::Owner;

mod graph;
mod network;
mod undeclared;
pub(crate) use graph::edges;
use network::{network_egress, network_ingress};

const ISTIO_NETWORKING: &str = "networking.istio.io";
const ISTIO_SECURITY: &str = "security.istio.io";

/// What one layer says of one call: allowed, or blocked by an object (or by something missing,
/// at the call's own line) for a reason.
pub(crate) struct Verdict<'a> {
    pub(crate) layer: Layer,
    pub(crate) blocked: Option<(Origin<'a>, String)>,
}

/// The objects the layers are read from, decoded once.
pub(crate) struct Layers<'a> {
    network: Vec<(&'a Rendered<'a>, NetworkPolicy)>,
    sidecars: Vec<(&'a Rendered<'a>, Value)>,
    peer_authentications: Vec<(&'a Rendered<'a>, Value)>,
    destination_rules: Vec<Of<'a, DestinationRuleSpec>>,
    virtual_services: Vec<Of<'a, VirtualServiceSpec>>,
    namespaces: BTreeMap<&'a str, BTreeMap<&'a str, &'a str>>,
    mesh_root: Option<String>,
}

impl<'a> Layers<'a> {
    pub(crate) fn read(index: &Index<'a>) -> Layers<'a> {
        let values = |group: &str, kind: &str| -> Vec<(&'a Rendered<'a>, Value)> {
            (index.of_kind(group, kind))
                .filter_map(|object| object.decode::<Value>().ok().map(|value| (object, value)))
                .collect()
        };
        Layers {
            network: (index.of_kind("networking.k8s.io", "NetworkPolicy"))
                .filter_map(|object| object.decode::<NetworkPolicy>().ok().map(|policy| (object, policy)))
                .collect(),
            sidecars: values(ISTIO_NETWORKING, "Sidecar"),
            peer_authentications: values(ISTIO_SECURITY, "PeerAuthentication"),
            destination_rules: (index.of_kind(ISTIO_NETWORKING, "DestinationRule"))
                .filter_map(|object| object.spec_view().ok().map(|value| Of { object, value }))
                .collect(),
            virtual_services: (index.of_kind(ISTIO_NETWORKING, "VirtualService"))
                .filter_map(|object| object.spec_view().ok().map(|value| Of { object, value }))
                .collect(),
            namespaces: (index.of_kind("", "Namespace"))
                .map(|object| (object.name(), object.labels()))
                .collect(),
            mesh_root: index.facts().mesh_root.as_ref().map(ToString::to_string),
        }
    }

    /// Whether pods of `namespace` with `labels` run a mesh proxy.
    fn meshed(&self, namespace: &str, labels: &BTreeMap<String, String>) -> bool {
        if labels.get("sidecar.istio.io/inject").map(String::as_str) == Some("false") {
            return false;
        }
        let enrolled = self.namespaces.get(namespace).is_some_and(|labels| {
            labels.get("istio-injection") == Some(&"enabled") || labels.contains_key("istio.io/rev")
        });
        enrolled || labels.get("sidecar.istio.io/inject").map(String::as_str) == Some("true")
    }
}

/// A call resolved against the release: its callee pods and ports, and its caller pods.
pub(crate) struct Resolved<'i, 'a> {
    pub(crate) call: &'i DeclaredCall,
    /// The ports judged: the call's, or one of them.
    ports: Vec<(u16, String)>,
    service: &'i Of<'a, k8s_openapi::api::core::v1::Service>,
    callees: Vec<&'i PodTemplate<'a>>,
    callers: Vec<&'i PodTemplate<'a>>,
}

impl Resolved<'_, '_> {
    fn caller_namespace(&self) -> &str {
        self.call.caller_namespace.as_str()
    }

    fn callee_namespace(&self) -> &str {
        self.call.service_namespace.as_str()
    }

    fn principal(&self) -> String {
        crate::facts::mesh_principal(&self.call.caller_namespace, &self.call.caller_service_account)
    }

    fn host(&self) -> String {
        format!(
            "{}.{}.svc.cluster.local",
            self.call.service, self.call.service_namespace
        )
    }

    /// `services/orchestrator to services/account:8080 (declared at …)`.
    fn describe(&self) -> String {
        let ports: Vec<String> = self.ports.iter().map(|(number, _)| number.to_string()).collect();
        format!(
            "the call from {} to {}:{} declared at {}",
            self.call.caller(),
            self.call.callee(),
            ports.join(","),
            self.call.declared_at
        )
    }
}

/// Every reachability problem of the environment.
pub(crate) fn check<'a>(index: &Index<'a>, problems: &mut Problems<'a>) {
    let layers = Layers::read(index);
    for (origin, call) in &index.calls {
        match resolve(index, origin.app, call) {
            Ok(resolved) => {
                for verdict in judge(&layers, index, &resolved) {
                    if let Some((blocker, message)) = verdict.blocked {
                        let message = format!(
                            "{} layer: {message}: {} cannot get through",
                            verdict.layer.as_str(),
                            resolved.describe()
                        );
                        problems.report_as(&REACH_BLOCKED, blocker, message);
                    }
                }
            }
            Err(message) => problems.report_as(&REACH_BLOCKED, *origin, message),
        }
    }
    open_services(&layers, index, problems);
    undeclared::check(&layers, index, problems);
}

/// The call's Service, the pods behind it and the caller's pods. Only the app that owns the
/// Service declares who calls it: a call another app declares is refused.
pub(crate) fn resolve<'i, 'a>(
    index: &'i Index<'a>,
    declaring_app: &str,
    call: &'i DeclaredCall,
) -> Result<Resolved<'i, 'a>, String> {
    let service = index
        .service(call.service_namespace.as_str(), call.service.as_str())
        .ok_or_else(|| {
            format!(
                "a call to Service {} is declared, but the release has no such Service",
                call.callee()
            )
        })?;
    let owner = service.object.origin().app;
    if owner != declaring_app {
        return Err(format!(
            "a call to Service {} is declared by app {declaring_app}, but app {owner} owns that Service: only the \
             app that owns a Service declares its callers",
            call.callee()
        ));
    }
    let selector = (service.value.spec.as_ref())
        .and_then(|spec| spec.selector.clone())
        .unwrap_or_default();
    let callees = index.pods_matched_by(call.service_namespace.as_str(), &selector);
    let callers = (index.pods().iter())
        .filter(|pod| {
            pod.namespace() == call.caller_namespace.as_str()
                && pod.spec.service_account_name.as_deref().unwrap_or("default") == call.caller_service_account.as_str()
        })
        .collect();
    Ok(Resolved {
        call,
        ports: call.ports.clone(),
        service,
        callees,
        callers,
    })
}

/// Each layer's verdict on `call`.
pub(crate) fn judge<'a>(layers: &Layers<'a>, index: &Index<'a>, call: &Resolved<'_, 'a>) -> Vec<Verdict<'a>> {
    vec![
        Verdict {
            layer: Layer::Network,
            blocked: network_ingress(layers, call).or_else(|| network_egress(layers, call)),
        },
        Verdict {
            layer: Layer::Visibility,
            blocked: sidecar(layers, call).or_else(|| exports(layers, call)),
        },
        Verdict {
            layer: Layer::Authorization,
            blocked: authorization(layers, index, call),
        },
        Verdict {
            layer: Layer::Transport,
            blocked: transport(layers, call),
        },
    ]
}

/// The Sidecar governing the caller's proxy: one selecting its pods, else its namespace's
/// default, else the mesh root's default.
fn governing_sidecar<'l, 'a>(layers: &'l Layers<'a>, call: &Resolved<'_, 'a>) -> Option<&'l (&'a Rendered<'a>, Value)> {
    let selects = |value: &Value| {
        let labels = value
            .pointer("/spec/workloadSelector/labels")
            .and_then(Value::as_object);
        labels.is_some_and(|labels| {
            call.callers.iter().any(|pod| {
                labels
                    .iter()
                    .all(|(key, wanted)| pod.labels.get(key).map(String::as_str) == wanted.as_str())
            })
        })
    };
    let unselective = |value: &Value| value.pointer("/spec/workloadSelector").is_none();
    let in_namespace = |namespace: &str| of_namespace(&layers.sidecars, namespace);
    (in_namespace(call.caller_namespace())
        .into_iter()
        .find(|(_, value)| selects(value)))
    .or_else(|| {
        in_namespace(call.caller_namespace())
            .into_iter()
            .find(|(_, value)| unselective(value))
    })
    .or_else(|| {
        let root = layers.mesh_root.as_deref()?;
        in_namespace(root).into_iter().find(|(_, value)| unselective(value))
    })
}

/// The objects of `namespace` among `objects`.
fn of_namespace<'l, 'a>(
    objects: &'l [(&'a Rendered<'a>, Value)],
    namespace: &str,
) -> Vec<&'l (&'a Rendered<'a>, Value)> {
    (objects.iter())
        .filter(|(object, _)| object.namespace_or_empty() == namespace)
        .collect()
}

/// Whether a Sidecar egress host `entry` (`namespace/host`) covers `host` in `namespace`, seen
/// from `own` (the Sidecar's namespace, which `.` names).
fn egress_host_covers(entry: &str, own: &str, namespace: &str, host: &str) -> bool {
    let (space, pattern) = entry.split_once('/').unwrap_or(("*", entry));
    let space_ok = space == "*" || space == namespace || (space == "." && own == namespace);
    let host_ok =
        pattern == "*" || pattern == host || pattern.strip_prefix('*').is_some_and(|suffix| host.ends_with(suffix));
    space_ok && host_ok
}

fn sidecar<'a>(layers: &Layers<'a>, call: &Resolved<'_, 'a>) -> Option<(Origin<'a>, String)> {
    let (object, value) = governing_sidecar(layers, call)?;
    let host = call.host();
    let egress = value.pointer("/spec/egress").and_then(Value::as_array)?;
    let own = object.namespace_or_empty();
    let visible = egress.iter().any(|listener| {
        (listener.get("hosts").and_then(Value::as_array).into_iter().flatten())
            .filter_map(Value::as_str)
            .any(|entry| egress_host_covers(entry, own, call.callee_namespace(), &host))
    });
    (!visible).then(|| {
        (
            object.origin(),
            format!(
                "{} does not list {}/{host} (nor {}/*) among its egress hosts, so {}'s proxy cannot send to it",
                object.describe(),
                call.callee_namespace(),
                call.callee_namespace(),
                call.call.caller()
            ),
        )
    })
}

/// Whether `export_to` (empty: everywhere) shows an object of `namespace` to `viewer`.
fn exported(export_to: &[String], namespace: &str, viewer: &str) -> bool {
    export_to.is_empty()
        || export_to
            .iter()
            .any(|to| to == "*" || to == viewer || (to == "." && namespace == viewer))
}

fn exports<'a>(layers: &Layers<'a>, call: &Resolved<'_, 'a>) -> Option<(Origin<'a>, String)> {
    let (namespace, viewer, host) = (call.callee_namespace(), call.caller_namespace(), call.host());
    let names_callee = |name: &str| name == call.call.service.as_str() || name == host;
    let service_export: Vec<String> = (call.service.object.json().get("metadata"))
        .and_then(|metadata| metadata.get("annotations"))
        .and_then(|annotations| annotations.get("networking.istio.io/exportTo"))
        .and_then(|value| value.as_str())
        .map(|list| list.split(',').map(|part| part.trim().to_owned()).collect())
        .unwrap_or_default();
    if !exported(&service_export, namespace, viewer) {
        let object = call.service.object;
        return Some((
            object.origin(),
            format!(
                "{} is exported to {} only",
                object.describe(),
                service_export.join(", ")
            ),
        ));
    }
    let rules = (layers.destination_rules.iter())
        .filter(|rule| rule.object.namespace_or_empty() == namespace && names_callee(&rule.value.host))
        .map(|rule| (rule.object, &rule.value.export_to));
    let routes = (layers.virtual_services.iter())
        .filter(|route| {
            route.object.namespace_or_empty() == namespace
                && route.value.hosts.iter().any(|name| names_callee(name))
                && (route.value.gateways.is_empty() || route.value.gateways.iter().any(|gateway| gateway == "mesh"))
        })
        .map(|route| (route.object, &route.value.export_to));
    for (object, export_to) in rules.chain(routes) {
        if !exported(export_to, namespace, viewer) {
            return Some((
                object.origin(),
                format!(
                    "{} is exported to {} only, not to {viewer}: the caller's proxy would bypass it",
                    object.describe(),
                    export_to.join(", ")
                ),
            ));
        }
    }
    None
}

/// Whether an authorization rule matches the caller on `port`.
fn rule_matches(rule: &super::views::AuthorizationRule, principal: &str, namespace: &str, port: u16) -> bool {
    let from = rule.from.is_empty()
        || rule.from.iter().any(|from| {
            let source = &from.source;
            source.principals.iter().any(|p| p == "*" || p == principal)
                || source.namespaces.iter().any(|n| n == "*" || n == namespace)
        });
    let to = rule.to.is_empty()
        || rule
            .to
            .iter()
            .any(|to| to.operation.ports.is_empty() || to.operation.ports.contains(&port.to_string()));
    from && to
}

/// The AuthorizationPolicies that apply to `pod`: of its namespace and selecting it, or of
/// the mesh root without a selector.
fn policies_applying<'i, 'a>(
    layers: &Layers<'a>,
    index: &'i Index<'a>,
    pod: &PodTemplate,
) -> Vec<&'i Of<'a, AuthorizationPolicySpec>> {
    let applies = |policy: &&Of<'a, AuthorizationPolicySpec>| {
        let namespace = policy.object.namespace_or_empty();
        let mesh_wide = layers.mesh_root.as_deref() == Some(namespace) && policy.value.selector.is_none();
        (namespace == pod.namespace() || mesh_wide)
            && (policy.value.selector.as_ref()).is_none_or(|selector| selector.selects(&pod.labels))
    };
    index.authorization_policies.iter().filter(applies).collect()
}

fn authorization<'a>(layers: &Layers<'a>, index: &Index<'a>, call: &Resolved<'_, 'a>) -> Option<(Origin<'a>, String)> {
    let principal = call.principal();
    for pod in &call.callees {
        let policies = policies_applying(layers, index, pod);
        for (number, _) in &call.ports {
            let matches = |policy: &&&Of<AuthorizationPolicySpec>| {
                (policy.value.rules.iter()).any(|rule| rule_matches(rule, &principal, call.caller_namespace(), *number))
            };
            let deny = (policies.iter())
                .filter(|policy| policy.value.action.as_deref() == Some("DENY"))
                .find(matches);
            if let Some(policy) = deny {
                let message = format!(
                    "{} denies {principal} on port {number} of {}",
                    policy.object.describe(),
                    pod.describe()
                );
                return Some((policy.object.origin(), message));
            }
            let allows: Vec<&&Of<AuthorizationPolicySpec>> =
                policies.iter().filter(|policy| policy.value.allows()).collect();
            if let (false, Some(policy)) = (allows.iter().any(matches), allows.first()) {
                let message = format!(
                    "{} allows no rule for {principal} on port {number} of {} (and no other ALLOW policy selecting it does)",
                    policy.object.describe(),
                    pod.describe()
                );
                return Some((policy.object.origin(), message));
            }
        }
    }
    None
}

/// The mutual-TLS mode of `pod`'s port `number`, and the PeerAuthentication that sets it.
fn peer_mode<'a>(layers: &Layers<'a>, pod: &PodTemplate, number: u16) -> Option<(&'a Rendered<'a>, String)> {
    let mode_of = |value: &Value| {
        let port_level = value
            .pointer(&format!("/spec/portLevelMtls/{number}/mode"))
            .and_then(Value::as_str);
        port_level
            .or_else(|| value.pointer("/spec/mtls/mode").and_then(Value::as_str))
            .map(str::to_owned)
    };
    let selects = |value: &Value| {
        let labels = value.pointer("/spec/selector/matchLabels").and_then(Value::as_object);
        labels.is_some_and(|labels| {
            labels
                .iter()
                .all(|(key, wanted)| pod.labels.get(key).map(String::as_str) == wanted.as_str())
        })
    };
    let unselective = |value: &Value| value.pointer("/spec/selector").is_none();
    let in_namespace = |namespace: &str| of_namespace(&layers.peer_authentications, namespace);
    let workload = in_namespace(pod.namespace())
        .into_iter()
        .find(|(_, value)| selects(value));
    let namespace = in_namespace(pod.namespace())
        .into_iter()
        .find(|(_, value)| unselective(value));
    let root = layers
        .mesh_root
        .as_deref()
        .and_then(|root| in_namespace(root).into_iter().find(|(_, value)| unselective(value)));
    [workload, namespace, root]
        .into_iter()
        .flatten()
        .find_map(|(object, value)| {
            mode_of(value)
                .filter(|mode| mode != "UNSET")
                .map(|mode| (*object, mode))
        })
}

/// Whether the caller's pods run a mesh proxy (when the release has none of them, whether its
/// namespace is enrolled).
fn caller_meshed(layers: &Layers, call: &Resolved) -> bool {
    match call.callers.as_slice() {
        [] => layers.meshed(call.caller_namespace(), &BTreeMap::new()),
        pods => pods.iter().all(|pod| layers.meshed(pod.namespace(), &pod.labels)),
    }
}

fn transport<'a>(layers: &Layers<'a>, call: &Resolved<'_, 'a>) -> Option<(Origin<'a>, String)> {
    let caller_meshed = caller_meshed(layers, call);
    let host = call.host();
    for pod in &call.callees {
        for (number, _) in &call.ports {
            let Some((object, mode)) = peer_mode(layers, pod, *number) else {
                continue;
            };
            if mode != "STRICT" {
                continue;
            }
            if !caller_meshed {
                let message = format!(
                    "{} requires mutual TLS on port {number} of {}, and {} runs no mesh proxy to provide it \
                     (its namespace is not enrolled in the mesh)",
                    object.describe(),
                    pod.describe(),
                    call.call.caller()
                );
                return Some((object.origin(), message));
            }
            let plaintext = (layers.destination_rules.iter()).find(|rule| {
                (rule.value.host == call.call.service.as_str() || rule.value.host == host)
                    && exported(
                        &rule.value.export_to,
                        rule.object.namespace_or_empty(),
                        call.caller_namespace(),
                    )
                    && rule
                        .object
                        .json()
                        .get("spec")
                        .and_then(|spec| spec.get("trafficPolicy"))
                        .and_then(|policy| policy.get("tls"))
                        .and_then(|tls| tls.get("mode"))
                        .and_then(|mode| mode.as_str())
                        == Some("DISABLE")
            });
            if let Some(rule) = plaintext {
                let message = format!(
                    "{} disables TLS to {host}, whose port {number} {} requires in mutual TLS",
                    rule.object.describe(),
                    object.describe()
                );
                return Some((rule.object.origin(), message));
            }
        }
    }
    None
}

/// A meshed Service of a service crate's app whose pods no ALLOW AuthorizationPolicy selects:
/// any workload with a mesh identity may call it, whatever the declared calls say.
fn open_services<'a>(layers: &Layers<'a>, index: &Index<'a>, problems: &mut Problems<'a>) {
    if layers.mesh_root.is_none() {
        return;
    }
    for service in &index.services {
        let origin = service.object.origin();
        if !matches!(origin.owner, Owner::Service(_)) {
            continue;
        }
        let namespace = service.object.namespace_or_empty();
        let selector = (service.value.spec.as_ref())
            .and_then(|spec| spec.selector.clone())
            .unwrap_or_default();
        let pods = index.pods_matched_by(namespace, &selector);
        for pod in pods.iter().filter(|pod| layers.meshed(namespace, &pod.labels)) {
            let restricted = (index.authorization_policies.iter()).any(|policy| {
                policy.object.namespace_or_empty() == namespace
                    && policy.value.allows()
                    && (policy.value.selector.as_ref()).is_some_and(|selector| selector.selects(&pod.labels))
            });
            if !restricted {
                problems.report_as(
                    &REACH_OPEN,
                    origin,
                    format!(
                        "{} reaches {} in the mesh, and no ALLOW AuthorizationPolicy selects its pods: any workload with a \
                         mesh identity may call it. Declare its callers (`allow_caller`), or the ingress listener that \
                         reaches it",
                        service.object.describe(),
                        pod.describe()
                    ),
                );
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sidecar_hosts_and_export_lists_are_read_as_istio_does() {
        let host = "account.services.svc.cluster.local";
        assert!(egress_host_covers("./*", "services", "services", host));
        assert!(!egress_host_covers("./*", "shop", "services", host));
        assert!(egress_host_covers("services/*", "shop", "services", host));
        assert!(egress_host_covers(
            &format!("services/{host}"),
            "shop",
            "services",
            host
        ));
        assert!(egress_host_covers("*/*.svc.cluster.local", "shop", "services", host));
        assert!(!egress_host_covers("istio-system/*", "shop", "services", host));
        assert!(exported(&[], "services", "shop"));
        assert!(exported(&[".".to_owned()], "services", "services"));
        assert!(!exported(&[".".to_owned()], "services", "shop"));
        assert!(exported(&[".".to_owned(), "shop".to_owned()], "services", "shop"));
    }
}
