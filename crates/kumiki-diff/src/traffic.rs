//! Who may call whom, as the rendered policies of a tree say: the edges the AuthorizationPolicy
//! ALLOW rules admit (mesh identities) and those the NetworkPolicy ingress rules admit
//! (namespaces, pods), so a reviewer sees "services/order -> services/payments:8080" appear
//! or go in the pull request.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::Tree;

/// The traffic a change allows and stops allowing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrafficChange {
    /// Edges only the new tree allows.
    pub added: Vec<String>,
    /// Edges only the old tree allows.
    pub removed: Vec<String>,
}

impl TrafficChange {
    /// Whether the change allows and stops allowing nothing.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty()
    }
}

/// The kinds whose objects decide the edges: the policies and the workloads they select.
const DECIDING_KINDS: [&str; 5] = [
    "authorizationpolicy",
    "networkpolicy",
    "deployment",
    "statefulset",
    "daemonset",
];

/// The traffic `new` allows that `old` does not, and the reverse. Unchanged when no file of a
/// policy or workload differs (the trees are then not read).
pub fn traffic_change(old: &Tree, new: &Tree) -> TrafficChange {
    let differs = |a: &Tree, b: &Tree| (a.iter()).any(|(path, text)| b.get(path) != Some(text) && deciding(path));
    if !differs(old, new) && !differs(new, old) {
        return TrafficChange::default();
    }
    let (before, after) = (edges(old), edges(new));
    TrafficChange {
        added: after.difference(&before).cloned().collect(),
        removed: before.difference(&after).cloned().collect(),
    }
}

/// Whether a file of `<app>/<namespace>.<kind>.<name>.yaml` holds a policy or workload.
fn deciding(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path);
    file.split('.')
        .nth(1)
        .is_some_and(|kind| DECIDING_KINDS.contains(&kind))
}

/// Every edge the tree's policies allow, `caller -> namespace/workload:port (layer)`.
pub fn edges(tree: &Tree) -> BTreeSet<String> {
    let objects: Vec<Value> = (tree.iter())
        .filter(|(path, _)| deciding(path))
        .filter_map(|(_, text)| serde_saphyr::from_str::<Value>(text).ok())
        .collect();
    let workloads: Vec<Workload> = objects.iter().filter_map(Workload::read).collect();
    let mut edges = BTreeSet::new();
    for object in &objects {
        match object.get("kind").and_then(Value::as_str) {
            Some("AuthorizationPolicy") => authorization_edges(object, &workloads, &mut edges),
            Some("NetworkPolicy") => network_edges(object, &workloads, &mut edges),
            _ => {}
        }
    }
    edges
}

/// A workload's namespace, name and pod labels.
struct Workload {
    namespace: String,
    name: String,
    labels: BTreeMap<String, String>,
}

impl Workload {
    fn read(object: &Value) -> Option<Workload> {
        let kind = object.get("kind")?.as_str()?;
        if !["Deployment", "StatefulSet", "DaemonSet"].contains(&kind) {
            return None;
        }
        Some(Workload {
            namespace: text(object, "/metadata/namespace"),
            name: text(object, "/metadata/name"),
            labels: labels(object.pointer("/spec/template/metadata/labels")),
        })
    }
}

