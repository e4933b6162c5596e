//! Values that pass the schema but that the API server refuses, Kubernetes silently merges, the
//! kubelet puts in the wrong place or Envoy does not parse: negative counts, empty selector
//! keys, claims of no storage, probes of undeclared ports, entries written twice, mounts over
//! system directories or each other, Istio durations and retry policies, ports Istio's sidecar
//! reserves. Each is checked on the rendered objects of every kind that holds it.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, PodSpec, Probe};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::grammar::{duration, quantity};
use super::index::{Index, PodTemplate, Rendered};
use super::views::ISTIO_NETWORKING;
use super::{
    MESH_DURATION, MESH_RESERVED_PORT, OBJECT_DUPLICATES, POD_MOUNT_PATH, POD_PROBE_PORT, Problems,
    REFERENCE_NAMESPACE, Rule, VALUE_CLAIM_SIZE, VALUE_COUNT, VALUE_SELECTOR,
};
use crate::tree::Json;

/// The ports Istio's sidecar listens on in every pod it joins (admin, outbound, inbound,
/// tunnels, health, DNS, its own metrics).
const ISTIO_RESERVED_PORTS: [i32; 10] = [15000, 15001, 15004, 15006, 15008, 15009, 15020, 15021, 15053, 15090];

/// Directories a volume mount would hide from the container (or the node's view it needs).
const SYSTEM_DIRECTORIES: [&str; 12] = [
    "/",
    "/bin",
    "/boot",
    "/dev",
    "/etc",
    "/lib",
    "/lib64",
    "/proc",
    "/sbin",
    "/sys",
    "/usr",
    "/var/run/secrets/kubernetes.io",
];

/// Envoy's retry policies, as `retryOn` names them (besides HTTP status codes).
const RETRY_POLICIES: [&str; 16] = [
    "5xx",
    "gateway-error",
    "reset",
    "reset-before-request",
    "connect-failure",
    "envoy-ratelimited",
    "retriable-4xx",
    "refused-stream",
    "retriable-status-codes",
    "retriable-headers",
    "http3-post-connect-failure",
    "cancelled",
    "deadline-exceeded",
    "internal",
    "resource-exhausted",
    "unavailable",
];

/// Every validity problem of the environment.
pub(crate) fn check<'a>(index: &Index<'a>, problems: &mut Problems<'a>) {
    let meshed = meshed_namespaces(index);
    for pod in index.pods() {
        let mut report = |rule: &'static Rule, message: String| {
            problems.report_as(rule, pod.object.origin(), format!("{}: {message}", pod.describe()));
        };
        pod_values(pod, &mut report);
        if meshed.contains(&pod.namespace()) && !opts_out_of_the_mesh(pod) {
            reserved_ports(&pod.spec, &mut report);
        }
    }
    // Namespaces are checked against a release that creates them; one that creates none leaves
    // them to whoever does (a fixture, a cluster set up by hand).
    let namespaces = index
        .of_kind("", "Namespace")
        .next()
        .is_some()
        .then(|| known_namespaces(index));
    for object in index.objects() {
        let mut report = |rule: &'static Rule, message: String| {
            problems.report_as(rule, object.origin(), format!("{}: {message}", object.describe()));
        };
        if let Some(namespaces) = &namespaces {
            namespace_references(object, namespaces, &mut report);
        }
        counts(object, &mut report);
        claims(object, &mut report);
        duplicates(object, &mut report);
        if object.group() == ISTIO_NETWORKING {
            istio_values(object, &mut report);
        }
    }
}

/// Where a problem of one object goes: its rule and message.
type Report<'r> = dyn FnMut(&'static Rule, String) + 'r;

/// The namespaces whose pods get Istio's sidecar, as the release labels them.
fn meshed_namespaces<'a>(index: &Index<'a>) -> Vec<&'a str> {
    (index.of_kind("", "Namespace"))
        .filter(|namespace| {
            namespace.label("istio-injection") == Some("enabled") || namespace.label("istio.io/rev").is_some()
        })
        .map(Rendered::name)
        .collect()
}

