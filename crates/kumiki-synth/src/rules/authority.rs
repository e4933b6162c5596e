//! Authority: what a service crate writes is what the platform granted it. Every object of an
//! app a service crate built (`Owner::Service`) is held to the platform's
//! [`Authority`](crate::Authority): its kind and namespace, and the rights the object implies
//! in the cluster (the pods it places on reserved nodes, the token it asks for, what its
//! monitors make the scraper do, the mesh hosts it claims and exports, the workloads its
//! policies govern). Beyond what every service may do, only a [`Grant`](crate::Grant) to that
//! service allows more; each refusal names the grant that would.
//!
//! The platform's own apps are not held to it: the platform is the authority.

use std::collections::BTreeMap;

use k8s_openapi::api::networking::v1::{NetworkPolicy, NetworkPolicyPeer};
use kumiki_core::NODE_GROUP_LABEL;

use super::index::{Index, PodTemplate, Rendered};
use super::views::{
    DestinationRuleSpec, ISTIO_NETWORKING, ISTIO_SECURITY, MonitorEndpoint, PROMETHEUS_OPERATOR, PodMonitorSpec,
    ServiceMonitorSpec, VirtualServiceSpec,
};
use super::{
    AUTHORITY_EXPORT, AUTHORITY_GRANT, AUTHORITY_KIND, AUTHORITY_MESH_HOST, AUTHORITY_MONITOR, AUTHORITY_NAMESPACE,
    AUTHORITY_NODE_GROUP, AUTHORITY_POLICY, AUTHORITY_TOKEN, Origin, Problems, Rule,
};
use crate::authority::{Authority, Right};
use crate::facts::Owner;

/// Labels that say which target a sample comes from: a service's monitor may not write them,
/// or its samples could arrive as another's.
const IDENTITY_LABELS: [&str; 8] = [
    "job",
    "namespace",
    "service",
    "pod",
    "instance",
    "endpoint",
    "container",
    "node",
];

/// Every authority problem of the environment.
pub(crate) fn check<'a>(index: &Index<'a>, problems: &mut Problems<'a>) {
    let authority = &index.facts().authority;
    for object in index.objects() {
        let Owner::Service(name) = object.origin().owner else {
            continue;
        };
        let service = Service { name, authority };
        let mut report = |rule: &'static Rule, message: String| {
            problems.report_as(rule, object.origin(), format!("{}: {message}", object.describe()));
        };
        kind_and_namespace(&service, object, &mut report);
        token(index, object, &mut report);
        monitor(index, object, &mut report);
        mesh_hosts(index, &service, object, &mut report);
        policy(index, object, &mut report);
    }
    for pod in index.pods() {
        if let Owner::Service(name) = pod.object.origin().owner {
            let service = Service { name, authority };
            node_groups(index, &service, pod, &mut |rule, message| {
                problems.report_as(rule, pod.object.origin(), format!("{}: {message}", pod.describe()));
            });
        }
    }
    unknown_grantees(index, problems);
}

/// Where a problem of one object goes: its rule and message.
type Report<'r> = dyn FnMut(&'static Rule, String) + 'r;

/// One service crate and the platform's authority over it.
struct Service<'f> {
    name: &'f str,
    authority: &'f Authority,
}

/// A right an object needs, as the release writes it.
enum Wanted<'a> {
    Kind(&'a str, &'a str),
    Namespace(&'a str),
    NodeGroup(&'a str),
    Host(&'a str),
}

impl Wanted<'_> {
    fn granted_by(&self, right: &Right) -> bool {
        match (self, right) {
            (Wanted::Kind(group, kind), Right::Kind(granted)) => granted.is(group, kind),
            (Wanted::Namespace(namespace), Right::Namespace(granted)) => granted.as_str() == *namespace,
            (Wanted::NodeGroup(group), Right::NodeGroup(granted)) => granted.as_str() == *group,
            (Wanted::Host(host), Right::Host(granted)) => granted == host,
            _ => false,
        }
    }

    /// The grant, as the platform would write it.
    fn code(&self, service: &str) -> String {
        let right = match self {
            Wanted::Kind(group, kind) => format!("Right::Kind(Kind::new({group:?}, {kind:?}))"),
            Wanted::Namespace(namespace) => format!("Right::Namespace(name!({namespace:?}))"),
            Wanted::NodeGroup(group) => format!("Right::NodeGroup(label_value!({group:?}))"),
            Wanted::Host(host) => format!("Right::Host({host:?}.into())"),
        };
        format!("Grant::new({service:?}, {right}, \"<why>\")")
    }
}

impl Service<'_> {
    fn holds(&self, wanted: &Wanted) -> bool {
        (self.authority.grants_to(self.name)).any(|grant| wanted.granted_by(&grant.right))
    }

    /// Reports `message` under `rule` unless the service holds `wanted`, naming the grant.
    fn unless_granted(&self, wanted: &Wanted, rule: &'static Rule, message: String, report: &mut Report) {
        if !self.holds(wanted) {
            report(
                rule,
                format!(
                    "{message}; service crate {} holds no grant for it (if it must, the platform grants it in \
                     its Authority: `{}`)",
                    self.name,
                    wanted.code(self.name)
                ),
            );
        }
    }
}

