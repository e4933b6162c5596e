//! Rules across the Istio objects of one environment: every route lands on a Service port (or
//! a ServiceEntry) that exists, every gateway binding names a Gateway that listens on the
//! port, listeners do not collide and are open on the gateway proxy, subsets select pods,
//! weights add up, authorization policies name identities that exist, and only the app that
//! owns a Service routes or authorizes it.
//!
//! Services rendered outside kumiki (the gateway proxies of Istio's charts) take part as the
//! platform's [`ProvidedService`]s.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use k8s_openapi::api::core::v1::Service;

use super::index::{Index, Of};
use super::views::{
    AuthorizationPolicySpec, DestinationRuleSpec, GatewayServer, GatewaySpec, ISTIO_NETWORKING, ServiceEntrySpec,
    Subset, VirtualServiceSpec, WeightedDestination,
};
use super::{
    MESH_ALLOW, MESH_GATEWAY_BINDING, MESH_GATEWAY_PROXY, MESH_LISTENER_CONFLICT, MESH_OWNERSHIP, MESH_PRINCIPAL,
    MESH_ROUTE_TARGET, MESH_ROUTE_WEIGHTS, MESH_SERVICE_ENTRY, MESH_SUBSET, OBJECT_SHAPE, Problems, Rule,
};
use crate::facts::{Owner, ProvidedService};

/// The Istio objects of the release, decoded once.
struct Decoded<'a> {
    entries: Vec<Of<'a, ServiceEntrySpec>>,
    gateways: Vec<Of<'a, GatewaySpec>>,
    rules: Vec<Of<'a, DestinationRuleSpec>>,
    routes: Vec<Of<'a, VirtualServiceSpec>>,
}

/// What the mesh rules look up, indexed.
struct Mesh<'i, 'a> {
    index: &'i Index<'a>,
    decoded: &'i Decoded<'a>,
    provided: HashMap<(&'i str, &'i str), &'i ProvidedService>,
    entries_by_host: HashMap<&'i str, &'i ServiceEntrySpec>,
    gateways_by_name: HashMap<(&'a str, &'a str), &'i GatewaySpec>,
    /// Subsets by the (namespace, name) of the Service their DestinationRule's host names.
    subsets: HashMap<(String, String), Vec<&'i Subset>>,
    service_accounts: HashSet<(&'a str, &'a str)>,
}

/// What a route's host names.
enum Target<'i, 'a> {
    Service(&'i Of<'a, Service>),
    Provided(&'i ProvidedService),
    Entry(&'i ServiceEntrySpec),
}

/// Every mesh problem of an environment's objects.
pub(crate) fn check<'a>(index: &Index<'a>, problems: &mut Problems<'a>) {
    let decoded = Decoded {
        entries: decode(index, "ServiceEntry", problems),
        gateways: decode(index, "Gateway", problems),
        rules: decode(index, "DestinationRule", problems),
        routes: decode(index, "VirtualService", problems),
    };
    let mesh = Mesh::new(index, &decoded);
    for policy in &index.authorization_policies {
        for message in principal_problems(&mesh, &policy.value) {
            let describe = policy.object.describe();
            problems.report_as(
                &MESH_PRINCIPAL,
                policy.object.origin(),
                format!("{describe}: {message}"),
            );
        }
    }
    for route in &decoded.routes {
        for (rule, message) in virtual_service_problems(&mesh, route) {
            problems.report_as(
                rule,
                route.object.origin(),
                format!("{}: {message}", route.object.describe()),
            );
        }
    }
    listener_conflicts(&decoded.gateways, problems);
    unopened_listeners(&mesh, problems);
    ownership(&mesh, problems);
}

/// The objects of `kind` in Istio's networking group, as views.
fn decode<'a, T: serde::de::DeserializeOwned + Default>(
    index: &Index<'a>,
    kind: &str,
    problems: &mut Problems<'a>,
) -> Vec<Of<'a, T>> {
    let mut decoded = Vec::new();
    for object in index.of_kind(ISTIO_NETWORKING, kind) {
        match object.spec_view::<T>() {
            Ok(value) => decoded.push(Of { object, value }),
            Err(error) => problems.report_as(&OBJECT_SHAPE, object.origin(), error),
        }
    }
    decoded
}

