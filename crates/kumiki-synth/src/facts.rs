//! What the platform declares to synth: one typed value, [`PlatformFacts`], that only the
//! platform's code hands to synthesis (beside the apps, never inside one), so no service crate
//! can state a platform fact. Rules that need a fact the platform did not state report an
//! error instead of passing silently.

use std::collections::BTreeMap;

use kumiki_core::{Name, NodeGroup, PortNumber, SourceLocation};
use typed_builder::TypedBuilder;

use crate::authority::Authority;
use crate::rule::Rule;

/// The platform's facts about one environment: the cluster's node groups, the exemptions it
/// grants, the external hosts services may register, the services rendered outside kumiki
/// (gateway proxies), who scrapes metrics, where the release lives for Argo CD, and what
/// service crates may write.
///
/// Built with its builder: `node_groups` is required, the rest defaults to "none declared"
/// (which the rules read as "nothing granted", never as "not checked").
///
/// ```
/// use kumiki_core::{label_value, NodeGroup};
/// use kumiki_synth::PlatformFacts;
///
/// let facts = PlatformFacts::builder().node_groups(vec![NodeGroup::new(label_value!("app"))]).build();
/// assert!(facts.scraper.is_none());
/// ```
#[derive(Clone, Debug, Default, TypedBuilder)]
#[non_exhaustive]
pub struct PlatformFacts {
    /// The node groups of the environment's cluster: every pod's node-group affinity and
    /// tolerations must name these groups and their taints.
    pub node_groups: Vec<NodeGroup>,
    /// Rules the platform lifts for one app, each with its reason.
    #[builder(default)]
    pub exemptions: Vec<Exemption>,
    /// Hosts outside the cluster that a service may register with the mesh itself (a
    /// ServiceEntry in its own namespace, such as its managed database's endpoint).
    #[builder(default)]
    pub registered_hosts: Vec<String>,
    /// Services running in the cluster whose objects kumiki does not render.
    #[builder(default)]
    pub provided_services: Vec<ProvidedService>,
    /// Who scrapes metrics.
    #[builder(default, setter(strip_option))]
    pub scraper: Option<MetricsScraper>,
    /// Where the release lives in the repository Argo CD syncs.
    #[builder(default, setter(strip_option))]
    pub layout: Option<ReleaseLayout>,
    /// What service crates may write, and the grants to single services.
    #[builder(default)]
    pub authority: Authority,
    /// The service mesh's root namespace (`istio-system`), where a Sidecar,
    /// PeerAuthentication or AuthorizationPolicy without a selector applies mesh-wide; `None`
    /// when the platform runs no mesh.
    #[builder(default, setter(strip_option))]
    pub mesh_root: Option<Name>,
}

/// Which code an app comes from: the platform's, or a service crate's (set by the command
/// line for every app a service crate returns, so a service cannot claim to be the platform).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Owner {
    /// The platform's own code (and any app built without the command line).
    #[default]
    Platform,
    /// The service crate of this name.
    Service(&'static str),
}

/// An exception to one rule for the objects of one app, with the reason it is acceptable.
/// Only the platform grants one, in its [`PlatformFacts`]; the rule is a value, so an
/// exemption of a rule that does not exist does not compile.
///
/// ```
/// use kumiki_core::name;
/// use kumiki_synth::{Exemption, rules};
///
/// let exemption = Exemption::new(name!("node-exporter"), &rules::POD_HOST_NAMESPACES, "reads the node's metrics");
/// assert_eq!(exemption.rule.id, "pod.host-namespaces");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Exemption {
    /// The app whose objects are exempted.
    pub app: Name,
    /// The rule lifted.
    pub rule: &'static Rule,
    /// Why the exception is acceptable.
    pub reason: &'static str,
    /// Where the platform grants it.
    pub declared_at: SourceLocation,
}

impl Exemption {
    /// Lifts `rule` for the objects of `app`, because of `reason`.
    #[track_caller]
    pub fn new(app: Name, rule: &'static Rule, reason: &'static str) -> Exemption {
        Exemption {
            app,
            rule,
            reason,
            declared_at: SourceLocation::caller(),
        }
    }
}

/// A Service whose objects kumiki does not render, such as an Istio gateway proxy installed by
/// Istio's `gateway` chart: the mesh rules resolve hosts, ports, Gateway selectors and mTLS
/// identities against it.
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
/// ServiceAccount, which is its mesh identity when it runs with a sidecar. Synth checks that
/// every PodMonitor and ServiceMonitor target is reachable by it: a NetworkPolicy selecting
/// the pods admits its namespace on the port, and an ALLOW AuthorizationPolicy selecting them
/// admits its identity (except on `proxy_ports`).
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

/// Where an environment's release lives in the repository Argo CD syncs from, so synth can
/// check that Applications and app directories match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReleaseLayout {
    /// The repository URL Applications name.
    pub repository: String,
    /// The directory of this environment's release in it, e.g. `release/prd`.
    pub path_prefix: String,
    /// App directories applied by hand rather than by an Application (`bootstrap`).
    pub applied_by_hand: Vec<String>,
}
