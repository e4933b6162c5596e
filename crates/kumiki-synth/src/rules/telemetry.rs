//! The scrape path: every pod a PodMonitor or ServiceMonitor points the platform's metrics
//! scraper at must be reachable by it on the scraped port. A NetworkPolicy selecting the pods
//! must admit the scraper's namespace on that port, and an ALLOW AuthorizationPolicy selecting
//! them must admit the scraper's identity (except on the ports the mesh proxy serves itself).
//! Otherwise the target stays down and the dashboards stay empty, with nothing in `release/`
//! saying why. The problem is reported at the policy that blocks the path.
//!
//! A monitor in a release whose platform declares no [`MetricsScraper`] cannot be checked: it
//! is refused, naming the missing fact.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::ContainerPort;
use k8s_openapi::api::networking::v1::{NetworkPolicy, NetworkPolicyIngressRule, NetworkPolicyPeer};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::index::{Index, Of, Origin, PodTemplate, Rendered};
use super::selectors::BySelector;
use super::views::{AuthorizationPolicySpec, PROMETHEUS_OPERATOR, PodMonitorSpec, ServiceMonitorSpec};
use super::{OBJECT_SHAPE, Problems, TELEMETRY_SCRAPE_PATH};
use crate::facts::MetricsScraper;

/// One scraped port of one pod template, and the monitor that scrapes it.
struct Target<'i, 'a> {
    pod: &'i PodTemplate<'a>,
    number: i64,
    name: Option<String>,
    monitor: String,
}

/// Every scrape-path problem of the environment.
pub(crate) fn check<'a>(index: &Index<'a>, problems: &mut Problems<'a>) {
    let mut targets = Vec::new();
    let mut monitors = Vec::new();
    for object in index.of_kind(PROMETHEUS_OPERATOR, "PodMonitor") {
        match object.spec_view::<PodMonitorSpec>() {
            Ok(monitor) => pod_monitor_targets(index, object, &monitor, &mut targets),
            Err(error) => problems.report_as(&OBJECT_SHAPE, object.origin(), error),
        }
        monitors.push(object);
    }
    for object in index.of_kind(PROMETHEUS_OPERATOR, "ServiceMonitor") {
        match object.spec_view::<ServiceMonitorSpec>() {
            Ok(monitor) => service_monitor_targets(index, object, &monitor, &mut targets),
            Err(error) => problems.report_as(&OBJECT_SHAPE, object.origin(), error),
        }
        monitors.push(object);
    }
    let Some(scraper) = &index.facts().scraper else {
        for monitor in monitors {
            problems.report_as(
                &TELEMETRY_SCRAPE_PATH,
                monitor.origin(),
                format!(
                    "{}: the platform declares no metrics scraper (`PlatformFacts::scraper`), so nothing can be \
                     checked to reach what it scrapes",
                    monitor.describe()
                ),
            );
        }
        return;
    };
    let network_policies = read_network_policies(index, problems);
    let policies = Policies {
        network_by_selector: BySelector::new((network_policies.iter().enumerate()).map(
            |(position, (object, policy))| (position, object.namespace_or_empty(), indexable_pod_selector(policy)),
        )),
        network: &network_policies,
        authorization_by_selector: BySelector::new((index.authorization_policies.iter().enumerate()).map(
            |(position, policy)| {
                let selector = policy.value.selector.as_ref().map(|selector| &selector.match_labels);
                (position, policy.object.namespace_or_empty(), selector)
            },
        )),
        authorization: &index.authorization_policies,
    };
    for target in &targets {
        if let Some((origin, message)) = network_policy_problem(scraper, &policies, target) {
            problems.report_as(&TELEMETRY_SCRAPE_PATH, origin, message);
        }
        let proxy_port = (scraper.proxy_ports.iter()).any(|port| i64::from(port.get()) == target.number);
        if !proxy_port && let Some((origin, message)) = authorization_problem(scraper, &policies, target) {
            problems.report_as(&TELEMETRY_SCRAPE_PATH, origin, message);
        }
    }
}

/// The policies that govern pods, indexed by what they select.
struct Policies<'p, 'a> {
    network: &'p [(&'a Rendered<'a>, NetworkPolicy)],
    network_by_selector: BySelector,
    authorization: &'p [Of<'a, AuthorizationPolicySpec>],
    authorization_by_selector: BySelector,
}

