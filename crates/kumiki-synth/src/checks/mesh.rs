//! Checks across the Istio objects of one environment: every route lands on a Service port
//! (or a ServiceEntry) that exists, every gateway binding names a Gateway that listens on the
//! port, listeners do not collide and are open on the gateway proxy, subsets select pods,
//! weights add up, authorization policies name identities that exist.
//!
//! Services rendered outside kumiki (the gateway proxies of Istio's charts) take part as
//! [`ProvidedService`]s.

use std::collections::{BTreeMap, BTreeSet};

use super::index::Workload;
use super::views::{
    AuthorizationPolicySpec, DestinationRuleSpec, GatewayServer, GatewaySpec, ISTIO_NETWORKING, ISTIO_SECURITY,
    ServiceEntrySpec, VirtualServiceSpec, WeightedDestination, read,
};
use super::{Index, Origin, Problems};
use crate::provided::{MetricsScraper, ProvidedService};
use k8s_openapi::api::core::v1::{Service, ServiceAccount};

/// A custom resource a mesh check reads: where it came from, its namespace and name, its spec.
struct Read<'a, T> {
    origin: Origin<'a>,
    namespace: &'a str,
    name: &'a str,
    spec: T,
}

/// What the mesh checks read, by kind: borrowed from the index for `'m`, the objects
/// themselves for `'a`.
struct Model<'m, 'a> {
    services: Vec<(&'a str, &'a Service)>,
    provided: &'m [&'a ProvidedService],
    scrapers: &'m [&'a MetricsScraper],
    entries: Vec<Read<'a, ServiceEntrySpec>>,
    gateways: Vec<Read<'a, GatewaySpec>>,
    rules: Vec<Read<'a, DestinationRuleSpec>>,
    policies: Vec<Read<'a, AuthorizationPolicySpec>>,
    routes: Vec<Read<'a, VirtualServiceSpec>>,
    service_accounts: Vec<(&'a str, &'a str)>,
    workloads: &'m [Workload<'a>],
    /// Objects of these kinds whose spec has not the schema's shape.
    malformed: Vec<(Origin<'a>, String)>,
}