/// Only the kinds and namespaces every service may write, and bindings to no ClusterRole.
fn kind_and_namespace(service: &Service, object: &Rendered, report: &mut Report) {
    let (group, kind) = (object.group(), object.kind());
    if service.authority.kinds.is_empty()
        && service.authority.namespaces.is_empty()
        && service.authority.grants.is_empty()
    {
        report(
            &AUTHORITY_KIND,
            "the platform declares no authority for service crates (`PlatformFacts::authority`), so they may write \
             nothing: declare what they may write (the service team's `Boundary::authority()`)"
                .to_owned(),
        );
        return;
    }
    if !service.authority.kinds.iter().any(|allowed| allowed.is(group, kind)) {
        let message = format!("the platform lets no service crate write a {kind}");
        service.unless_granted(&Wanted::Kind(group, kind), &AUTHORITY_KIND, message, report);
    }
    if object.is("rbac.authorization.k8s.io", "RoleBinding")
        && object.json().at(&["roleRef", "kind"]).and_then(|kind| kind.as_str()) == Some("ClusterRole")
    {
        let message = "binds a ClusterRole, whose rights the platform defines".to_owned();
        let wanted = Wanted::Kind("rbac.authorization.k8s.io", "ClusterRole");
        service.unless_granted(&wanted, &AUTHORITY_KIND, message, report);
    }
    if let Some(namespace) = object.namespace()
        && !service
            .authority
            .namespaces
            .iter()
            .any(|allowed| allowed.as_str() == namespace)
    {
        let message = format!("is in namespace {namespace}, which the platform does not give service crates");
        service.unless_granted(&Wanted::Namespace(namespace), &AUTHORITY_NAMESPACE, message, report);
    }
}

/// A token Secret asks the cluster for the token of a ServiceAccount: only its own app's.
fn token(index: &Index, object: &Rendered, report: &mut Report) {
    if !object.is("", "Secret")
        || object.json().get("type").and_then(|kind| kind.as_str()) != Some("kubernetes.io/service-account-token")
    {
        return;
    }
    let account = (object.json())
        .at(&["metadata", "annotations", "kubernetes.io/service-account.name"])
        .and_then(|account| account.as_str())
        .unwrap_or_default();
    let own = (index.of_kind("", "ServiceAccount")).any(|candidate| {
        candidate.name() == account
            && candidate.namespace() == object.namespace()
            && candidate.origin().app == object.origin().app
    });
    if !own {
        report(
            &AUTHORITY_TOKEN,
            format!(
                "asks the cluster for the token of ServiceAccount \"{account}\", which its app does not declare: a \
                 service holds only its own ServiceAccounts' tokens"
            ),
        );
    }
}

