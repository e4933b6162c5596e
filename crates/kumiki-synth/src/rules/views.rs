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
#[serde(default, rename_all = "camelCase")]
pub(crate) struct DestinationRuleSpec {
    pub(crate) host: String,
    pub(crate) subsets: Vec<Subset>,
    pub(crate) export_to: Vec<String>,
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
    pub(crate) job_label: Option<String>,
    pub(crate) pod_target_labels: Vec<String>,
}

/// A port of the pods a PodMonitor scrapes, by container port name or number, and how.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct PodMetricsEndpoint {
    pub(crate) port: Option<String>,
    pub(crate) port_number: Option<i64>,
    pub(crate) bearer_token_secret: Option<serde_json::Value>,
    pub(crate) authorization: Option<serde_json::Value>,
    pub(crate) basic_auth: Option<serde_json::Value>,
    pub(crate) oauth2: Option<serde_json::Value>,
    pub(crate) tls_config: Option<PodMonitorTls>,
    pub(crate) relabelings: Vec<Relabeling>,
    pub(crate) metric_relabelings: Vec<Relabeling>,
    pub(crate) honor_labels: bool,
}

/// The TLS a PodMonitor's endpoint scrapes with: keys and certificates from Secrets.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct PodMonitorTls {
    pub(crate) ca: Option<serde_json::Value>,
    pub(crate) cert: Option<serde_json::Value>,
    pub(crate) key_secret: Option<serde_json::Value>,
}

/// `ServiceMonitor.spec`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct ServiceMonitorSpec {
    pub(crate) selector: LabelSelector,
    pub(crate) namespace_selector: NamespaceSelector,
    pub(crate) endpoints: Vec<ServiceMonitorEndpoint>,
    pub(crate) job_label: Option<String>,
    pub(crate) target_labels: Vec<String>,
    pub(crate) pod_target_labels: Vec<String>,
}

/// A port of the Services a ServiceMonitor scrapes (through their endpoints), by name, and how.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct ServiceMonitorEndpoint {
    pub(crate) port: Option<String>,
    pub(crate) bearer_token_file: Option<String>,
    pub(crate) bearer_token_secret: Option<serde_json::Value>,
    pub(crate) authorization: Option<serde_json::Value>,
    pub(crate) basic_auth: Option<serde_json::Value>,
    pub(crate) oauth2: Option<serde_json::Value>,
    pub(crate) tls_config: Option<ServiceMonitorTls>,
    pub(crate) relabelings: Vec<Relabeling>,
    pub(crate) metric_relabelings: Vec<Relabeling>,
    pub(crate) honor_labels: bool,
}

/// The TLS a ServiceMonitor's endpoint scrapes with: keys and certificates from Secrets or
/// from files on the scraper's own disk.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct ServiceMonitorTls {
    pub(crate) ca: Option<serde_json::Value>,
    pub(crate) cert: Option<serde_json::Value>,
    pub(crate) key_secret: Option<serde_json::Value>,
    pub(crate) ca_file: Option<String>,
    pub(crate) cert_file: Option<String>,
    pub(crate) key_file: Option<String>,
}

/// One relabeling of a scrape: what it writes.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Relabeling {
    pub(crate) action: Option<String>,
    pub(crate) target_label: Option<String>,
}

