//! The custom resources the rules read, as views of their rendered JSON: only the fields a
//! rule needs, read by group and kind whatever Rust type wrote the object, so an object of a
//! platform's own type is held to the same rules as kumiki's. Views take what is there (an
//! absent field is empty); a field of the wrong shape is reported under `object.shape`.
//!
//! A view mirrors part of its CRD's schema by hand: `view_paths` lists every field path each
//! view reads, with the JSON type it expects, and a test holds them to the vendored upstream
//! CRDs (`crds/`), so a misspelt field fails a test instead of reading as empty.

use std::collections::BTreeMap;

use serde::Deserialize;

/// Istio's API groups.
pub(crate) const ISTIO_NETWORKING: &str = "networking.istio.io";
pub(crate) const ISTIO_SECURITY: &str = "security.istio.io";
/// Argo CD's API group.
pub(crate) const ARGO_CD: &str = "argoproj.io";
/// The External Secrets Operator's API group.
pub(crate) const EXTERNAL_SECRETS: &str = "external-secrets.io";

/// `Gateway.spec`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct GatewaySpec {
    pub(crate) selector: BTreeMap<String, String>,
    pub(crate) servers: Vec<GatewayServer>,
}

/// A listener of a Gateway.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct GatewayServer {
    pub(crate) port: GatewayPort,
    pub(crate) hosts: Vec<String>,
}

/// The port of a Gateway listener.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct GatewayPort {
    pub(crate) number: i64,
    pub(crate) name: String,
}

/// `ServiceEntry.spec`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct ServiceEntrySpec {
    pub(crate) hosts: Vec<String>,
    pub(crate) ports: Vec<PortNumber>,
    pub(crate) export_to: Vec<String>,
}

/// A port given by number.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct PortNumber {
    pub(crate) number: Option<i64>,
}

/// `DestinationRule.spec`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct DestinationRuleSpec {
    pub(crate) host: String,
    pub(crate) subsets: Vec<Subset>,
}

/// A named group of a host's pods.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Subset {
    pub(crate) name: String,
    pub(crate) labels: BTreeMap<String, String>,
}

/// `VirtualService.spec`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct VirtualServiceSpec {
    pub(crate) hosts: Vec<String>,
    pub(crate) gateways: Vec<String>,
    pub(crate) export_to: Vec<String>,
    pub(crate) http: Vec<Route>,
    pub(crate) tcp: Vec<Route>,
}

/// An HTTP or a TCP route: the same fields for what the checks read.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Route {
    #[serde(rename = "match")]
    pub(crate) matches: Vec<RouteMatch>,
    pub(crate) route: Vec<WeightedDestination>,
}

/// A condition of a route.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct RouteMatch {
    pub(crate) port: Option<i64>,
    pub(crate) gateways: Vec<String>,
}

/// A destination of a route and its share of the traffic.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct WeightedDestination {
    pub(crate) destination: Destination,
    pub(crate) weight: Option<i64>,
}

/// A host, port and subset traffic goes to.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Destination {
    pub(crate) host: String,
    pub(crate) port: Option<PortNumber>,
    pub(crate) subset: Option<String>,
}

/// `AuthorizationPolicy.spec`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct AuthorizationPolicySpec {
    pub(crate) action: Option<String>,
    pub(crate) selector: Option<WorkloadSelector>,
    pub(crate) rules: Vec<AuthorizationRule>,
}

impl AuthorizationPolicySpec {
    /// Whether it allows what its rules match (and so denies the rest).
    pub(crate) fn allows(&self) -> bool {
        matches!(self.action.as_deref(), None | Some("ALLOW"))
    }
}

/// Istio's workload selector: pods by their labels, nothing else.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct WorkloadSelector {
    pub(crate) match_labels: BTreeMap<String, String>,
}

impl WorkloadSelector {
    /// Whether pods with `labels` are selected.
    pub(crate) fn selects(&self, labels: &BTreeMap<String, String>) -> bool {
        (self.match_labels.iter()).all(|(key, value)| labels.get(key) == Some(value))
    }
}

/// Pods selected by their labels.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct LabelSelector {
    pub(crate) match_labels: BTreeMap<String, String>,
    pub(crate) match_expressions: Vec<serde_json::Value>,
}

impl LabelSelector {
    /// Whether pods with `labels` are selected (`None` when the selector has expressions,
    /// which the checks do not evaluate).
    pub(crate) fn selects(&self, labels: &BTreeMap<String, String>) -> Option<bool> {
        self.match_expressions
            .is_empty()
            .then(|| (self.match_labels.iter()).all(|(key, value)| labels.get(key) == Some(value)))
    }
}

/// An authorization rule: its sources and operations.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct AuthorizationRule {
    pub(crate) from: Vec<RuleFrom>,
    pub(crate) to: Vec<RuleTo>,
}

/// A rule's operation.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct RuleTo {
    pub(crate) operation: Operation,
}

/// The destination ports of a rule's operation.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Operation {
    pub(crate) ports: Vec<String>,
}

/// A rule's source.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct RuleFrom {
    pub(crate) source: RuleSource,
}