impl<'i, 'a> Mesh<'i, 'a> {
    fn new(index: &'i Index<'a>, decoded: &'i Decoded<'a>) -> Mesh<'i, 'a> {
        let mut subsets: HashMap<(String, String), Vec<&Subset>> = HashMap::new();
        for rule in &decoded.rules {
            if let Some(service) = service_name(&rule.value.host, rule.object.namespace_or_empty()) {
                subsets.entry(service).or_default().extend(&rule.value.subsets);
            }
        }
        let mut entries_by_host = HashMap::new();
        for entry in &decoded.entries {
            for host in &entry.value.hosts {
                entries_by_host.entry(host.as_str()).or_insert(&entry.value);
            }
        }
        Mesh {
            index,
            decoded,
            provided: (index.facts().provided_services.iter())
                .map(|provided| ((provided.namespace.as_str(), provided.name.as_str()), provided))
                .collect(),
            entries_by_host,
            gateways_by_name: (decoded.gateways.iter())
                .map(|gateway| {
                    (
                        (gateway.object.namespace_or_empty(), gateway.object.name()),
                        &gateway.value,
                    )
                })
                .collect(),
            subsets,
            service_accounts: (index.of_kind("", "ServiceAccount"))
                .map(|account| (account.namespace_or_empty(), account.name()))
                .collect(),
        }
    }

    fn target(&self, host: &str, namespace: &str) -> Option<Target<'i, 'a>> {
        if let Some((ns, name)) = service_name(host, namespace) {
            if let Some(service) = self.index.service(&ns, &name) {
                return Some(Target::Service(service));
            }
            if let Some(provided) = self.provided.get(&(ns.as_str(), name.as_str())) {
                return Some(Target::Provided(provided));
            }
        }
        self.entries_by_host.get(host).map(|entry| Target::Entry(entry))
    }

    /// The Gateway a VirtualService in `namespace` binds with `reference` (`ns/name` or `name`).
    fn gateway(&self, reference: &str, namespace: &str) -> Option<&'i GatewaySpec> {
        let (ns, name) = reference.split_once('/').unwrap_or((namespace, reference));
        self.gateways_by_name.get(&(ns, name)).copied()
    }
}

/// The (namespace, name) a Kubernetes host means from `namespace`: `name`, `name.ns`,
/// `name.ns.svc` or `name.ns.svc.cluster.local`.
fn service_name(host: &str, namespace: &str) -> Option<(String, String)> {
    let parts: Vec<&str> = host.split('.').collect();
    match parts.as_slice() {
        [name] => Some((namespace.to_owned(), (*name).to_owned())),
        [name, ns] | [name, ns, "svc"] | [name, ns, "svc", "cluster", "local"] => {
            Some(((*ns).to_owned(), (*name).to_owned()))
        }
        _ => None,
    }
}

/// Every principal an ALLOW or DENY rule names must be the identity of a ServiceAccount in
/// the release, of a provided service or of the metrics scraper: a misspelt caller would
/// silently match nobody.
fn principal_problems(mesh: &Mesh, policy: &AuthorizationPolicySpec) -> Vec<String> {
    let facts = mesh.index.facts();
    let principals = (policy.rules.iter())
        .flat_map(|rule| &rule.from)
        .flat_map(|from| &from.source.principals);
    let mut problems = Vec::new();
    for principal in principals {
        let identity = principal
            .strip_prefix("cluster.local/ns/")
            .and_then(|rest| rest.split_once("/sa/"));
        let Some((namespace, account)) = identity else {
            problems.push(format!(
                "principal \"{principal}\" is not of the form cluster.local/ns/<namespace>/sa/<service account>"
            ));
            continue;
        };
        let known = mesh.service_accounts.contains(&(namespace, account))
            || (facts.provided_services.iter())
                .any(|p| p.namespace.as_str() == namespace && p.service_account.as_str() == account)
            || (facts.scraper.iter())
                .any(|s| s.namespace.as_str() == namespace && s.service_account.as_str() == account);
        if !known {
            problems.push(format!(
                "allows principal \"{principal}\", but no ServiceAccount {namespace}/{account} exists"
            ));
        }
    }
    problems
}