fn text(value: &Value, pointer: &str) -> String {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn labels(value: Option<&Value>) -> BTreeMap<String, String> {
    (value.and_then(Value::as_object).into_iter().flatten())
        .filter_map(|(key, value)| Some((key.clone(), value.as_str()?.to_owned())))
        .collect()
}

fn strings(value: Option<&Value>) -> Vec<String> {
    (value.and_then(Value::as_array).into_iter().flatten())
        .map(|item| match item {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        })
        .collect()
}

/// `namespace/workload` of each workload of `namespace` that `selector` selects; the policy's
/// own name when none is in the tree.
fn targets(namespace: &str, selector: &BTreeMap<String, String>, workloads: &[Workload], policy: &str) -> Vec<String> {
    let selected: Vec<String> = (workloads.iter())
        .filter(|workload| {
            workload.namespace == namespace
                && selector
                    .iter()
                    .all(|(key, value)| workload.labels.get(key) == Some(value))
        })
        .map(|workload| format!("{namespace}/{}", workload.name))
        .collect();
    if selected.is_empty() {
        vec![format!("{namespace}/{policy}")]
    } else {
        selected
    }
}

fn authorization_edges(policy: &Value, workloads: &[Workload], edges: &mut BTreeSet<String>) {
    let action = policy
        .pointer("/spec/action")
        .and_then(Value::as_str)
        .unwrap_or("ALLOW");
    if action != "ALLOW" {
        return;
    }
    let namespace = text(policy, "/metadata/namespace");
    let selector = labels(policy.pointer("/spec/selector/matchLabels"));
    let targets = targets(&namespace, &selector, workloads, &text(policy, "/metadata/name"));
    for rule in (policy.pointer("/spec/rules").and_then(Value::as_array))
        .into_iter()
        .flatten()
    {
        let mut callers = Vec::new();
        for from in (rule.get("from").and_then(Value::as_array)).into_iter().flatten() {
            let principals = strings(from.pointer("/source/principals"));
            callers.extend(principals.iter().map(|principal| caller_of_principal(principal)));
            let namespaces = strings(from.pointer("/source/namespaces"));
            callers.extend(namespaces.iter().map(|namespace| format!("{namespace}/*")));
        }
        let ports: Vec<String> = (rule.get("to").and_then(Value::as_array).into_iter().flatten())
            .flat_map(|to| strings(to.pointer("/operation/ports")))
            .collect();
        insert_edges(edges, [callers, targets.clone(), ports], "authorization");
    }
}

/// Every `caller -> target:port (layer)` of `[callers, targets, ports]`, an empty list standing
/// for any (`*`).
fn insert_edges(edges: &mut BTreeSet<String>, [callers, targets, ports]: [Vec<String>; 3], layer: &str) {
    let any = |list: Vec<String>| if list.is_empty() { vec!["*".to_owned()] } else { list };
    let (callers, targets, ports) = (any(callers), any(targets), any(ports));
    for caller in &callers {
        for target in &targets {
            for port in &ports {
                edges.insert(format!("{caller} -> {target}:{port} ({layer})"));
            }
        }
    }
}

/// `cluster.local/ns/<namespace>/sa/<account>` as `<namespace>/<account>`.
fn caller_of_principal(principal: &str) -> String {
    let parts: Vec<&str> = principal.split('/').collect();
    match parts.as_slice() {
        [_, "ns", namespace, "sa", account] => format!("{namespace}/{account}"),
        _ => principal.to_owned(),
    }
}

fn network_edges(policy: &Value, workloads: &[Workload], edges: &mut BTreeSet<String>) {
    let types = strings(policy.pointer("/spec/policyTypes"));
    if !types.is_empty() && !types.iter().any(|kind| kind == "Ingress") {
        return;
    }
    let namespace = text(policy, "/metadata/namespace");
    let selector = labels(policy.pointer("/spec/podSelector/matchLabels"));
    let targets = targets(&namespace, &selector, workloads, &text(policy, "/metadata/name"));
    for rule in (policy.pointer("/spec/ingress").and_then(Value::as_array))
        .into_iter()
        .flatten()
    {
        let peers = rule.get("from").and_then(Value::as_array);
        let callers: Vec<String> = peers
            .into_iter()
            .flatten()
            .map(|peer| peer_name(peer, &namespace))
            .collect();
        let ports: Vec<String> = (rule.get("ports").and_then(Value::as_array).into_iter().flatten())
            .map(|port| match port.get("port") {
                Some(Value::String(name)) => name.clone(),
                Some(other) => other.to_string(),
                None => "*".to_owned(),
            })
            .collect();
        insert_edges(edges, [callers, targets.clone(), ports], "network");
    }
}

/// A NetworkPolicy peer as `<namespace>/*` (a namespace), `<namespace>/{k=v,..}` (pods of a
/// namespace), or the CIDR of an ipBlock.
fn peer_name(peer: &Value, own_namespace: &str) -> String {
    if let Some(cidr) = peer.pointer("/ipBlock/cidr").and_then(Value::as_str) {
        return cidr.to_owned();
    }
    let namespace = match peer.get("namespaceSelector") {
        None => own_namespace.to_owned(),
        Some(selector) => {
            let labels = labels(selector.get("matchLabels"));
            match (labels.get("kubernetes.io/metadata.name"), labels.is_empty()) {
                (Some(name), _) if labels.len() == 1 => name.clone(),
                (_, true) => "*".to_owned(),
                _ => format!("{{{}}}", pairs(&labels)),
            }
        }
    };
    let pods = labels(peer.pointer("/podSelector/matchLabels"));
    if pods.is_empty() {
        format!("{namespace}/*")
    } else {
        format!("{namespace}/{{{}}}", pairs(&pods))
    }
}

fn pairs(labels: &BTreeMap<String, String>) -> String {
    let pairs: Vec<String> = labels.iter().map(|(key, value)| format!("{key}={value}")).collect();
    pairs.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[(&str, String)]) -> Tree {
        files
            .iter()
            .map(|(path, text)| ((*path).to_owned(), text.clone()))
            .collect()
    }

    fn yaml(lines: &[&str]) -> String {
        lines.join("\n") + "\n"
    }

    fn deployment() -> String {
        yaml(&[
            "apiVersion: apps/v1",
            "kind: Deployment",
            "metadata: {name: payments, namespace: shop}",
            "spec:",
            "  template:",
            "    metadata:",
            "      labels: {app: payments}",
        ])
    }

    fn policy(principal: &str) -> String {
        yaml(&[
            "apiVersion: security.istio.io/v1",
            "kind: AuthorizationPolicy",
            "metadata: {name: payments, namespace: shop}",
            "spec:",
            "  action: ALLOW",
            "  selector:",
            "    matchLabels: {app: payments}",
            "  rules:",
            "  - from:",
            &format!("    - source: {{principals: [{principal}]}}"),
            "    to:",
            "    - operation: {ports: ['8080']}",
        ])
    }

    #[test]
    fn a_new_principal_reads_as_a_new_edge_and_the_old_one_as_removed() {
        let old = tree(&[
            ("payments/shop.deployment.payments.yaml", deployment()),
            (
                "payments/shop.authorizationpolicy.payments.yaml",
                policy("cluster.local/ns/shop/sa/cart"),
            ),
        ]);
        let new = tree(&[
            ("payments/shop.deployment.payments.yaml", deployment()),
            (
                "payments/shop.authorizationpolicy.payments.yaml",
                policy("cluster.local/ns/orders/sa/order"),
            ),
        ]);
        let change = traffic_change(&old, &new);
        assert_eq!(change.added, ["orders/order -> shop/payments:8080 (authorization)"]);
        assert_eq!(change.removed, ["shop/cart -> shop/payments:8080 (authorization)"]);
        assert!(traffic_change(&new, &new).is_empty());
    }

    #[test]
    fn network_policy_peers_name_namespaces_and_pods() {
        let policy = yaml(&[
            "apiVersion: networking.k8s.io/v1",
            "kind: NetworkPolicy",
            "metadata: {name: payments, namespace: shop}",
            "spec:",
            "  podSelector:",
            "    matchLabels: {app: payments}",
            "  policyTypes: [Ingress]",
            "  ingress:",
            "  - from:",
            "    - namespaceSelector:",
            "        matchLabels: {kubernetes.io/metadata.name: orders}",
            "      podSelector:",
            "        matchLabels: {app: order}",
            "    - namespaceSelector:",
            "        matchLabels: {kubernetes.io/metadata.name: shop}",
            "    ports:",
            "    - port: http",
        ]);
        let edges = edges(&tree(&[
            ("payments/shop.deployment.payments.yaml", deployment()),
            ("payments/shop.networkpolicy.payments.yaml", policy),
        ]));
        assert_eq!(
            edges.into_iter().collect::<Vec<_>>(),
            [
                "orders/{app=order} -> shop/payments:http (network)",
                "shop/* -> shop/payments:http (network)"
            ]
        );
    }
}