/// Who a rule's source is: peer identities, namespaces, addresses (each may be negated).
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct RuleSource {
    pub(crate) principals: Vec<String>,
    pub(crate) not_principals: Vec<String>,
    pub(crate) request_principals: Vec<String>,
    pub(crate) not_request_principals: Vec<String>,
    pub(crate) namespaces: Vec<String>,
    pub(crate) not_namespaces: Vec<String>,
    pub(crate) ip_blocks: Vec<String>,
    pub(crate) not_ip_blocks: Vec<String>,
    pub(crate) remote_ip_blocks: Vec<String>,
    pub(crate) not_remote_ip_blocks: Vec<String>,
}

impl RuleSource {
    /// Whether it names no one: a rule with such a source admits any caller.
    pub(crate) fn is_empty(&self) -> bool {
        [
            &self.principals,
            &self.not_principals,
            &self.request_principals,
            &self.not_request_principals,
            &self.namespaces,
            &self.not_namespaces,
            &self.ip_blocks,
            &self.not_ip_blocks,
            &self.remote_ip_blocks,
            &self.not_remote_ip_blocks,
        ]
        .iter()
        .all(|list| list.is_empty())
    }
}

/// Karpenter's API group.
pub(crate) const KARPENTER: &str = "karpenter.sh";

/// `NodePool.spec`: the labels and taints of its nodes.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct NodePoolSpec {
    pub(crate) template: NodeTemplate,
}

/// `NodePool.spec.template`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct NodeTemplate {
    pub(crate) metadata: NodeMetadata,
    pub(crate) spec: NodeTemplateSpec,
}

/// The labels a NodePool's nodes get.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct NodeMetadata {
    pub(crate) labels: BTreeMap<String, String>,
}

/// The taints a NodePool's nodes get.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct NodeTemplateSpec {
    pub(crate) taints: Vec<NodeTaint>,
}

/// A taint of a node.
#[derive(Debug, Default, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(default)]
pub(crate) struct NodeTaint {
    pub(crate) key: String,
    pub(crate) value: String,
    pub(crate) effect: String,
}

/// The Prometheus Operator's API group.
pub(crate) const PROMETHEUS_OPERATOR: &str = "monitoring.coreos.com";

/// `PodMonitor.spec`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct PodMonitorSpec {
    pub(crate) selector: LabelSelector,
    pub(crate) namespace_selector: NamespaceSelector,
    pub(crate) pod_metrics_endpoints: Vec<PodMetricsEndpoint>,
}

/// A port of the pods a PodMonitor scrapes, by container port name or number.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct PodMetricsEndpoint {
    pub(crate) port: Option<String>,
    pub(crate) port_number: Option<i64>,
}

/// `ServiceMonitor.spec`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct ServiceMonitorSpec {
    pub(crate) selector: LabelSelector,
    pub(crate) namespace_selector: NamespaceSelector,
    pub(crate) endpoints: Vec<ServiceMonitorEndpoint>,
}

/// A port of the Services a ServiceMonitor scrapes (through their endpoints), by name.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ServiceMonitorEndpoint {
    pub(crate) port: Option<String>,
}

/// The namespaces a monitor looks in: any, these, or (neither) its own.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct NamespaceSelector {
    pub(crate) any: bool,
    pub(crate) match_names: Vec<String>,
}

impl NamespaceSelector {
    /// Whether a monitor in `own` with this selector looks in `namespace`.
    pub(crate) fn includes(&self, own: &str, namespace: &str) -> bool {
        self.any
            || self.match_names.iter().any(|name| name == namespace)
            || (self.match_names.is_empty() && own == namespace)
    }
}

/// `Application.spec`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct ApplicationSpec {
    pub(crate) project: String,
    pub(crate) source: Option<ApplicationSource>,
    pub(crate) sources: Option<serde_json::Value>,
    pub(crate) source_hydrator: Option<serde_json::Value>,
    pub(crate) destination: Namespaced,
}

/// Where an Application's manifests come from.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ApplicationSource {
    #[serde(rename = "repoURL")]
    pub(crate) repo_url: String,
    pub(crate) path: Option<String>,
}

/// A destination: its namespace is what the checks read.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Namespaced {
    pub(crate) namespace: Option<String>,
}

/// `AppProject.spec`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct AppProjectSpec {
    pub(crate) source_repos: Vec<String>,
    pub(crate) destinations: Vec<Namespaced>,
    pub(crate) namespace_resource_whitelist: Option<Vec<GroupKind>>,
    pub(crate) namespace_resource_blacklist: Vec<GroupKind>,
    pub(crate) cluster_resource_whitelist: Vec<GroupKind>,
}

/// An API group and kind (patterns in a project).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct GroupKind {
    pub(crate) group: String,
    pub(crate) kind: String,
}

/// `ExternalSecret.spec`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct ExternalSecretSpec {
    pub(crate) secret_store_ref: StoreRef,
    pub(crate) target: Target,
    pub(crate) data: Vec<SecretData>,
    pub(crate) data_from: Vec<serde_json::Value>,
}

/// The store an ExternalSecret reads from.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct StoreRef {
    pub(crate) kind: Option<String>,
    pub(crate) name: String,
}

/// The Secret an ExternalSecret writes.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Target {
    pub(crate) name: Option<String>,
}

/// One key of the target Secret.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct SecretData {
    pub(crate) secret_key: String,
}