/// How an endpoint of either monitor kind makes the scraper scrape: what the authority rule
/// reads of both.
pub(crate) struct MonitorEndpoint {
    /// The fields that hand the scraper credentials, by name, when set.
    credentials: Vec<&'static str>,
    /// Files on the scraper's disk the endpoint presents or trusts, with their field.
    files: Vec<(&'static str, String)>,
    relabelings: Vec<Relabeling>,
    honor_labels: bool,
}

impl MonitorEndpoint {
    /// What makes the scraper act as other than the platform's scraper of this service: its
    /// credentials, files outside the platform's `certificates` directory, relabelings that
    /// write one of the `identity` labels (or map labels wholesale), honoured labels.
    pub(crate) fn problems(&self, certificates: Option<&str>, identity: &[&str]) -> Vec<String> {
        let mut problems: Vec<String> = (self.credentials.iter())
            .map(|field| format!("`{field}` makes the scraper send credentials the service chose"))
            .collect();
        let within = |path: &str| {
            certificates.is_some_and(|dir| {
                path.strip_prefix(dir.trim_end_matches('/'))
                    .is_some_and(|rest| rest.starts_with('/') && !rest.contains(".."))
            })
        };
        for (field, path) in self.files.iter().filter(|(_, path)| !within(path)) {
            problems.push(format!(
                "`tlsConfig.{field}` makes the scraper use its file {path}, outside the mesh certificates the platform \
                 declares for it"
            ));
        }
        for relabeling in &self.relabelings {
            let action = relabeling.action.as_deref().unwrap_or("replace").to_ascii_lowercase();
            let target = relabeling.target_label.as_deref().unwrap_or_default();
            if action == "labelmap" {
                problems
                    .push("a `labelmap` relabeling can write any label, including the target's identity".to_owned());
            } else if identity.contains(&target) {
                problems.push(format!(
                    "a relabeling writes `{target}`, which says which target a sample comes from"
                ));
            }
        }
        if self.honor_labels {
            problems
                .push("`honorLabels: true` lets the scraped samples keep their own `job` and `namespace`".to_owned());
        }
        problems
    }
}

fn credentials(fields: [(&'static str, bool); 8]) -> Vec<&'static str> {
    fields
        .into_iter()
        .filter(|(_, set)| *set)
        .map(|(field, _)| field)
        .collect()
}

impl From<PodMetricsEndpoint> for MonitorEndpoint {
    fn from(endpoint: PodMetricsEndpoint) -> MonitorEndpoint {
        let tls = endpoint.tls_config.unwrap_or_default();
        MonitorEndpoint {
            credentials: credentials([
                ("bearerTokenSecret", endpoint.bearer_token_secret.is_some()),
                ("authorization", endpoint.authorization.is_some()),
                ("basicAuth", endpoint.basic_auth.is_some()),
                ("oauth2", endpoint.oauth2.is_some()),
                ("tlsConfig.ca", tls.ca.is_some()),
                ("tlsConfig.cert", tls.cert.is_some()),
                ("tlsConfig.keySecret", tls.key_secret.is_some()),
                ("bearerTokenFile", false),
            ]),
            files: Vec::new(),
            relabelings: endpoint
                .relabelings
                .into_iter()
                .chain(endpoint.metric_relabelings)
                .collect(),
            honor_labels: endpoint.honor_labels,
        }
    }
}

impl From<ServiceMonitorEndpoint> for MonitorEndpoint {
    fn from(endpoint: ServiceMonitorEndpoint) -> MonitorEndpoint {
        let tls = endpoint.tls_config.unwrap_or_default();
        let files = [
            ("caFile", tls.ca_file),
            ("certFile", tls.cert_file),
            ("keyFile", tls.key_file),
        ];
        MonitorEndpoint {
            credentials: credentials([
                ("bearerTokenSecret", endpoint.bearer_token_secret.is_some()),
                ("authorization", endpoint.authorization.is_some()),
                ("basicAuth", endpoint.basic_auth.is_some()),
                ("oauth2", endpoint.oauth2.is_some()),
                ("tlsConfig.ca", tls.ca.is_some()),
                ("tlsConfig.cert", tls.cert.is_some()),
                ("tlsConfig.keySecret", tls.key_secret.is_some()),
                ("bearerTokenFile", endpoint.bearer_token_file.is_some()),
            ]),
            files: (files.into_iter())
                .filter_map(|(field, path)| Some((field, path?)))
                .collect(),
            relabelings: endpoint
                .relabelings
                .into_iter()
                .chain(endpoint.metric_relabelings)
                .collect(),
            honor_labels: endpoint.honor_labels,
        }
    }
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