/// Whether the pod template turns Istio's sidecar off (`sidecar.istio.io/inject: "false"`, as
/// a label or an annotation).
fn opts_out_of_the_mesh(pod: &PodTemplate) -> bool {
    let Some(layout) = super::kinds::pod_layout(pod.object.group(), pod.object.kind()) else {
        return false;
    };
    let template = pod.object.json().at(layout.template);
    ["annotations", "labels"].iter().any(|field| {
        let setting = template.and_then(|template| template.at(&["metadata", field, "sidecar.istio.io/inject"]));
        setting.and_then(|setting| setting.as_str()) == Some("false")
    })
}

/// Counts, probes, selector keys, probe ports and mounts of one pod template.
fn pod_values(pod: &PodTemplate, report: &mut Report) {
    let spec = &pod.spec;
    if let Some(grace) = spec.termination_grace_period_seconds.filter(|grace| *grace < 0) {
        report(
            &VALUE_COUNT,
            format!("terminationGracePeriodSeconds is {grace}; it cannot be negative"),
        );
    }
    let containers: Vec<&Container> = spec.init_containers.iter().flatten().chain(&spec.containers).collect();
    for container in &containers {
        for (kind, probe) in [
            ("readiness", &container.readiness_probe),
            ("liveness", &container.liveness_probe),
            ("startup", &container.startup_probe),
        ] {
            if let Some(probe) = probe {
                probe_values(container, kind, probe, report);
            }
        }
        mounts(container, report);
        container_duplicates(container, report);
    }
    selector_keys(spec, report);
}

fn probe_values(container: &Container, kind: &str, probe: &Probe, report: &mut Report) {
    let name = &container.name;
    let at_least = [
        ("periodSeconds", probe.period_seconds, 1),
        ("timeoutSeconds", probe.timeout_seconds, 1),
        ("successThreshold", probe.success_threshold, 1),
        ("failureThreshold", probe.failure_threshold, 1),
        ("initialDelaySeconds", probe.initial_delay_seconds, 0),
    ];
    for (field, value, minimum) in at_least {
        if let Some(value) = value.filter(|value| *value < minimum) {
            report(
                &VALUE_COUNT,
                format!("container \"{name}\": {kind} probe {field} is {value}; it must be at least {minimum}"),
            );
        }
    }
    if kind != "readiness" && probe.success_threshold.is_some_and(|threshold| threshold != 1) {
        report(
            &VALUE_COUNT,
            format!(
                "container \"{name}\": {kind} probe successThreshold must be 1 (only a readiness probe may ask for more)"
            ),
        );
    }
    let port = (probe.http_get.as_ref().map(|get| &get.port)).or(probe.tcp_socket.as_ref().map(|socket| &socket.port));
    if let Some(IntOrString::String(port)) = port {
        let declared = (container.ports.iter().flatten()).any(|declared| declared.name.as_deref() == Some(port));
        if !declared {
            report(
                &POD_PROBE_PORT,
                format!(
                    "container \"{name}\": its {kind} probe targets port \"{port}\", which the container does not declare"
                ),
            );
        }
    }
}

/// Mount paths: absolute, not over a system directory, none over another of the container.
fn mounts(container: &Container, report: &mut Report) {
    let name = &container.name;
    let paths: Vec<&str> = (container.volume_mounts.iter().flatten())
        .map(|mount| mount.mount_path.as_str())
        .collect();
    for path in &paths {
        let trimmed = path.trim_end_matches('/');
        let trimmed = if trimmed.is_empty() { "/" } else { trimmed };
        if !path.starts_with('/') {
            report(
                &POD_MOUNT_PATH,
                format!("container \"{name}\": mount path \"{path}\" is not absolute"),
            );
        } else if SYSTEM_DIRECTORIES.contains(&trimmed) {
            report(
                &POD_MOUNT_PATH,
                format!("container \"{name}\": a volume mounted at \"{path}\" hides the system directory there"),
            );
        }
        let covered = paths.iter().filter(|other| {
            other.len() > trimmed.len()
                && other.starts_with(trimmed)
                && (trimmed == "/" || other.as_bytes()[trimmed.len()] == b'/')
        });
        for other in covered {
            report(
                &POD_MOUNT_PATH,
                format!(
                    "container \"{name}\": the mount at \"{other}\" lies inside the mount at \"{path}\", which it hides"
                ),
            );
        }
    }
}