/// A Gateway's servers are listeners of the gateway proxy its selector picks; where that
/// proxy is a provided service, its Service must expose each server port, or no request
/// reaches the listener. A selector matching no known proxy is an error too.
fn unopened_listeners<'a>(mesh: &Mesh<'_, 'a>, problems: &mut Problems<'a>) {
    for gateway in &mesh.decoded.gateways {
        let origin = gateway.object.origin();
        let selector = &gateway.value.selector;
        let describe = gateway.object.describe();
        let matches = |labels: &BTreeMap<String, String>| selector.iter().all(|(k, v)| labels.get(k) == Some(v));
        let proxies: Vec<&ProvidedService> = (mesh.index.facts().provided_services.iter())
            .filter(|p| matches(&p.pod_labels))
            .collect();
        let in_release = !selector.is_empty() && !mesh.index.pods_with_labels(selector).is_empty();
        if proxies.is_empty() && !in_release {
            problems.report_as(
                &MESH_GATEWAY_PROXY,
                origin,
                format!("{describe}: selector {selector:?} matches no gateway proxy"),
            );
        }
        for proxy in proxies {
            for server in &gateway.value.servers {
                if !proxy.ports.iter().any(|p| i64::from(p.get()) == server.port.number) {
                    problems.report_as(
                        &MESH_GATEWAY_PROXY,
                        origin,
                        format!(
                            "{describe}: listens on port {}, which the Service {}/{} ({}) does not expose",
                            server.port.number, proxy.namespace, proxy.name, proxy.provider
                        ),
                    );
                }
            }
        }
    }
}

fn virtual_service_problems(mesh: &Mesh, route: &Of<VirtualServiceSpec>) -> Vec<(&'static Rule, String)> {
    let spec = &route.value;
    let namespace = route.object.namespace_or_empty();
    let mut problems = Vec::new();
    let bound: Vec<&String> = spec.gateways.iter().filter(|g| *g != "mesh").collect();
    for reference in &bound {
        if mesh.gateway(reference, namespace).is_none() {
            problems.push((&MESH_GATEWAY_BINDING, format!("gateway \"{reference}\" does not exist")));
        }
    }
    let exported_beyond = spec.export_to.is_empty() || spec.export_to.iter().any(|ns| ns != ".");
    if let Some(first) = bound.first().filter(|_| !exported_beyond) {
        problems.push((
            &MESH_GATEWAY_BINDING,
            format!(
                "is bound to gateway \"{first}\" but exported only to its own namespace, where no gateway proxy runs"
            ),
        ));
    }
    for http in spec.http.iter().chain(&spec.tcp) {
        for (port, gateways) in http
            .matches
            .iter()
            .filter_map(|m| Some((m.port?, m.gateways.as_slice())))
        {
            let gateways = if gateways.is_empty() { &spec.gateways } else { gateways };
            for reference in gateways.iter().filter(|g| *g != "mesh") {
                let Some(gateway) = mesh.gateway(reference, namespace) else {
                    continue;
                };
                if !gateway.servers.iter().any(|s| s.port.number == port) {
                    problems.push((
                        &MESH_GATEWAY_BINDING,
                        format!("matches port {port} on gateway \"{reference}\", which does not listen on it"),
                    ));
                }
            }
        }
        if http.route.len() > 1 {
            let total: i64 = http.route.iter().map(|r| r.weight.unwrap_or(0)).sum();
            if total != 100 {
                problems.push((&MESH_ROUTE_WEIGHTS, format!("route weights add up to {total}, not 100")));
            }
        }
        for weighted in &http.route {
            problems.extend(destination_problems(mesh, weighted, namespace));
        }
    }
    problems
}

fn destination_problems(mesh: &Mesh, weighted: &WeightedDestination, namespace: &str) -> Vec<(&'static Rule, String)> {
    let destination = &weighted.destination;
    let host = destination.host.as_str();
    let port = destination.port.as_ref().and_then(|port| port.number);
    let mut problems = Vec::new();
    match mesh.target(host, namespace) {
        None => problems.push((
            &MESH_ROUTE_TARGET,
            format!("routes to host \"{host}\", which is neither a Service nor a ServiceEntry host"),
        )),
        Some(Target::Service(service)) => {
            let spec = service.value.spec.as_ref();
            let ports: Vec<i64> = (spec.and_then(|s| s.ports.as_ref()).into_iter().flatten())
                .map(|p| i64::from(p.port))
                .collect();
            if let Some(port) = port.filter(|p| !ports.contains(p)) {
                problems.push((
                    &MESH_ROUTE_TARGET,
                    format!("routes to port {port} of Service \"{host}\", which exposes {ports:?}"),
                ));
            }
            if let Some(subset) = destination.subset.as_deref() {
                problems.extend(subset_problem(mesh, service, host, subset).map(|message| (&MESH_SUBSET, message)));
            }
        }
        Some(Target::Provided(provided)) => {
            if let Some(port) = port.filter(|p| !provided.ports.iter().any(|own| i64::from(own.get()) == *p)) {
                problems.push((
                    &MESH_ROUTE_TARGET,
                    format!(
                        "routes to port {port} of {host} ({}), which exposes {:?}",
                        provided.provider,
                        provided.ports.iter().map(|p| p.get()).collect::<Vec<_>>()
                    ),
                ));
            }
        }
        Some(Target::Entry(entry)) => {
            if let Some(port) = port.filter(|p| !entry.ports.iter().any(|e| e.number == Some(*p))) {
                problems.push((
                    &MESH_ROUTE_TARGET,
                    format!("routes to port {port} of ServiceEntry host \"{host}\", which does not declare it"),
                ));
            }
        }
    }
    problems
}

