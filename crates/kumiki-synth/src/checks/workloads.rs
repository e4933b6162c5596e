//! Workload rules: selectors match pods, Service target ports exist, StatefulSets name a
//! headless Service, disruption budgets and autoscalers fit their workloads, pods mount only
//! declared volumes, repeat no container, port or volume name, and request within limits.

use std::collections::HashMap;

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::{PodSpec, ResourceRequirements, Service};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::index::Workload;
use super::{Index, Problems};

/// Every workload problem of the environment.
pub(crate) fn check<'a>(index: &Index<'a>, problems: &mut Problems<'a>) {
    let mut problem = |origin, message: String| problems.report(origin, message);
    let workloads = &index.workloads;
    let by_name: HashMap<(&str, &str, &str), &Workload> = (workloads.all.iter())
        .map(|w| ((w.namespace, w.kind, w.name), w))
        .collect();

    for workload in &workloads.all {
        if !workload.selects_own_pods() {
            let selector = workload.selector.match_labels.clone().unwrap_or_default();
            problem(
                workload.origin,
                format!(
                    "{}: selector {selector:?} does not match its own pod template labels",
                    workload.describe()
                ),
            );
        }
        if let Some(pod) = workload.pod {
            for message in pod_problems(pod, &workload.claimed_volumes) {
                problem(workload.origin, format!("{}: {message}", workload.describe()));
            }
        }
    }

    for entry in &index.objects {
        let declared = entry.declared;
        let any = declared.object.as_any();
        let origin = entry.origin;
        let namespace = declared.object.metadata().namespace.as_deref().unwrap_or_default();
        let name = declared.object.metadata().name.as_deref().unwrap_or_default();
        if let Some(service) = any.downcast_ref::<Service>() {
            let Some(spec) = &service.spec else { continue };
            let Some(selector) = spec.selector.as_ref().filter(|s| !s.is_empty()) else {
                continue;
            };
            let selected = workloads.selected(namespace, selector);
            if selected.is_empty() {
                if workloads.broken_would_match(namespace, selector) {
                    continue;
                }
                problem(
                    origin,
                    format!("Service {namespace}/{name}: selector {selector:?} matches no workload's pods"),
                );
                continue;
            }
            for port in spec.ports.iter().flatten() {
                if let Some(IntOrString::String(target)) = &port.target_port
                    && !selected.iter().all(|w| w.container_port_names().any(|p| p == target))
                {
                    problem(
                        origin,
                        format!(
                            "Service {namespace}/{name}: targetPort \"{target}\" is not a container port of the selected pods"
                        ),
                    );
                }
            }
        } else if let Some(budget) = any.downcast_ref::<PodDisruptionBudget>() {
            let Some(spec) = &budget.spec else { continue };
            let selector = spec
                .selector
                .as_ref()
                .and_then(|s| s.match_labels.clone())
                .unwrap_or_default();
            let selected = workloads.selected(namespace, &selector);
            if selected.is_empty() && !workloads.broken_would_match(namespace, &selector) {
                problem(
                    origin,
                    format!("PodDisruptionBudget {namespace}/{name}: selector {selector:?} matches no workload's pods"),
                );
            }
            if let Some(IntOrString::Int(min)) = spec.min_available {
                for workload in selected.iter().filter(|w| w.replicas.is_some_and(|r| min >= r)) {
                    problem(
                        origin,
                        format!(
                            "PodDisruptionBudget {namespace}/{name}: minAvailable {min} is not below the {} replicas of {}: no pod could ever be evicted",
                            workload.replicas.unwrap_or_default(),
                            workload.describe()
                        ),
                    );
                }
            }
        } else if let Some(autoscaler) = any.downcast_ref::<HorizontalPodAutoscaler>() {
            let Some(spec) = &autoscaler.spec else { continue };
            if spec.min_replicas.unwrap_or(1) > spec.max_replicas {
                problem(
                    origin,
                    format!(
                        "HorizontalPodAutoscaler {namespace}/{name}: minReplicas {} exceeds maxReplicas {}",
                        spec.min_replicas.unwrap_or(1),
                        spec.max_replicas
                    ),
                );
            }
            let target = &spec.scale_target_ref;
            match by_name.get(&(namespace, target.kind.as_str(), target.name.as_str())) {
                None => problem(
                    origin,
                    format!(
                        "HorizontalPodAutoscaler {namespace}/{name}: scales {} {}, which does not exist",
                        target.kind, target.name
                    ),
                ),
                Some(workload) if workload.replicas.is_some() => problem(
                    origin,
                    format!(
                        "HorizontalPodAutoscaler {namespace}/{name}: {} also sets fixed replicas, which every sync would reset",
                        workload.describe()
                    ),
                ),
                Some(_) => {}
            }
        } else if let Some(stateful_set) = any.downcast_ref::<StatefulSet>() {
            let service_name = stateful_set
                .spec
                .as_ref()
                .and_then(|s| s.service_name.as_deref())
                .unwrap_or_default();
            let headless = (index.objects.iter())
                .filter_map(|entry| entry.declared.object.as_any().downcast_ref::<Service>())
                .any(|s| {
                    s.metadata.namespace.as_deref() == Some(namespace)
                        && s.metadata.name.as_deref() == Some(service_name)
                        && s.spec.as_ref().and_then(|spec| spec.cluster_ip.as_deref()) == Some("None")
                });
            if !headless {
                problem(
                    origin,
                    format!(
                        "StatefulSet {namespace}/{name}: serviceName \"{service_name}\" names no headless Service (clusterIP: None) in {namespace}"
                    ),
                );
            }
        }
    }
}

