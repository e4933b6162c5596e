//! The network layer: the NetworkPolicies governing the callee's ingress and the caller's
//! egress must each admit the call's namespace, pods and port.

use std::collections::BTreeMap;

use k8s_openapi::api::networking::v1::{NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::{Layers, Resolved};
use crate::rules::index::{Origin, PodTemplate, Rendered};

const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

/// Whether a NetworkPolicy port admits container port `number` (named `name` on the pod).
fn port_admits(ports: Option<&Vec<NetworkPolicyPort>>, number: u16, name: &str) -> bool {
    ports.is_none_or(|ports| {
        ports.is_empty()
            || ports.iter().any(|port| match &port.port {
                None => true,
                Some(IntOrString::Int(wanted)) => *wanted == i32::from(number),
                Some(IntOrString::String(wanted)) => wanted == name,
            })
    })
}

/// Whether `peer` (of a policy in `policy_namespace`) admits pods of `namespace`, among
/// `pods` (any of them; when none is known, only a peer without a pod selector does).
pub(super) fn peer_admits(
    layers: &Layers,
    peer: &NetworkPolicyPeer,
    policy_namespace: &str,
    namespace: &str,
    pods: &[&PodTemplate],
) -> bool {
    if peer.ip_block.is_some() {
        return false;
    }
    let namespace_admitted = match &peer.namespace_selector {
        None => policy_namespace == namespace,
        Some(selector) => {
            let label = |key: &str| match key {
                NAMESPACE_NAME_LABEL => Some(namespace),
                _ => layers
                    .namespaces
                    .get(namespace)
                    .and_then(|labels| labels.get(key).copied()),
            };
            selector.match_expressions.as_ref().is_none_or(Vec::is_empty)
                && (selector.match_labels.iter().flatten()).all(|(key, value)| label(key) == Some(value.as_str()))
        }
    };
    let pods_admitted = match &peer.pod_selector {
        None => true,
        Some(selector) => {
            let labels = selector.match_labels.clone().unwrap_or_default();
            labels.is_empty()
                || pods
                    .iter()
                    .any(|pod| labels.iter().all(|(key, value)| pod.labels.get(key) == Some(value)))
        }
    };
    namespace_admitted && pods_admitted
}

/// Whether `policy` governs the `direction` (`Ingress`, `Egress`) of pods with `labels` in
/// `namespace`.
pub(super) fn governs(
    policy: &NetworkPolicy,
    direction: &str,
    namespace: &str,
    labels: &BTreeMap<String, String>,
) -> bool {
    if policy.metadata.namespace.as_deref() != Some(namespace) {
        return false;
    }
    let Some(spec) = policy.spec.as_ref() else { return false };
    let types = spec.policy_types.as_ref();
    let governed = match types {
        Some(types) => types.iter().any(|kind| kind == direction),
        // Without policyTypes, a policy governs ingress, and egress when it has egress rules.
        None => direction == "Ingress" || spec.egress.is_some(),
    };
    let selected = (spec.pod_selector.as_ref()).is_none_or(|selector| {
        selector.match_expressions.as_ref().is_none_or(Vec::is_empty)
            && (selector.match_labels.iter().flatten()).all(|(key, value)| labels.get(key) == Some(value))
    });
    governed && selected
}

pub(super) fn network_ingress<'a>(layers: &Layers<'a>, call: &Resolved<'_, 'a>) -> Option<(Origin<'a>, String)> {
    let peer = (call.caller_namespace(), call.callers.as_slice());
    for pod in &call.callees {
        for (number, name) in &call.ports {
            if let Some(object) = refusing_policy(layers, Direction::Ingress, pod, peer, (*number, name)) {
                let message = format!(
                    "{} admits no ingress from {} on port {number} of {}",
                    object.describe(),
                    call.call.caller(),
                    pod.describe()
                );
                return Some((object.origin(), message));
            }
        }
    }
    None
}

pub(super) fn network_egress<'a>(layers: &Layers<'a>, call: &Resolved<'_, 'a>) -> Option<(Origin<'a>, String)> {
    let peer = (call.callee_namespace(), call.callees.as_slice());
    for pod in &call.callers {
        for (number, name) in &call.ports {
            if let Some(object) = refusing_policy(layers, Direction::Egress, pod, peer, (*number, name)) {
                let message = format!(
                    "{} admits no egress from {} to {} on port {number}",
                    object.describe(),
                    pod.describe(),
                    call.call.callee()
                );
                return Some((object.origin(), message));
            }
        }
    }
    None
}

/// A NetworkPolicy rule's peers (`from` or `to`) and ports.
type Rule<'p> = (Option<&'p Vec<NetworkPolicyPeer>>, Option<&'p Vec<NetworkPolicyPort>>);

/// Which side of a pod a NetworkPolicy rule governs.
#[derive(Clone, Copy)]
enum Direction {
    Ingress,
    Egress,
}

/// The first NetworkPolicy governing `direction` of `pod` when none of those admits the peer
/// (its namespace and pods) on `port`; `None` when one admits it or none governs.
fn refusing_policy<'a>(
    layers: &Layers<'a>,
    direction: Direction,
    pod: &PodTemplate,
    (peer_namespace, peer_pods): (&str, &[&PodTemplate]),
    (number, name): (u16, &str),
) -> Option<&'a Rendered<'a>> {
    let type_name = match direction {
        Direction::Ingress => "Ingress",
        Direction::Egress => "Egress",
    };
    let governing: Vec<&(&Rendered, NetworkPolicy)> = (layers.network.iter())
        .filter(|(_, policy)| governs(policy, type_name, pod.namespace(), &pod.labels))
        .collect();
    let admitted = governing.iter().any(|(object, policy)| {
        let spec = policy.spec.as_ref();
        let rules: Vec<Rule> = match direction {
            Direction::Ingress => (spec.and_then(|spec| spec.ingress.as_ref()).into_iter().flatten())
                .map(|rule| (rule.from.as_ref(), rule.ports.as_ref()))
                .collect(),
            Direction::Egress => (spec.and_then(|spec| spec.egress.as_ref()).into_iter().flatten())
                .map(|rule| (rule.to.as_ref(), rule.ports.as_ref()))
                .collect(),
        };
        rules.into_iter().any(|(peers, ports)| {
            let peer_ok = peers.is_none_or(|peers| {
                peers.is_empty()
                    || (peers.iter())
                        .any(|peer| peer_admits(layers, peer, object.namespace_or_empty(), peer_namespace, peer_pods))
            });
            peer_ok && port_admits(ports, number, name)
        })
    });
    match (admitted, governing.first()) {
        (false, Some((object, _))) => Some(*object),
        _ => None,
    }
}