/// Entries the API server refuses or merges when written twice in one container.
fn container_duplicates(container: &Container, report: &mut Report) {
    let name = &container.name;
    let twice = |entries: Vec<String>| -> Vec<String> {
        let mut seen: Vec<&String> = Vec::new();
        let mut repeated = Vec::new();
        for entry in &entries {
            if seen.contains(&entry) && !repeated.contains(entry) {
                repeated.push(entry.clone());
            }
            seen.push(entry);
        }
        repeated
    };
    let env = (container.env.iter().flatten())
        .map(|variable| variable.name.clone())
        .collect();
    for variable in twice(env) {
        report(
            &OBJECT_DUPLICATES,
            format!("container \"{name}\": variable {variable} is set twice; the last one silently wins"),
        );
    }
    let ports = (container.ports.iter().flatten())
        .map(|port| format!("{}/{}", port.container_port, port.protocol.as_deref().unwrap_or("TCP")))
        .collect();
    for port in twice(ports) {
        report(
            &OBJECT_DUPLICATES,
            format!("container \"{name}\": port {port} is declared twice"),
        );
    }
    let paths = (container.volume_mounts.iter().flatten())
        .map(|mount| mount.mount_path.clone())
        .collect();
    for path in twice(paths) {
        report(
            &OBJECT_DUPLICATES,
            format!("container \"{name}\": two volumes are mounted at \"{path}\""),
        );
    }
}

/// Keys of label selectors and affinity terms, and topology keys, are never empty.
fn selector_keys(spec: &PodSpec, report: &mut Report) {
    let affinity = spec.affinity.as_ref();
    let node_terms = (affinity.and_then(|a| a.node_affinity.as_ref()))
        .and_then(|node| node.required_during_scheduling_ignored_during_execution.as_ref())
        .map(|selector| selector.node_selector_terms.as_slice())
        .unwrap_or_default();
    let node_keys =
        (node_terms.iter()).flat_map(|term| term.match_expressions.iter().flatten().map(|e| e.key.as_str()));
    let pod_terms = (affinity.and_then(|a| a.pod_affinity.as_ref()))
        .and_then(|pod| pod.required_during_scheduling_ignored_during_execution.as_ref())
        .into_iter()
        .flatten()
        .chain(
            (affinity.and_then(|a| a.pod_anti_affinity.as_ref()))
                .and_then(|pod| pod.required_during_scheduling_ignored_during_execution.as_ref())
                .into_iter()
                .flatten(),
        );
    let mut empty = Vec::new();
    if node_keys.clone().any(str::is_empty) {
        empty.push("a node affinity term matches an empty label key".to_owned());
    }
    for term in pod_terms {
        if term.topology_key.is_empty() {
            empty.push("a pod affinity term has an empty topologyKey".to_owned());
        }
        let selector = term.label_selector.as_ref();
        let keys = (selector
            .and_then(|s| s.match_expressions.as_ref())
            .into_iter()
            .flatten())
        .map(|e| e.key.as_str());
        if keys
            .chain(
                selector
                    .and_then(|s| s.match_labels.as_ref())
                    .into_iter()
                    .flatten()
                    .map(|(k, _)| k.as_str()),
            )
            .any(str::is_empty)
        {
            empty.push("a pod affinity term's selector has an empty label key".to_owned());
        }
    }
    for constraint in spec.topology_spread_constraints.iter().flatten() {
        if constraint.topology_key.is_empty() {
            empty.push("a topology spread constraint has an empty topologyKey".to_owned());
        }
        if constraint.max_skew < 1 {
            report(
                &VALUE_COUNT,
                format!(
                    "a topology spread constraint has maxSkew {}; it must be at least 1",
                    constraint.max_skew
                ),
            );
        }
    }
    for message in empty {
        report(&VALUE_SELECTOR, message);
    }
}