/// What a route's host names.
enum Target<'m, 'a> {
    Service(&'a Service),
    Provided(&'a ProvidedService),
    Entry(&'m ServiceEntrySpec),
}

impl<'m, 'a> Model<'m, 'a> {
    fn new(index: &'m Index<'a>) -> Model<'m, 'a> {
        let mut model = Model {
            services: Vec::new(),
            provided: &index.provided,
            scrapers: &index.scrapers,
            entries: Vec::new(),
            gateways: Vec::new(),
            rules: Vec::new(),
            policies: Vec::new(),
            routes: Vec::new(),
            service_accounts: Vec::new(),
            workloads: &index.workloads.all,
            malformed: Vec::new(),
        };
        for entry in &index.objects {
            let declared = entry.declared;
            let any = declared.object.as_any();
            let metadata = declared.object.metadata();
            let namespace = metadata.namespace.as_deref().unwrap_or_default();
            let name = metadata.name.as_deref().unwrap_or_default();
            let origin = entry.origin;
            macro_rules! read_into {
                ($list:ident, $group:expr, $kind:literal) => {
                    if let Some(spec) = read(entry, $group, $kind) {
                        match spec {
                            Ok(spec) => model.$list.push(Read {
                                origin,
                                namespace,
                                name,
                                spec,
                            }),
                            Err(error) => model.malformed.push((origin, error)),
                        }
                        continue;
                    }
                };
            }
            if let Some(service) = any.downcast_ref::<Service>() {
                model.services.push((namespace, service));
                continue;
            }
            if any.is::<ServiceAccount>() {
                model.service_accounts.push((namespace, name));
                continue;
            }
            read_into!(entries, ISTIO_NETWORKING, "ServiceEntry");
            read_into!(gateways, ISTIO_NETWORKING, "Gateway");
            read_into!(rules, ISTIO_NETWORKING, "DestinationRule");
            read_into!(routes, ISTIO_NETWORKING, "VirtualService");
            read_into!(policies, ISTIO_SECURITY, "AuthorizationPolicy");
        }
        model
    }

    /// The (namespace, name) a Kubernetes host means from `namespace`: `name`,
    /// `name.ns`, `name.ns.svc` or `name.ns.svc.cluster.local`.
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

    fn target(&self, host: &str, namespace: &str) -> Option<Target<'_, 'a>> {
        let service = Model::service_name(host, namespace).and_then(|(ns, name)| {
            self.services
                .iter()
                .find(|(service_ns, s)| *service_ns == ns && s.metadata.name.as_deref() == Some(name.as_str()))
        });
        if let Some((_, service)) = service {
            return Some(Target::Service(service));
        }
        let provided = Model::service_name(host, namespace).and_then(|(ns, name)| {
            (self.provided.iter()).find(|p| p.namespace.as_str() == ns && p.name.as_str() == name)
        });
        if let Some(provided) = provided {
            return Some(Target::Provided(provided));
        }
        let entry = self.entries.iter().find(|e| e.spec.hosts.iter().any(|h| h == host));
        entry.map(|entry| Target::Entry(&entry.spec))
    }

    /// The Gateway a VirtualService in `namespace` binds with `reference` (`ns/name` or `name`).
    fn gateway(&self, reference: &str, namespace: &str) -> Option<&GatewaySpec> {
        let (ns, name) = reference.split_once('/').unwrap_or((namespace, reference));
        (self.gateways.iter())
            .find(|gateway| gateway.namespace == ns && gateway.name == name)
            .map(|gateway| &gateway.spec)
    }
}

/// Every mesh problem of an environment's objects, with the services provided outside kumiki.
pub(crate) fn check<'a>(index: &Index<'a>, problems: &mut Problems<'a>) {
    let model = Model::new(index);
    for (origin, message) in &model.malformed {
        problems.report(*origin, message.clone());
    }
    for policy in &model.policies {
        for message in authorization_problems(&model, policy) {
            problems.report(policy.origin, message);
        }
    }
    for route in &model.routes {
        let describe = format!("VirtualService {}/{}", route.namespace, route.name);
        for message in virtual_service_problems(&model, &route.spec, route.namespace) {
            problems.report(route.origin, format!("{describe}: {message}"));
        }
    }
    listener_conflicts(&model, problems);
    unopened_listeners(&model, problems);
    ownership(index, problems);
}

/// Only the app that owns a Service routes its host or authorizes calls to its pods, and an
/// ALLOW rule names who it allows: another team's routes and policies cannot be hijacked or
/// opened up, and a rule without a source cannot open a workload to everyone.
fn ownership<'a>(index: &Index<'a>, problems: &mut Problems<'a>) {
    let mut owners: BTreeMap<(&str, &str), &str> = BTreeMap::new();
    for entry in &index.objects {
        let object = entry.declared.object.as_ref();
        if object.group().is_empty() && object.kind() == "Service" {
            let metadata = object.metadata();
            let key = (
                metadata.namespace.as_deref().unwrap_or_default(),
                metadata.name.as_deref().unwrap_or_default(),
            );
            owners.insert(key, entry.origin.app);
        }
    }
    for entry in &index.objects {
        let object = entry.declared.object.as_ref();
        let kind = object.kind();
        let mesh_kind = matches!(
            (object.group(), kind),
            (
                "networking.istio.io",
                "VirtualService" | "DestinationRule" | "ServiceEntry"
            ) | ("security.istio.io", "AuthorizationPolicy")
        );
        if !mesh_kind {
            continue;
        }
        // Read by kind, through JSON: a mesh object of a service's own Rust type is held to
        // the same rules as kumiki's.
        let json = object.to_json();
        let spec = &json["spec"];
        let strings = |value: &serde_json::Value| -> Vec<String> {
            (value.as_array().into_iter().flatten())
                .filter_map(|item| item.as_str().map(str::to_owned))
                .collect()
        };
        let metadata = object.metadata();
        let namespace = metadata.namespace.as_deref().unwrap_or_default();
        let name = metadata.name.as_deref().unwrap_or_default();
        let app = entry.origin.app;
        let describe = format!("{kind} {namespace}/{name}");
        let hosts = match kind {
            "VirtualService" => strings(&spec["hosts"]),
            "DestinationRule" => spec["host"].as_str().map(str::to_owned).into_iter().collect(),
            _ => Vec::new(),
        };
        for host in hosts {
            let owner = Model::service_name(&host, namespace)
                .and_then(|(ns, service)| owners.get(&(ns.as_str(), service.as_str())).copied());
            if let Some(owner) = owner.filter(|owner| *owner != app) {
                problems.report(
                    entry.origin,
                    format!(
                        "{describe} governs host \"{host}\", the Service of app {owner}: only the app that owns a Service routes it"
                    ),
                );
            }
        }
        if kind == "ServiceEntry"
            && !index.registered_hosts.is_empty()
            && !index.registered_hosts.iter().any(|(publisher, _)| *publisher == app)
        {
            let declared = |host: &String| (index.registered_hosts.iter()).any(|(_, hosts)| hosts.hosts.contains(host));
            for host in strings(&spec["hosts"]).iter().filter(|host| !declared(host)) {
                problems.report(
                    entry.origin,
                    format!(
                        "{describe} registers host \"{host}\", which the platform does not declare: \
                         calls out of the cluster go through the platform's egress"
                    ),
                );
            }
            let export_to = strings(&spec["exportTo"]);
            if export_to != ["."] {
                problems.report(
                    entry.origin,
                    format!(
                        "{describe} is exported to {export_to:?}: a service's ServiceEntry is exported only to its own namespace (\".\")"
                    ),
                );
            }
        }
        if kind == "AuthorizationPolicy" {
            let allows = matches!(spec["action"].as_str().unwrap_or_default(), "" | "ALLOW");
            let selector: BTreeMap<String, String> =
                (spec["selector"]["matchLabels"].as_object().into_iter().flatten())
                    .filter_map(|(key, value)| Some((key.clone(), value.as_str()?.to_owned())))
                    .collect();
            if selector.is_empty() {
                if allows {
                    problems.report(
                        entry.origin,
                        format!("{describe}: an ALLOW policy without a selector opens every workload of {namespace}: select the app's own pods"),
                    );
                }
            } else {
                let others: BTreeSet<&str> = (index.workloads.all.iter())
                    .filter(|workload| workload.selected_by(namespace, &selector))
                    .map(|workload| workload.origin.app)
                    .filter(|owner| *owner != app)
                    .collect();
                for owner in others {
                    problems.report(
                        entry.origin,
                        format!("{describe}: selects pods of app {owner}: only the app that owns a workload authorizes calls to it"),
                    );
                }
            }
            if allows {
                for (index, rule) in spec["rules"].as_array().into_iter().flatten().enumerate() {
                    let sources: Vec<&serde_json::Value> = rule["from"].as_array().into_iter().flatten().collect();
                    let sourceless = sources.is_empty()
                        || sources
                            .iter()
                            .any(|from| from["source"].as_object().is_none_or(|source| source.is_empty()));
                    if sourceless {
                        problems.report(
                            entry.origin,
                            format!("{describe}: ALLOW rule {} names no source, so it allows any caller: name the principals", index + 1),
                        );
                    }
                }
            }
        }
    }
}

/// Every principal an ALLOW or DENY rule names must be the identity of a ServiceAccount in
/// the model, of a provided service or of the metrics scraper: a misspelt caller would
/// silently match nobody.
fn authorization_problems<'a>(
    model: &'a Model,
    policy: &'a Read<'_, AuthorizationPolicySpec>,
) -> impl Iterator<Item = String> + 'a {
    let describe = format!("AuthorizationPolicy {}/{}", policy.namespace, policy.name);
    let principals = (policy.spec.rules.iter())
        .flat_map(|rule| &rule.from)
        .flat_map(|from| &from.source.principals);
    principals.filter_map(move |principal| {
        let identity = principal.strip_prefix("cluster.local/ns/")?.split_once("/sa/");
        let Some((namespace, account)) = identity else {
            return Some(format!(
                "{describe}: principal \"{principal}\" is not of the form cluster.local/ns/<namespace>/sa/<service account>"
            ));
        };
        let in_model = model.service_accounts.contains(&(namespace, account));
        let provided = (model.provided.iter())
            .any(|p| p.namespace.as_str() == namespace && p.service_account.as_str() == account)
            || (model.scrapers.iter())
                .any(|s| s.namespace.as_str() == namespace && s.service_account.as_str() == account);
        (!in_model && !provided).then(|| {
            format!("{describe}: allows principal \"{principal}\", but no ServiceAccount {namespace}/{account} exists")
        })
    })
}