/// Pods of a service stay off the node groups the platform reserves for itself.
fn node_groups(index: &Index, service: &Service, pod: &PodTemplate, report: &mut Report) {
    let reserved = &service.authority.reserved_node_groups;
    let spec = &pod.spec;
    let pinned = (spec.node_selector.iter().flatten())
        .filter(|(key, _)| *key == NODE_GROUP_LABEL)
        .map(|(_, value)| value.as_str());
    let required = (spec.affinity.as_ref())
        .and_then(|affinity| affinity.node_affinity.as_ref())
        .and_then(|node| node.required_during_scheduling_ignored_during_execution.as_ref());
    let affinity = (required.into_iter())
        .flat_map(|selector| &selector.node_selector_terms)
        .flat_map(|term| term.match_expressions.iter().flatten())
        .filter(|expression| expression.key == NODE_GROUP_LABEL && expression.operator == "In")
        .flat_map(|expression| expression.values.iter().flatten().map(String::as_str));
    let tolerated = (index.facts().node_groups.iter()).filter(|group| {
        group.taint.as_ref().is_some_and(|taint| {
            (spec.tolerations.iter().flatten()).any(|toleration| {
                toleration.key.as_deref() == Some(taint.key.as_str())
                    && (toleration.operator.as_deref() == Some("Exists")
                        || toleration.value.as_deref() == Some(taint.value.as_str()))
            })
        })
    });
    let mut placed: Vec<&str> = pinned.chain(affinity).collect();
    placed.extend(tolerated.map(|group| group.name.as_str()));
    placed.sort_unstable();
    placed.dedup();
    for group in placed
        .into_iter()
        .filter(|group| reserved.iter().any(|reserved| reserved.as_str() == *group))
    {
        let message = format!("is placed on node group {group}, which the platform reserves for its own components");
        service.unless_granted(&Wanted::NodeGroup(group), &AUTHORITY_NODE_GROUP, message, report);
    }
}

/// A service's monitor scrapes its own pods in its own namespace, as the platform's scraper
/// is: no credentials of its choosing, no labels that say which target a sample comes from.
fn monitor(index: &Index, object: &Rendered, report: &mut Report) {
    let own = object.namespace_or_empty();
    let (namespaces, endpoints, job_label, target_labels, scraped) = if object.is(PROMETHEUS_OPERATOR, "PodMonitor") {
        let Ok(monitor) = object.spec_view::<PodMonitorSpec>() else {
            return;
        };
        let scraped: Vec<&str> = (index.pods().iter())
            .filter(|pod| {
                monitor.namespace_selector.includes(own, pod.namespace())
                    && monitor.selector.selects(&pod.labels) != Some(false)
            })
            .map(|pod| pod.object.origin().app)
            .collect();
        let endpoints: Vec<MonitorEndpoint> = monitor.pod_metrics_endpoints.into_iter().map(Into::into).collect();
        (
            monitor.namespace_selector,
            endpoints,
            monitor.job_label,
            monitor.pod_target_labels,
            scraped,
        )
    } else if object.is(PROMETHEUS_OPERATOR, "ServiceMonitor") {
        let Ok(monitor) = object.spec_view::<ServiceMonitorSpec>() else {
            return;
        };
        let scraped: Vec<&str> = (index.services.iter())
            .filter(|service| {
                let labels = service.value.metadata.labels.clone().unwrap_or_default();
                monitor
                    .namespace_selector
                    .includes(own, service.object.namespace_or_empty())
                    && monitor.selector.selects(&labels) != Some(false)
            })
            .map(|service| service.object.origin().app)
            .collect();
        let endpoints: Vec<MonitorEndpoint> = monitor.endpoints.into_iter().map(Into::into).collect();
        let mut labels = monitor.target_labels;
        labels.extend(monitor.pod_target_labels);
        (
            monitor.namespace_selector,
            endpoints,
            monitor.job_label,
            labels,
            scraped,
        )
    } else {
        return;
    };
    if namespaces.any || namespaces.match_names.iter().any(|name| name != own) {
        report(
            &AUTHORITY_MONITOR,
            format!("looks for targets beyond its namespace {own}: a service's monitor scrapes only its own pods"),
        );
    }
    let app = object.origin().app;
    let mut others: Vec<&str> = scraped.into_iter().filter(|owner| *owner != app).collect();
    others.sort_unstable();
    others.dedup();
    for owner in others {
        report(
            &AUTHORITY_MONITOR,
            format!("scrapes the pods of app {owner}: a service's monitor scrapes only its own pods"),
        );
    }
    if job_label.is_some() {
        report(
            &AUTHORITY_MONITOR,
            "sets `jobLabel`, so its samples would carry a job named by a label: leave the job to the scraper"
                .to_owned(),
        );
    }
    for label in target_labels
        .iter()
        .filter(|label| IDENTITY_LABELS.contains(&label.as_str()))
    {
        report(
            &AUTHORITY_MONITOR,
            format!("copies label `{label}` onto its samples, which says which target they come from"),
        );
    }
    let certificates = index
        .facts()
        .scraper
        .as_ref()
        .and_then(|scraper| scraper.mesh_certificates.as_deref());
    for (position, endpoint) in endpoints.iter().enumerate() {
        for problem in endpoint.problems(certificates, &IDENTITY_LABELS) {
            report(&AUTHORITY_MONITOR, format!("endpoint {}: {problem}", position + 1));
        }
    }
}