/// The labels a NetworkPolicy's pod selector requires, when the index can narrow by them.
fn indexable_pod_selector(policy: &NetworkPolicy) -> Option<&BTreeMap<String, String>> {
    let selector = policy.spec.as_ref()?.pod_selector.as_ref()?;
    let expressions = selector
        .match_expressions
        .as_ref()
        .is_some_and(|expressions| !expressions.is_empty());
    selector.match_labels.as_ref().filter(|_| !expressions)
}

fn read_network_policies<'a>(index: &Index<'a>, problems: &mut Problems<'a>) -> Vec<(&'a Rendered<'a>, NetworkPolicy)> {
    let mut policies = Vec::new();
    for object in index.of_kind("networking.k8s.io", "NetworkPolicy") {
        match object.decode::<NetworkPolicy>() {
            Ok(policy) => policies.push((object, policy)),
            Err(error) => problems.report_as(&OBJECT_SHAPE, object.origin(), error),
        }
    }
    policies
}

fn pod_monitor_targets<'i, 'a>(
    index: &'i Index<'a>,
    object: &Rendered,
    monitor: &PodMonitorSpec,
    targets: &mut Vec<Target<'i, 'a>>,
) {
    let own = object.namespace_or_empty();
    let selected = (index.pods().iter()).filter(|pod| {
        monitor.namespace_selector.includes(own, pod.namespace()) && monitor.selector.selects(&pod.labels) == Some(true)
    });
    for pod in selected {
        for endpoint in &monitor.pod_metrics_endpoints {
            let port = match (&endpoint.port, endpoint.port_number) {
                (Some(name), _) => {
                    container_port(pod, name).map(|port| (i64::from(port.container_port), Some(name.clone())))
                }
                (None, Some(number)) => Some((number, None)),
                (None, None) => None,
            };
            if let Some((number, name)) = port {
                targets.push(Target {
                    pod,
                    number,
                    name,
                    monitor: object.describe(),
                });
            }
        }
    }
}

fn service_monitor_targets<'i, 'a>(
    index: &'i Index<'a>,
    object: &Rendered,
    monitor: &ServiceMonitorSpec,
    targets: &mut Vec<Target<'i, 'a>>,
) {
    let own = object.namespace_or_empty();
    for service in &index.services {
        let namespace = service.object.namespace_or_empty();
        let labels = service.value.metadata.labels.clone().unwrap_or_default();
        if !monitor.namespace_selector.includes(own, namespace) || monitor.selector.selects(&labels) != Some(true) {
            continue;
        }
        let Some(spec) = service.value.spec.as_ref() else {
            continue;
        };
        let selector = spec.selector.clone().unwrap_or_default();
        for endpoint in &monitor.endpoints {
            let service_port =
                (spec.ports.iter().flatten()).find(|port| port.name.is_some() && port.name == endpoint.port);
            let Some(service_port) = service_port else { continue };
            let target_port = (service_port.target_port.clone()).unwrap_or(IntOrString::Int(service_port.port));
            for pod in index.pods_matched_by(namespace, &selector) {
                let port = match &target_port {
                    IntOrString::Int(number) => Some((i64::from(*number), None)),
                    IntOrString::String(name) => {
                        container_port(pod, name).map(|port| (i64::from(port.container_port), Some(name.clone())))
                    }
                };
                if let Some((number, name)) = port {
                    targets.push(Target {
                        pod,
                        number,
                        name,
                        monitor: object.describe(),
                    });
                }
            }
        }
    }
}

/// The container port named `name` in the pod template.
fn container_port<'p>(pod: &'p PodTemplate, name: &str) -> Option<&'p ContainerPort> {
    let containers = pod
        .spec
        .containers
        .iter()
        .chain(pod.spec.init_containers.iter().flatten());
    (containers.flat_map(|container| container.ports.iter().flatten())).find(|port| port.name.as_deref() == Some(name))
}

/// Whether a NetworkPolicy in the pods' namespace governs their ingress.
fn selects_ingress(policy: &NetworkPolicy, namespace: &str, labels: &BTreeMap<String, String>) -> bool {
    let Some(spec) = policy.spec.as_ref() else { return false };
    let ingress = (spec.policy_types.as_ref()).is_none_or(|types| types.iter().any(|kind| kind == "Ingress"));
    let selected = (spec.pod_selector.as_ref()).is_none_or(|selector| {
        selector.match_expressions.as_ref().is_none_or(Vec::is_empty)
            && (selector.match_labels.iter().flatten()).all(|(key, value)| labels.get(key) == Some(value))
    });
    policy.metadata.namespace.as_deref() == Some(namespace) && ingress && selected
}