/// A Gateway's servers are listeners of the gateway proxy its selector picks; where that
/// proxy is a provided service, its Service must expose each server port, or no request
/// reaches the listener. A selector matching no known proxy is an error too.
fn unopened_listeners<'a>(model: &Model<'_, 'a>, problems: &mut Problems<'a>) {
    for gateway in &model.gateways {
        let origin = &gateway.origin;
        let selector = &gateway.spec.selector;
        let name = format!("{}/{}", gateway.namespace, gateway.name);
        let matches = |labels: &BTreeMap<String, String>| selector.iter().all(|(k, v)| labels.get(k) == Some(v));
        let proxies: Vec<&&ProvidedService> = model.provided.iter().filter(|p| matches(&p.pod_labels)).collect();
        let in_model = (model.workloads.iter()).any(|w| w.pod_labels.is_some_and(&matches));
        if proxies.is_empty() && !in_model {
            problems.report(
                *origin,
                format!("Gateway {name}: selector {selector:?} matches no gateway proxy"),
            );
        }
        for proxy in proxies {
            for server in &gateway.spec.servers {
                if !proxy.ports.iter().any(|p| i64::from(p.get()) == server.port.number) {
                    problems.report(
                        *origin,
                        format!(
                            "Gateway {name}: listens on port {}, which the Service {}/{} ({}) does not expose",
                            server.port.number, proxy.namespace, proxy.name, proxy.provider
                        ),
                    );
                }
            }
        }
    }
}