/// A service claims, in the mesh, only its own hosts, and shows its mesh configuration only
/// to its namespace, the namespaces its declared callers run in and the namespaces the
/// platform lets services export to.
fn mesh_hosts(index: &Index, service: &Service, object: &Rendered, report: &mut Report) {
    let (hosts, export_to, gateways) = if object.is(ISTIO_NETWORKING, "VirtualService") {
        let Ok(route) = object.spec_view::<VirtualServiceSpec>() else {
            return;
        };
        (route.hosts, route.export_to, route.gateways)
    } else if object.is(ISTIO_NETWORKING, "DestinationRule") {
        let Ok(rule) = object.spec_view::<DestinationRuleSpec>() else {
            return;
        };
        (vec![rule.host], rule.export_to, Vec::new())
    } else {
        return;
    };
    let own = object.namespace_or_empty();
    if export_to.is_empty() {
        report(
            &AUTHORITY_EXPORT,
            "sets no `exportTo`, so the mesh shows it to every namespace: export it to \".\"".to_owned(),
        );
    }
    // A declared call needs the callee's routes visible where the caller runs.
    let app = object.origin().app;
    let callers_namespace = |namespace: &str| {
        (index.calls.iter()).any(|(origin, call)| {
            origin.app == app && call.service_namespace.as_str() == own && call.caller_namespace.as_str() == namespace
        })
    };
    let exportable = |namespace: &str| {
        namespace == "."
            || namespace == own
            || callers_namespace(namespace)
            || service
                .authority
                .export_to
                .iter()
                .any(|allowed| allowed.as_str() == namespace)
    };
    for namespace in export_to.iter().filter(|namespace| !exportable(namespace)) {
        report(
            &AUTHORITY_EXPORT,
            format!(
                "is exported to \"{namespace}\", beyond its namespace, its declared callers' and those the platform lets \
                 services export to"
            ),
        );
    }
    // A route bound only to Gateways of its own app answers on that Gateway's own port alone.
    let own_gateways_only = !gateways.is_empty()
        && gateways.iter().all(|gateway| {
            let (namespace, name) = gateway.split_once('/').unwrap_or((own, gateway.as_str()));
            (index.of_kind(ISTIO_NETWORKING, "Gateway")).any(|candidate| {
                candidate.namespace() == Some(namespace) && candidate.name() == name && candidate.origin().app == app
            })
        });
    for host in &hosts {
        let message = if host.contains('*') {
            if own_gateways_only {
                continue;
            }
            format!("claims the wildcard host \"{host}\", which covers other services' hosts")
        } else if is_known_host(index, host, own) {
            continue;
        } else {
            format!("claims host \"{host}\", which is no Service of the release and no host the platform registers")
        };
        service.unless_granted(&Wanted::Host(host), &AUTHORITY_MESH_HOST, message, report);
    }
}

/// A host that names a Service of the release (whoever owns it: `mesh.ownership` says whose it
/// is), a provided service, or a host the platform registers.
fn is_known_host(index: &Index, host: &str, namespace: &str) -> bool {
    let parts: Vec<&str> = host.split('.').collect();
    let service = match parts.as_slice() {
        [name] => Some((namespace, *name)),
        [name, ns] | [name, ns, "svc"] | [name, ns, "svc", "cluster", "local"] => Some((*ns, *name)),
        _ => None,
    };
    let facts = index.facts();
    service.is_some_and(|(namespace, name)| {
        index.service(namespace, name).is_some()
            || (facts.provided_services.iter())
                .any(|provided| provided.namespace.as_str() == namespace && provided.name.as_str() == name)
    }) || facts.registered_hosts.iter().any(|registered| registered == host)
}