/// Whether `peer` is the scraper's namespace (by its name label).
fn is_scraper_namespace(peer: &NetworkPolicyPeer, scraper: &MetricsScraper) -> bool {
    peer.ip_block.is_none()
        && peer.namespace_selector.as_ref().is_some_and(|selector| {
            let labels = selector.match_labels.clone().unwrap_or_default();
            selector.match_expressions.as_ref().is_none_or(Vec::is_empty)
                && labels
                    .iter()
                    .all(|(key, value)| key == "kubernetes.io/metadata.name" && *value == scraper.namespace.as_str())
        })
}

/// Whether an ingress rule admits the scraper on the target's port.
fn admits(rule: &NetworkPolicyIngressRule, scraper: &MetricsScraper, target: &Target) -> bool {
    let from_scraper = (rule.from.as_ref())
        .is_none_or(|peers| peers.is_empty() || peers.iter().any(|peer| is_scraper_namespace(peer, scraper)));
    let on_port = (rule.ports.as_ref()).is_none_or(|ports| {
        ports.is_empty()
            || ports.iter().any(|port| match &port.port {
                None => true,
                Some(IntOrString::Int(number)) => i64::from(*number) == target.number,
                Some(IntOrString::String(name)) => target.name.as_deref() == Some(name.as_str()),
            })
    });
    from_scraper && on_port
}

/// The NetworkPolicy that keeps the scraper from `target`, if the policies selecting its pods
/// admit no ingress from the scraper's namespace on the port.
fn network_policy_problem<'a>(
    scraper: &MetricsScraper,
    policies: &Policies<'_, 'a>,
    target: &Target<'_, 'a>,
) -> Option<(Origin<'a>, String)> {
    let pod = target.pod;
    let selecting: Vec<&(&Rendered, NetworkPolicy)> =
        (policies.network_by_selector.candidates(pod.namespace(), &pod.labels))
            .into_iter()
            .map(|position| &policies.network[position])
            .filter(|(_, policy)| selects_ingress(policy, pod.namespace(), &pod.labels))
            .collect();
    let admitted = selecting.iter().any(|(_, policy)| {
        let rules = policy.spec.as_ref().and_then(|spec| spec.ingress.as_ref());
        rules.into_iter().flatten().any(|rule| admits(rule, scraper, target))
    });
    let (object, _) = selecting.first().filter(|_| !admitted)?;
    Some((
        object.origin(),
        format!(
            "{} admits no ingress from namespace {} on port {} of {}, which {} scrapes: the scraper ({}/{}) cannot \
             reach it",
            object.describe(),
            scraper.namespace,
            target.number,
            pod.describe(),
            target.monitor,
            scraper.namespace,
            scraper.service_account
        ),
    ))
}

/// The AuthorizationPolicy that keeps the scraper from `target`, if ALLOW policies select its
/// pods and none of their rules admits the scraper's identity on the port.
fn authorization_problem<'a>(
    scraper: &MetricsScraper,
    policies: &Policies<'_, 'a>,
    target: &Target<'_, 'a>,
) -> Option<(Origin<'a>, String)> {
    let pod = target.pod;
    let principal = scraper.principal();
    let port = target.number.to_string();
    let candidates = policies
        .authorization_by_selector
        .candidates(pod.namespace(), &pod.labels);
    let selecting: Vec<_> = (candidates.into_iter().map(|position| &policies.authorization[position]))
        .filter(|policy| {
            policy.object.namespace_or_empty() == pod.namespace()
                && policy.value.allows()
                && (policy.value.selector.as_ref()).is_none_or(|selector| selector.selects(&pod.labels))
        })
        .collect();
    let admitted = (selecting.iter()).any(|policy| {
        policy.value.rules.iter().any(|rule| {
            let from_scraper = rule.from.is_empty()
                || rule.from.iter().any(|from| {
                    from.source.principals.contains(&principal)
                        || (from.source.namespaces.iter()).any(|namespace| namespace == scraper.namespace.as_str())
                });
            let on_port = rule.to.is_empty()
                || (rule.to.iter()).any(|to| to.operation.ports.is_empty() || to.operation.ports.contains(&port));
            from_scraper && on_port
        })
    });
    let policy = selecting.first().filter(|_| !admitted)?;
    Some((
        policy.object.origin(),
        format!(
            "{} allows no rule for {principal} on port {port} of {}, which {} scrapes: the scraper cannot reach it",
            policy.object.describe(),
            pod.describe(),
            target.monitor
        ),
    ))
}