/// A subset must be declared by a DestinationRule for the Service, and select pods the
/// Service routes to.
fn subset_problem(mesh: &Mesh, service: &Of<Service>, host: &str, subset: &str) -> Option<String> {
    let key = (
        service.object.namespace_or_empty().to_owned(),
        service.object.name().to_owned(),
    );
    let declared = mesh.subsets.get(&key).into_iter().flatten().find(|s| s.name == subset);
    let Some(declared) = declared else {
        return Some(format!(
            "routes to subset \"{subset}\" of \"{host}\", which no DestinationRule declares"
        ));
    };
    let selector = (service.value.spec.as_ref())
        .and_then(|s| s.selector.clone())
        .unwrap_or_default();
    let labels = &declared.labels;
    let selects_pods = (mesh
        .index
        .pods_matched_by(service.object.namespace_or_empty(), &selector)
        .iter())
    .any(|pod| labels.iter().all(|(k, v)| pod.labels.get(k) == Some(v)));
    (!selects_pods).then(|| {
        format!("routes to subset \"{subset}\" of \"{host}\", whose labels {labels:?} match no pod behind the Service")
    })
}

/// A listener some Gateway already claimed.
struct Claimed<'g> {
    server: &'g GatewayServer,
    gateway: String,
}

/// Two Gateways on the same gateway proxy must not claim one port for overlapping hosts,
/// nor one port name for two ports.
fn listener_conflicts<'a>(gateways: &[Of<'a, GatewaySpec>], problems: &mut Problems<'a>) {
    // Claimed listeners by the proxy selector they are on and their port, and by port name.
    type Claims<'g, K> = HashMap<(&'g BTreeMap<String, String>, K), Vec<Claimed<'g>>>;
    let mut by_port: Claims<i64> = HashMap::new();
    let mut by_name: Claims<&str> = HashMap::new();
    for gateway in gateways {
        let describe = gateway.object.describe();
        let proxy = &gateway.value.selector;
        for server in &gateway.value.servers {
            let port = server.port.number;
            let any_host = |hosts: &[String]| hosts.iter().any(|h| h == "*");
            let same_port = by_port.get(&(proxy, port)).into_iter().flatten().filter(|other| {
                any_host(&server.hosts)
                    || any_host(&other.server.hosts)
                    || server.hosts.iter().any(|h| other.server.hosts.contains(h))
            });
            let mut messages: Vec<String> = same_port
                .map(|other| {
                    format!(
                        "{describe}: port {port} is already a listener of {} on the same gateway proxy",
                        other.gateway
                    )
                })
                .collect();
            let same_name = by_name.get(&(proxy, server.port.name.as_str())).into_iter().flatten();
            messages.extend(same_name.filter(|other| other.server.port.number != port).map(|other| {
                format!(
                    "{describe}: port name \"{}\" is already used for port {} by {}",
                    server.port.name, other.server.port.number, other.gateway
                )
            }));
            for message in messages {
                problems.report_as(&MESH_LISTENER_CONFLICT, gateway.object.origin(), message);
            }
        }
        for server in &gateway.value.servers {
            let claim = || Claimed {
                server,
                gateway: describe.clone(),
            };
            by_port.entry((proxy, server.port.number)).or_default().push(claim());
            by_name
                .entry((proxy, server.port.name.as_str()))
                .or_default()
                .push(claim());
        }
    }
}