/// Counts the API server refuses when negative (or, for some, zero).
fn counts(object: &Rendered, report: &mut Report) {
    let spec = object.json().get("spec");
    let int = |path: &[&str]| {
        spec.and_then(|spec| spec.at(path))
            .and_then(|value| value.as_number())
            .and_then(|n| n.as_i64())
    };
    let fields: &[(&[&str], i64)] = match (object.group(), object.kind()) {
        ("apps", "Deployment" | "StatefulSet" | "ReplicaSet") | ("", "ReplicationController") => &[
            (&["replicas"], 0),
            (&["minReadySeconds"], 0),
            (&["revisionHistoryLimit"], 0),
        ],
        ("batch", "Job") => &[
            (&["parallelism"], 0),
            (&["completions"], 0),
            (&["backoffLimit"], 0),
            (&["activeDeadlineSeconds"], 1),
            (&["ttlSecondsAfterFinished"], 0),
        ],
        ("batch", "CronJob") => &[
            (&["successfulJobsHistoryLimit"], 0),
            (&["failedJobsHistoryLimit"], 0),
            (&["startingDeadlineSeconds"], 0),
            (&["jobTemplate", "spec", "parallelism"], 0),
            (&["jobTemplate", "spec", "completions"], 0),
            (&["jobTemplate", "spec", "backoffLimit"], 0),
        ],
        ("autoscaling", "HorizontalPodAutoscaler") => &[(&["minReplicas"], 1), (&["maxReplicas"], 1)],
        ("policy", "PodDisruptionBudget") => &[(&["minAvailable"], 0), (&["maxUnavailable"], 0)],
        _ => return,
    };
    for (path, minimum) in fields {
        if let Some(value) = int(path).filter(|value| value < minimum) {
            report(
                &VALUE_COUNT,
                format!("{} is {value}; it must be at least {minimum}", path.join(".")),
            );
        }
    }
}

/// A claim asks for storage: a size above zero.
fn claims(object: &Rendered, report: &mut Report) {
    let claims: Vec<(String, Json)> = match (object.group(), object.kind()) {
        ("", "PersistentVolumeClaim") => object
            .json()
            .get("spec")
            .map(|spec| (String::new(), spec))
            .into_iter()
            .collect(),
        ("apps", "StatefulSet") => (object.json().at(&["spec", "volumeClaimTemplates"]))
            .and_then(|templates| templates.as_array())
            .into_iter()
            .flatten()
            .filter_map(|claim| {
                let name = claim
                    .at(&["metadata", "name"])
                    .and_then(|name| name.as_str())
                    .unwrap_or_default();
                Some((format!("volume claim template \"{name}\": "), claim.get("spec")?))
            })
            .collect(),
        _ => return,
    };
    for (which, spec) in claims {
        let size = spec
            .at(&["resources", "requests", "storage"])
            .and_then(|size| size.as_str().map(str::to_owned));
        match size.as_deref().map(|size| (size, quantity(size))) {
            None => report(
                &VALUE_CLAIM_SIZE,
                format!("{which}requests no storage (resources.requests.storage)"),
            ),
            Some((size, Some(bytes))) if bytes <= 0.0 => report(
                &VALUE_CLAIM_SIZE,
                format!("{which}requests {size} of storage; a claim needs more than nothing"),
            ),
            _ => {}
        }
    }
}

