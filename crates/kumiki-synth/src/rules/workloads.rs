//! Workload rules: selectors match pods, Service target ports exist, StatefulSets name a
//! headless Service, disruption budgets and autoscalers fit their workloads, pods mount only
//! declared volumes, repeat no container, port or volume name, and request within limits.

use std::collections::BTreeMap;

use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::{PodSpec, ResourceRequirements};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::grammar::quantity;
use super::index::Index;
use super::{
    AUTOSCALER, DISRUPTION_BUDGET, OBJECT_SHAPE, POD_NAMES, POD_REQUESTS, Problems, SERVICE_SELECTOR,
    STATEFUL_SET_SERVICE, WORKLOAD_SELECTOR,
};

/// Every workload problem of the environment.
pub(crate) fn check<'a>(index: &Index<'a>, problems: &mut Problems<'a>) {
    pods(index, problems);
    services(index, problems);
    headless_services(index, problems);
    budgets(index, problems);
    autoscalers(index, problems);
}

fn pods<'a>(index: &Index<'a>, problems: &mut Problems<'a>) {
    for pod in index.pods() {
        let origin = pod.object.origin();
        if !pod.selects_own_pods() {
            let selector = (pod.selector.as_ref())
                .and_then(|s| s.match_labels.clone())
                .unwrap_or_default();
            problems.report_as(
                &WORKLOAD_SELECTOR,
                origin,
                format!(
                    "{}: selector {selector:?} does not match its own pod template labels",
                    pod.describe()
                ),
            );
        }
        for (rule, message) in pod_problems(&pod.spec, &pod.claimed_volumes) {
            problems.report_as(rule, origin, format!("{}: {message}", pod.describe()));
        }
    }
}

/// Whether a pod template whose selector does not match its own pods would be matched by
/// `selector` once fixed: a selector matching nothing is then a consequence of that object's
/// error, reported with it rather than again.
fn broken_would_match(index: &Index, namespace: &str, selector: &BTreeMap<String, String>) -> bool {
    (index.pods().iter())
        .filter(|pod| pod.namespace() == namespace && !pod.selects_own_pods())
        .filter_map(|pod| pod.selector.as_ref()?.match_labels.as_ref())
        .any(|own| !selector.is_empty() && selector.iter().all(|(k, v)| own.get(k) == Some(v)))
}

fn services<'a>(index: &Index<'a>, problems: &mut Problems<'a>) {
    for service in &index.services {
        let object = service.object;
        let namespace = object.namespace_or_empty();
        let Some(spec) = &service.value.spec else { continue };
        let Some(selector) = spec.selector.as_ref().filter(|s| !s.is_empty()) else {
            continue;
        };
        let selected = index.pods_matched_by(namespace, selector);
        if selected.is_empty() {
            if !broken_would_match(index, namespace, selector) {
                problems.report_as(
                    &SERVICE_SELECTOR,
                    object.origin(),
                    format!(
                        "{}: selector {selector:?} matches no workload's pods",
                        object.describe()
                    ),
                );
            }
            continue;
        }
        for port in spec.ports.iter().flatten() {
            if let Some(IntOrString::String(target)) = &port.target_port
                && !selected
                    .iter()
                    .all(|pod| pod.container_port_names().any(|p| p == target))
            {
                problems.report_as(
                    &SERVICE_SELECTOR,
                    object.origin(),
                    format!(
                        "{}: targetPort \"{target}\" is not a container port of the selected pods",
                        object.describe()
                    ),
                );
            }
        }
    }
}

fn headless_services<'a>(index: &Index<'a>, problems: &mut Problems<'a>) {
    for object in index.of_kind("apps", "StatefulSet") {
        let namespace = object.namespace_or_empty();
        let service_name = match object.decode_at::<String>(&["spec", "serviceName"]) {
            Ok(name) => name.unwrap_or_default(),
            Err(error) => {
                problems.report_as(&OBJECT_SHAPE, object.origin(), error);
                continue;
            }
        };
        let headless = index.service(namespace, &service_name).is_some_and(|service| {
            service.value.spec.as_ref().and_then(|spec| spec.cluster_ip.as_deref()) == Some("None")
        });
        if !headless {
            problems.report_as(
                &STATEFUL_SET_SERVICE,
                object.origin(),
                format!(
                    "{}: serviceName \"{service_name}\" names no headless Service (clusterIP: None) in {namespace}",
                    object.describe()
                ),
            );
        }
    }
}