/// Only the app that owns a Service routes its host or authorizes calls to its pods, an ALLOW
/// policy selects pods and names who it allows, and a service's ServiceEntry registers only
/// hosts the platform declares, in its own namespace.
fn ownership<'a>(mesh: &Mesh<'_, 'a>, problems: &mut Problems<'a>) {
    let owners: HashMap<(&str, &str), &str> = (mesh.index.services.iter())
        .map(|service| {
            (
                (service.object.namespace_or_empty(), service.object.name()),
                service.object.origin().app,
            )
        })
        .collect();
    let routed_hosts = (mesh.decoded.routes.iter()).map(|route| (route.object, route.value.hosts.clone()));
    let rule_hosts = (mesh.decoded.rules.iter()).map(|rule| (rule.object, vec![rule.value.host.clone()]));
    for (object, hosts) in routed_hosts.chain(rule_hosts) {
        let app = object.origin().app;
        for host in hosts {
            let owner = service_name(&host, object.namespace_or_empty())
                .and_then(|(ns, name)| owners.get(&(ns.as_str(), name.as_str())).copied());
            if let Some(owner) = owner.filter(|owner| *owner != app) {
                problems.report_as(
                    &MESH_OWNERSHIP,
                    object.origin(),
                    format!(
                        "{} governs host \"{host}\", the Service of app {owner}: only the app that owns a Service routes it",
                        object.describe()
                    ),
                );
            }
        }
    }
    service_entries(mesh, problems);
    for policy in &mesh.index.authorization_policies {
        allow_problems(mesh, policy, problems);
    }
}

/// A service's ServiceEntry names only hosts the platform registers, exported to its own
/// namespace only.
fn service_entries<'a>(mesh: &Mesh<'_, 'a>, problems: &mut Problems<'a>) {
    let registered: BTreeSet<&str> = mesh.index.facts().registered_hosts.iter().map(String::as_str).collect();
    let of_services =
        (mesh.decoded.entries.iter()).filter(|entry| matches!(entry.object.origin().owner, Owner::Service(_)));
    for entry in of_services {
        let describe = entry.object.describe();
        for host in entry
            .value
            .hosts
            .iter()
            .filter(|host| !registered.contains(host.as_str()))
        {
            problems.report_as(
                &MESH_SERVICE_ENTRY,
                entry.object.origin(),
                format!(
                    "{describe} registers host \"{host}\", which the platform does not declare: calls out of the \
                     cluster go through the platform's egress"
                ),
            );
        }
        if entry.value.export_to != ["."] {
            problems.report_as(
                &MESH_SERVICE_ENTRY,
                entry.object.origin(),
                format!(
                    "{describe} is exported to {:?}: a service's ServiceEntry is exported only to its own namespace (\".\")",
                    entry.value.export_to
                ),
            );
        }
    }
}

/// An ALLOW policy selects its own app's pods and each rule names its sources.
fn allow_problems<'a>(mesh: &Mesh<'_, 'a>, policy: &Of<'a, AuthorizationPolicySpec>, problems: &mut Problems<'a>) {
    let object = policy.object;
    let describe = object.describe();
    let namespace = object.namespace_or_empty();
    let selector = (policy.value.selector.as_ref())
        .map(|selector| selector.match_labels.clone())
        .unwrap_or_default();
    if selector.is_empty() {
        if policy.value.allows() {
            problems.report_as(
                &MESH_ALLOW,
                object.origin(),
                format!("{describe}: an ALLOW policy without a selector opens every workload of {namespace}: select the app's own pods"),
            );
        }
    } else {
        let app = object.origin().app;
        let others: BTreeSet<&str> = (mesh.index.pods_matched_by(namespace, &selector).iter())
            .map(|pod| pod.object.origin().app)
            .filter(|owner| *owner != app)
            .collect();
        for owner in others {
            problems.report_as(
                &MESH_OWNERSHIP,
                object.origin(),
                format!(
                    "{describe}: selects pods of app {owner}: only the app that owns a workload authorizes calls to it"
                ),
            );
        }
    }
    if !policy.value.allows() {
        return;
    }
    for (position, rule) in policy.value.rules.iter().enumerate() {
        if rule.from.is_empty() || rule.from.iter().any(|from| from.source.is_empty()) {
            problems.report_as(
                &MESH_ALLOW,
                object.origin(),
                format!(
                    "{describe}: ALLOW rule {} names no source, so it allows any caller: name the principals",
                    position + 1
                ),
            );
        }
    }
}