fn virtual_service_problems(model: &Model, spec: &VirtualServiceSpec, namespace: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let bound: Vec<&String> = spec.gateways.iter().filter(|g| *g != "mesh").collect();
    for reference in &bound {
        if model.gateway(reference, namespace).is_none() {
            problems.push(format!("gateway \"{reference}\" does not exist"));
        }
    }
    let exported_beyond = spec.export_to.is_empty() || spec.export_to.iter().any(|ns| ns != ".");
    if !bound.is_empty() && !exported_beyond {
        problems.push(format!(
            "is bound to gateway \"{}\" but exported only to its own namespace, where no gateway proxy runs",
            bound[0]
        ));
    }
    for route in spec.http.iter().chain(&spec.tcp) {
        let matches = route.matches.iter().map(|m| (m.port, m.gateways.as_slice())).collect();
        problems.extend(route_problems(model, spec, namespace, matches, &route.route));
    }
    problems
}

/// One route (HTTP or TCP): its matched ports are open on the gateways it is bound to, its
/// weights add up to 100, its destinations exist.
fn route_problems(
    model: &Model,
    spec: &VirtualServiceSpec,
    namespace: &str,
    matches: Vec<(Option<i64>, &[String])>,
    route: &[WeightedDestination],
) -> Vec<String> {
    let mut problems = Vec::new();
    for (port, gateways) in matches {
        let Some(port) = port else {
            continue;
        };
        let gateways = if gateways.is_empty() { &spec.gateways } else { gateways };
        for reference in gateways.iter().filter(|g| *g != "mesh") {
            let Some(gateway) = model.gateway(reference, namespace) else {
                continue;
            };
            if !gateway.servers.iter().any(|s| s.port.number == port) {
                problems.push(format!(
                    "matches port {port} on gateway \"{reference}\", which does not listen on it"
                ));
            }
        }
    }
    if route.len() > 1 {
        let total: i64 = route.iter().map(|r| r.weight.unwrap_or(0)).sum();
        if total != 100 {
            problems.push(format!("route weights add up to {total}, not 100"));
        }
    }
    for weighted in route {
        problems.extend(destination_problems(model, weighted, namespace));
    }
    problems
}