fn budgets<'a>(index: &Index<'a>, problems: &mut Problems<'a>) {
    for object in index.of_kind("policy", "PodDisruptionBudget") {
        let budget = match object.decode::<PodDisruptionBudget>() {
            Ok(budget) => budget,
            Err(error) => {
                problems.report_as(&OBJECT_SHAPE, object.origin(), error);
                continue;
            }
        };
        let Some(spec) = &budget.spec else { continue };
        let namespace = object.namespace_or_empty();
        let selector = (spec.selector.as_ref())
            .and_then(|s| s.match_labels.clone())
            .unwrap_or_default();
        let selected = index.pods_matched_by(namespace, &selector);
        if selected.is_empty() && !broken_would_match(index, namespace, &selector) {
            problems.report_as(
                &DISRUPTION_BUDGET,
                object.origin(),
                format!(
                    "{}: selector {selector:?} matches no workload's pods",
                    object.describe()
                ),
            );
        }
        if let Some(IntOrString::Int(min)) = spec.min_available {
            for pod in selected.iter().filter(|pod| pod.replicas.is_some_and(|r| min >= r)) {
                problems.report_as(
                    &DISRUPTION_BUDGET,
                    object.origin(),
                    format!(
                        "{}: minAvailable {min} is not below the {} replicas of {}: no pod could ever be evicted",
                        object.describe(),
                        pod.replicas.unwrap_or_default(),
                        pod.describe()
                    ),
                );
            }
        }
    }
}

fn autoscalers<'a>(index: &Index<'a>, problems: &mut Problems<'a>) {
    let by_name: BTreeMap<(&str, &str, &str), Option<i32>> = (index.pods().iter())
        .map(|pod| ((pod.namespace(), pod.object.kind(), pod.object.name()), pod.replicas))
        .collect();
    for object in index.of_kind("autoscaling", "HorizontalPodAutoscaler") {
        let autoscaler = match object.decode::<HorizontalPodAutoscaler>() {
            Ok(autoscaler) => autoscaler,
            Err(error) => {
                problems.report_as(&OBJECT_SHAPE, object.origin(), error);
                continue;
            }
        };
        let Some(spec) = &autoscaler.spec else { continue };
        let describe = object.describe();
        let mut problem =
            |message: String| problems.report_as(&AUTOSCALER, object.origin(), format!("{describe}: {message}"));
        let min = spec.min_replicas.unwrap_or(1);
        if min > spec.max_replicas {
            problem(format!("minReplicas {min} exceeds maxReplicas {}", spec.max_replicas));
        }
        let target = &spec.scale_target_ref;
        match by_name.get(&(object.namespace_or_empty(), target.kind.as_str(), target.name.as_str())) {
            None => problem(format!("scales {} {}, which does not exist", target.kind, target.name)),
            Some(Some(_)) => problem(format!(
                "{} {}/{} also sets fixed replicas, which every sync would reset",
                target.kind,
                object.namespace_or_empty(),
                target.name
            )),
            Some(None) => {}
        }
    }
}

/// Unique container, port and volume names; mounts of declared (or claimed) volumes; requests
/// within limits.
fn pod_problems(pod: &PodSpec, claimed_volumes: &[String]) -> Vec<(&'static super::Rule, String)> {
    let mut problems = Vec::new();
    let mut duplicates = |what: &str, names: Vec<&str>| {
        let mut seen = Vec::new();
        for name in names {
            if seen.contains(&name) {
                problems.push((&POD_NAMES, format!("{what} \"{name}\" is declared twice")));
            }
            seen.push(name);
        }
    };
    let containers: Vec<_> = pod.init_containers.iter().flatten().chain(&pod.containers).collect();
    duplicates("container", containers.iter().map(|c| c.name.as_str()).collect());
    duplicates(
        "port name",
        (containers.iter().flat_map(|c| c.ports.iter().flatten()))
            .filter_map(|p| p.name.as_deref())
            .collect(),
    );
    let mut volumes: Vec<&str> = pod.volumes.iter().flatten().map(|v| v.name.as_str()).collect();
    volumes.extend(claimed_volumes.iter().map(String::as_str));
    duplicates("volume", volumes.clone());
    for container in &containers {
        for mount in container.volume_mounts.iter().flatten() {
            if !volumes.contains(&mount.name.as_str()) {
                problems.push((
                    &POD_NAMES,
                    format!(
                        "container \"{}\" mounts volume \"{}\", which the pod does not declare",
                        container.name, mount.name
                    ),
                ));
            }
        }
        if let Some(resources) = &container.resources {
            problems.extend(
                (request_above_limit(resources).into_iter())
                    .map(|m| (&POD_REQUESTS, format!("container \"{}\": {m}", container.name))),
            );
        }
    }
    problems
}

fn request_above_limit(resources: &ResourceRequirements) -> Vec<String> {
    let (Some(requests), Some(limits)) = (&resources.requests, &resources.limits) else {
        return Vec::new();
    };
    let mut problems = Vec::new();
    for (resource, request) in requests {
        let Some(limit) = limits.get(resource) else { continue };
        // A value that is not a quantity is the structure rules' to report.
        if let (Some(r), Some(l)) = (quantity(&request.0), quantity(&limit.0))
            && r > l
        {
            problems.push(format!(
                "{resource} request {} exceeds its limit {}",
                request.0, limit.0
            ));
        }
    }
    problems
}