/// Unique container, port and volume names; mounts of declared (or claimed) volumes; requests
/// within limits.
fn pod_problems(pod: &PodSpec, claimed_volumes: &[&str]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut duplicates = |what: &str, names: Vec<&str>| {
        let mut seen = Vec::new();
        for name in names {
            if seen.contains(&name) {
                problems.push(format!("{what} \"{name}\" is declared twice"));
            }
            seen.push(name);
        }
    };
    let containers: Vec<_> = pod.init_containers.iter().flatten().chain(&pod.containers).collect();
    duplicates("container", containers.iter().map(|c| c.name.as_str()).collect());
    duplicates(
        "port name",
        containers
            .iter()
            .flat_map(|c| c.ports.iter().flatten())
            .filter_map(|p| p.name.as_deref())
            .collect(),
    );
    let mut volumes: Vec<&str> = pod.volumes.iter().flatten().map(|v| v.name.as_str()).collect();
    volumes.extend(claimed_volumes);
    duplicates("volume", volumes.clone());
    for container in &containers {
        for mount in container.volume_mounts.iter().flatten() {
            if !volumes.contains(&mount.name.as_str()) {
                problems.push(format!(
                    "container \"{}\" mounts volume \"{}\", which the pod does not declare",
                    container.name, mount.name
                ));
            }
        }
        if let Some(resources) = &container.resources {
            problems.extend(
                request_above_limit(resources)
                    .into_iter()
                    .map(|m| format!("container \"{}\": {m}", container.name)),
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
        match (quantity(&request.0), quantity(&limit.0)) {
            (Some(r), Some(l)) if r > l => problems.push(format!(
                "{resource} request {} exceeds its limit {}",
                request.0, limit.0
            )),
            // A value that is not a quantity is the structure rules' to report.
            _ => {}
        }
    }
    problems
}

/// A Kubernetes quantity (`100m`, `1.5`, `128Mi`, `1G`) in base units.
pub(crate) fn quantity(text: &str) -> Option<f64> {
    const SUFFIXES: [(&str, f64); 13] = [
        ("Ki", 1024.0),
        ("Mi", 1048576.0),
        ("Gi", 1073741824.0),
        ("Ti", 1099511627776.0),
        ("Pi", 1125899906842624.0),
        ("Ei", 1152921504606846976.0),
        ("m", 0.001),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
        ("P", 1e15),
        ("E", 1e18),
    ];
    let (number, factor) = SUFFIXES
        .iter()
        .find_map(|(suffix, factor)| text.strip_suffix(suffix).map(|n| (n, *factor)))
        .unwrap_or((text, 1.0));
    number
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite() && *n >= 0.0)
        .map(|n| n * factor)
}

#[cfg(test)]
mod tests {
    use super::quantity;

    #[test]
    fn quantities_in_base_units() {
        assert_eq!(quantity("100m"), Some(0.1));
        assert_eq!(quantity("2"), Some(2.0));
        assert_eq!(quantity("128Mi"), Some(134217728.0));
        assert_eq!(quantity("1G"), Some(1e9));
        assert_eq!(quantity("lots"), None);
    }
}