/// Entries written twice where the API server refuses or merges them: Service ports, keys of
/// a ConfigMap's or Secret's two maps, and files the kubelet reserves.
fn duplicates(object: &Rendered, report: &mut Report) {
    let json = object.json();
    if object.is("", "Service") {
        let ports: Vec<Json> = (json
            .at(&["spec", "ports"])
            .and_then(|ports| ports.as_array())
            .into_iter()
            .flatten())
        .collect();
        let mut names: BTreeMap<&str, usize> = BTreeMap::new();
        let mut numbers: BTreeMap<String, usize> = BTreeMap::new();
        for port in &ports {
            if let Some(name) = port.get("name").and_then(|name| name.as_str()) {
                *names.entry(name).or_default() += 1;
            }
            let number = port
                .get("port")
                .and_then(|number| number.as_number())
                .map(|n| n.to_string())
                .unwrap_or_default();
            let protocol = port.get("protocol").and_then(|p| p.as_str()).unwrap_or("TCP");
            *numbers.entry(format!("{number}/{protocol}")).or_default() += 1;
        }
        for (name, _) in names.iter().filter(|(_, count)| **count > 1) {
            report(&OBJECT_DUPLICATES, format!("port name \"{name}\" is used twice"));
        }
        for (number, _) in numbers.iter().filter(|(_, count)| **count > 1) {
            report(&OBJECT_DUPLICATES, format!("port {number} is exposed twice"));
        }
    }
    let maps: &[&str] = match (object.group(), object.kind()) {
        ("", "ConfigMap") => &["data", "binaryData"],
        ("", "Secret") => &["data", "stringData"],
        _ => return,
    };
    let keys = |field: &str| -> Vec<&str> {
        (json.get(field).and_then(|map| map.as_object()).into_iter().flatten())
            .map(|(key, _)| key)
            .collect()
    };
    let (first, second) = (keys(maps[0]), keys(maps[1]));
    for key in first.iter().filter(|key| second.contains(key)) {
        report(
            &OBJECT_DUPLICATES,
            format!(
                "key \"{key}\" is in both {} and {}; one silently replaces the other",
                maps[0], maps[1]
            ),
        );
    }
}

/// Durations Envoy is configured with, and retry policies, in the form Istio accepts.
fn istio_values(object: &Rendered, report: &mut Report) {
    const DURATIONS: [&str; 9] = [
        "timeout",
        "perTryTimeout",
        "fixedDelay",
        "connectTimeout",
        "idleTimeout",
        "interval",
        "baseEjectionTime",
        "maxConnectionDuration",
        "time",
    ];
    let mut found = Vec::new();
    walk(object.json().get("spec"), "spec", &mut |path, key, value| {
        if DURATIONS.contains(&key)
            && let Some(text) = value.as_str()
        {
            match duration(text) {
                None => found.push(format!(
                    "{path} \"{text}\" is not a duration Istio accepts (e.g. 1.5s, 300ms, 2m)"
                )),
                Some(seconds) if seconds < 0.001 => {
                    found.push(format!("{path} \"{text}\" is below 1ms, the least Istio accepts"))
                }
                Some(_) => {}
            }
        }
        if key == "retryOn"
            && let Some(text) = value.as_str()
        {
            for policy in text.split(',').map(str::trim) {
                if !RETRY_POLICIES.contains(&policy) && policy.parse::<u16>().is_err() {
                    found.push(format!(
                        "{path} names \"{policy}\", which is no retry policy Envoy knows"
                    ));
                }
            }
        }
    });
    for message in found {
        report(&MESH_DURATION, message);
    }
}

/// Calls `visit(path, key, value)` for every field below `value`.
fn walk(value: Option<Json>, path: &str, visit: &mut dyn FnMut(&str, &str, Json)) {
    let Some(value) = value else { return };
    if let Some(fields) = value.as_object() {
        for (key, child) in fields {
            let below = format!("{path}.{key}");
            visit(&below, key, child);
            walk(Some(child), &below, visit);
        }
    } else if let Some(items) = value.as_array() {
        for (position, item) in items.enumerate() {
            walk(Some(item), &format!("{path}[{position}]"), visit);
        }
    }
}