fn destination_problems(model: &Model, weighted: &WeightedDestination, namespace: &str) -> Vec<String> {
    let destination = &weighted.destination;
    let host = destination.host.as_str();
    let port = destination.port.as_ref().and_then(|port| port.number);
    let mut problems = Vec::new();
    match model.target(host, namespace) {
        None => problems.push(format!(
            "routes to host \"{host}\", which is neither a Service nor a ServiceEntry host"
        )),
        Some(Target::Service(service)) => {
            let spec = service.spec.as_ref();
            let ports: Vec<i64> = spec
                .and_then(|s| s.ports.as_ref())
                .into_iter()
                .flatten()
                .map(|p| i64::from(p.port))
                .collect();
            if let Some(port) = port.filter(|p| !ports.contains(p)) {
                problems.push(format!(
                    "routes to port {port} of Service \"{host}\", which exposes {ports:?}"
                ));
            }
            if let Some(subset) = destination.subset.as_deref() {
                problems.extend(subset_problems(model, service, host, subset, namespace));
            }
        }
        Some(Target::Provided(provided)) => {
            if let Some(port) = port.filter(|p| !provided.ports.iter().any(|own| i64::from(own.get()) == *p)) {
                problems.push(format!(
                    "routes to port {port} of {host} ({}), which exposes {:?}",
                    provided.provider,
                    provided.ports.iter().map(|p| p.get()).collect::<Vec<_>>()
                ));
            }
        }
        Some(Target::Entry(entry)) => {
            if let Some(port) = port.filter(|p| !entry.ports.iter().any(|e| e.number == Some(*p))) {
                problems.push(format!(
                    "routes to port {port} of ServiceEntry host \"{host}\", which does not declare it"
                ));
            }
        }
    }
    problems
}

/// A subset must be declared by a DestinationRule for the host, and select pods the
/// Service routes to.
fn subset_problems(model: &Model, service: &Service, host: &str, subset: &str, namespace: &str) -> Vec<String> {
    let target = Model::service_name(host, namespace);
    let declared = model.rules.iter().find_map(|rule| {
        (Model::service_name(&rule.spec.host, rule.namespace) == target)
            .then(|| rule.spec.subsets.iter().find(|s| s.name == subset))
            .flatten()
    });
    let Some(declared) = declared else {
        return vec![format!(
            "routes to subset \"{subset}\" of \"{host}\", which no DestinationRule declares"
        )];
    };
    let service_ns = service.metadata.namespace.as_deref().unwrap_or_default();
    let selector = service
        .spec
        .as_ref()
        .and_then(|s| s.selector.clone())
        .unwrap_or_default();
    let subset_labels = &declared.labels;
    let selects_pods = model.workloads.iter().any(|w| {
        w.selected_by(service_ns, &selector)
            && (subset_labels.iter()).all(|(k, v)| w.pod_labels.and_then(|labels| labels.get(k)) == Some(v))
    });
    if selects_pods {
        Vec::new()
    } else {
        vec![format!(
            "routes to subset \"{subset}\" of \"{host}\", whose labels {subset_labels:?} match no pod behind the Service"
        )]
    }
}

/// A listener some Gateway already claimed.
struct Claimed<'a> {
    selector: &'a BTreeMap<String, String>,
    server: &'a GatewayServer,
    gateway: String,
}

/// Two Gateways on the same gateway proxy must not claim one port for overlapping hosts,
/// nor one port name for two ports.
fn listener_conflicts<'a>(model: &Model<'_, 'a>, problems: &mut Problems<'a>) {
    let mut claimed: Vec<Claimed> = Vec::new();
    for gateway in &model.gateways {
        let origin = &gateway.origin;
        let name = format!("{}/{}", gateway.namespace, gateway.name);
        let selector = &gateway.spec.selector;
        for server in &gateway.spec.servers {
            let port = server.port.number;
            for other in claimed.iter().filter(|c| c.selector == selector) {
                let any_host = |hosts: &[String]| hosts.iter().any(|h| h == "*");
                let overlap = any_host(&server.hosts)
                    || any_host(&other.server.hosts)
                    || server.hosts.iter().any(|h| other.server.hosts.contains(h));
                let message = if other.server.port.number == port && overlap {
                    format!(
                        "Gateway {name}: port {port} is already a listener of Gateway {} on the same gateway proxy",
                        other.gateway
                    )
                } else if other.server.port.name == server.port.name && other.server.port.number != port {
                    format!(
                        "Gateway {name}: port name \"{}\" is already used for port {} by Gateway {}",
                        server.port.name, other.server.port.number, other.gateway
                    )
                } else {
                    continue;
                };
                problems.report(*origin, message);
            }
        }
        claimed.extend(gateway.spec.servers.iter().map(|server| Claimed {
            selector,
            server,
            gateway: name.clone(),
        }));
    }
}