/// A service's policies govern its own workloads and admit only sources they name.
fn policy(index: &Index, object: &Rendered, report: &mut Report) {
    let app = object.origin().app;
    let namespace = object.namespace_or_empty();
    let selector: Option<BTreeMap<String, String>> = if object.is("networking.k8s.io", "NetworkPolicy") {
        let Ok(policy) = object.decode::<NetworkPolicy>() else {
            return;
        };
        network_policy_sources(&policy, report);
        let selector = policy.spec.and_then(|spec| spec.pod_selector).unwrap_or_default();
        Some(selector.match_labels.unwrap_or_default())
            .filter(|_| selector.match_expressions.is_none_or(|e| e.is_empty()))
    } else if object.is(ISTIO_SECURITY, "AuthorizationPolicy") || object.is(ISTIO_NETWORKING, "Sidecar") {
        let field = if object.kind() == "Sidecar" {
            "workloadSelector"
        } else {
            "selector"
        };
        let labels = object.json().at(&["spec", field, "matchLabels"]);
        Some(
            (labels.and_then(|labels| labels.as_object()).into_iter().flatten())
                .filter_map(|(key, value)| Some((key.to_owned(), value.as_str()?.to_owned())))
                .collect(),
        )
    } else {
        return;
    };
    let Some(selector) = selector else { return };
    // An ALLOW AuthorizationPolicy without a selector is `mesh.allow`'s.
    let allows = object.is(ISTIO_SECURITY, "AuthorizationPolicy")
        && object
            .json()
            .at(&["spec", "action"])
            .and_then(|action| action.as_str())
            .is_none_or(|action| action == "ALLOW");
    if selector.is_empty() && !allows {
        report(
            &AUTHORITY_POLICY,
            format!(
                "selects no workload, so it governs every workload of namespace {namespace}: select the app's own pods"
            ),
        );
        return;
    }
    let mut others: Vec<&str> = (index.pods_matched_by(namespace, &selector).iter())
        .map(|pod| pod.object.origin().app)
        .filter(|owner| *owner != app)
        .collect();
    others.sort_unstable();
    others.dedup();
    // An AuthorizationPolicy selecting another app's pods is `mesh.ownership`'s.
    if !object.is(ISTIO_SECURITY, "AuthorizationPolicy") {
        for owner in others {
            report(
                &AUTHORITY_POLICY,
                format!("governs pods of app {owner}: a service's policies govern its own workloads"),
            );
        }
    }
}

/// Every ingress rule of a service's NetworkPolicy names its sources: no rule open to every
/// source, every namespace or every address.
fn network_policy_sources(policy: &NetworkPolicy, report: &mut Report) {
    let rules = (policy.spec.as_ref()).and_then(|spec| spec.ingress.as_ref());
    for (position, rule) in rules.into_iter().flatten().enumerate() {
        let sources = rule.from.as_deref().unwrap_or_default();
        let open = if sources.is_empty() {
            Some("names no source, so it admits every source")
        } else if sources.iter().any(admits_every_namespace) {
            Some("admits every pod of every namespace")
        } else if sources.iter().any(admits_every_address) {
            Some("admits every address")
        } else {
            None
        };
        if let Some(open) = open {
            report(
                &AUTHORITY_POLICY,
                format!("ingress rule {} {open}: name the callers", position + 1),
            );
        }
    }
}

fn admits_every_namespace(peer: &NetworkPolicyPeer) -> bool {
    let empty = |selector: &Option<k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector>| {
        selector.as_ref().is_some_and(|selector| {
            selector.match_labels.as_ref().is_none_or(BTreeMap::is_empty)
                && selector.match_expressions.as_ref().is_none_or(Vec::is_empty)
        })
    };
    empty(&peer.namespace_selector) && (peer.pod_selector.is_none() || empty(&peer.pod_selector))
}

fn admits_every_address(peer: &NetworkPolicyPeer) -> bool {
    (peer.ip_block.as_ref()).is_some_and(|block| matches!(block.cidr.as_str(), "0.0.0.0/0" | "::/0"))
}

/// A grant to a service crate the model does not have grants nothing: it is reported at the
/// line that made it (a misspelt name would otherwise go unnoticed).
fn unknown_grantees<'a>(index: &Index<'a>, problems: &mut Problems<'a>) {
    for grant in &index.facts().authority.grants {
        let known = (index.apps().iter()).any(|app| app.owner == Owner::Service(grant.service));
        if !known {
            problems.report_as(
                &AUTHORITY_GRANT,
                Origin {
                    app: grant.service,
                    owner: Owner::Platform,
                    location: grant.declared_at,
                },
                format!(
                    "the platform grants {} to service crate {}, but no app of the model comes from a service crate of that name",
                    grant.right, grant.service
                ),
            );
        }
    }
}