/// Containers of a pod that joins the mesh listen on no port Istio's sidecar takes.
fn reserved_ports(spec: &PodSpec, report: &mut Report) {
    for container in spec.init_containers.iter().flatten().chain(&spec.containers) {
        for port in
            (container.ports.iter().flatten()).filter(|port| ISTIO_RESERVED_PORTS.contains(&port.container_port))
        {
            report(
                &MESH_RESERVED_PORT,
                format!(
                    "container \"{}\": port {} is one Istio's sidecar listens on in every pod of the mesh",
                    container.name, port.container_port
                ),
            );
        }
    }
}

/// The namespaces every cluster has.
const BUILT_IN_NAMESPACES: [&str; 4] = ["default", "kube-system", "kube-public", "kube-node-lease"];

/// The namespaces a reference may name: those the release creates or writes into, those of the
/// services and scraper the platform declares, and the cluster's own.
fn known_namespaces<'a>(index: &Index<'a>) -> Vec<&'a str> {
    let facts = index.facts();
    let mut known: Vec<&'a str> = BUILT_IN_NAMESPACES.to_vec();
    known.extend(index.of_kind("", "Namespace").map(Rendered::name));
    known.extend(index.objects().iter().filter_map(Rendered::namespace));
    known.extend(
        facts
            .provided_services
            .iter()
            .map(|provided| provided.namespace.as_str()),
    );
    known.extend(facts.scraper.iter().map(|scraper| scraper.namespace.as_str()));
    known.sort_unstable();
    known.dedup();
    known
}

/// Namespaces an object names (a NetworkPolicy's or AuthorizationPolicy's sources, where a
/// routing object is exported to, a `<service>.<namespace>.svc` address in a ConfigMap or an
/// environment variable) exist in the release or the platform.
fn namespace_references(object: &Rendered, known: &[&str], report: &mut Report) {
    let mut named: Vec<(String, String)> = Vec::new();
    walk(Some(object.json()), "", &mut |path, key, value| {
        let text = value.as_str();
        match key {
            "kubernetes.io/metadata.name" if path.contains("namespaceSelector") => {
                named.extend(text.map(|namespace| (namespace.to_owned(), format!("its namespace selector ({path})"))));
            }
            "namespaces" | "notNamespaces" => {
                named.extend((value.as_array().into_iter().flatten()).filter_map(|namespace| {
                    Some((
                        namespace.as_str()?.to_owned(),
                        format!("`{key}` of an authorization rule"),
                    ))
                }))
            }
            "exportTo" => named.extend(
                (value.as_array().into_iter().flatten())
                    .filter_map(|namespace| namespace.as_str())
                    .filter(|namespace| !matches!(*namespace, "." | "*" | "~"))
                    .map(|namespace| (namespace.to_owned(), "its `exportTo`".to_owned())),
            ),
            "value" if path.contains(".env[") => {
                named.extend(
                    text.into_iter()
                        .flat_map(addressed_namespaces)
                        .map(|namespace| (namespace, format!("the address in {path}"))),
                );
            }
            _ if path.starts_with(".data.") && matches!(object.kind(), "ConfigMap") => {
                named.extend(
                    text.into_iter()
                        .flat_map(addressed_namespaces)
                        .map(|namespace| (namespace, format!("the address in data key {key}"))),
                );
            }
            _ => {}
        }
    });
    named.sort();
    named.dedup();
    for (namespace, source) in named
        .into_iter()
        .filter(|(namespace, _)| !known.contains(&namespace.as_str()))
    {
        report(
            &REFERENCE_NAMESPACE,
            format!(
                "{source} names namespace \"{namespace}\", which no object of the release creates or lives in and the platform does not declare"
            ),
        );
    }
}

/// The namespaces of the in-cluster addresses (`<service>.<namespace>.svc[.cluster.local]`) in
/// `text`.
fn addressed_namespaces(text: &str) -> Vec<String> {
    let is_label = |part: &str| {
        !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    };
    (text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-')))
        .filter_map(|word| {
            let parts: Vec<&str> = word.split('.').collect();
            let svc = parts.iter().position(|part| *part == "svc")?;
            (svc >= 2 && is_label(parts[svc - 1]) && is_label(parts[svc - 2])).then(|| parts[svc - 1].to_owned())
        })
        .collect()
}
