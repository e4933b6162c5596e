//! Services that run in the cluster but are rendered elsewhere (by a Helm chart an Argo CD
//! Application installs), declared to synth so that routes and policies referring to them
//! are checked like any other.

use std::collections::BTreeMap;

use kumiki_core::{Name, NodeGroup, PortNumber};

/// A Service whose objects kumiki does not render, such as an Istio gateway proxy installed by
/// Istio's `gateway` chart. An app publishes it with [`App::publish`](crate::App::publish);
/// the mesh checks then resolve hosts, ports, Gateway selectors and mTLS identities against it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProvidedService {
    /// Its namespace.
    pub namespace: Name,
    /// Its name.
    pub name: Name,
    /// The ports its Service exposes.
    pub ports: Vec<PortNumber>,
    /// The labels of its pods (what a Gateway's selector matches).
    pub pod_labels: BTreeMap<String, String>,
    /// The ServiceAccount its pods run as (their mTLS identity).
    pub service_account: Name,
    /// Who renders it, for error messages (e.g. `Istio gateway chart`).
    pub provider: &'static str,
}

/// Who scrapes metrics in the cluster (the platform's Prometheus): its namespace and
/// ServiceAccount, which is its mesh identity when it runs with a sidecar. The platform states
/// it in its `Environment` (a Microservice admits it on its metrics ports) and publishes it;
/// synth then checks that every PodMonitor and ServiceMonitor target is reachable by it: a
/// NetworkPolicy selecting the pods admits its namespace on the port, and an ALLOW
/// AuthorizationPolicy selecting them admits its identity (except on `proxy_ports`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetricsScraper {
    /// Its namespace.
    pub namespace: Name,
    /// The ServiceAccount its pods run as.
    pub service_account: Name,
    /// Ports the mesh's proxy serves itself (Envoy's statistics, 15090): scraped without the
    /// sidecar's inbound chain, so no AuthorizationPolicy governs them; a NetworkPolicy does.
    pub proxy_ports: Vec<PortNumber>,
    /// Where the scraper finds the mesh's client certificates (`root-cert.pem`,
    /// `cert-chain.pem`, `key.pem`), to scrape a port behind mutual TLS; `None` when it has none.
    pub mesh_certificates: Option<String>,
}

impl MetricsScraper {
    /// Its mesh identity, as an AuthorizationPolicy names it.
    pub fn principal(&self) -> String {
        mesh_principal(&self.namespace, &self.service_account)
    }
}

/// The mesh identity of the pods running as `service_account` in `namespace`, as an
/// AuthorizationPolicy names it: `cluster.local/ns/<namespace>/sa/<service account>`.
pub fn mesh_principal(namespace: &Name, service_account: &Name) -> String {
    format!("cluster.local/ns/{namespace}/sa/{service_account}")
}

/// Where an environment's release lives in the repository Argo CD syncs from, published by
/// the app-of-apps tree so synth can check that Applications and app directories match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReleaseLayout {
    /// The repository URL Applications name.
    pub repository: String,
    /// The directory of this environment's release in it, e.g. `release/prd`.
    pub path_prefix: String,
    /// App directories applied by hand rather than by an Application (`bootstrap`).
    pub applied_by_hand: Vec<String>,
}

/// The command line that synthesizes this model (`cargo xtask`), published by the tool that
/// builds the model: every file's header names `<command> synth --env <env>`, so whoever
/// reads a file knows what regenerates it. Without one, the header names kumiki alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GeneratedBy {
    /// How users run the command line, e.g. `cargo xtask`.
    pub command: &'static str,
}

/// The hosts outside the cluster that other apps may register with the mesh (a ServiceEntry
/// in their own namespace, such as a service's managed database), declared by the platform.
/// Once an app publishes it, a ServiceEntry of any other app must name only these hosts and
/// be exported only to its own namespace: egress goes through the platform.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegisteredHosts {
    /// The host names.
    pub hosts: Vec<String>,
}

/// The node groups of the environment's cluster, declared by the platform. Once an app
/// publishes them, every pod's node-group affinity and tolerations must name these groups
/// and their taints.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterNodeGroups {
    /// The groups.
    pub groups: Vec<NodeGroup>,
}
