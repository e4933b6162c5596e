//! What the API server would reject, on every object however it was built: names too long
//! for their kind, invalid labels in selectors and pod templates, invalid ConfigMap, Secret
//! and environment variable keys, resource quantities that do not parse, ports out of range.

use k8s_openapi::api::core::v1::{ConfigMap, Secret, Service};
use kumiki_core::Rule;

use super::workloads::quantity;
use super::{Index, Problems};

/// Every structural problem of the environment.
pub(crate) fn check<'a>(index: &Index<'a>, problems: &mut Problems<'a>) {
    for entry in &index.objects {
        let object = entry.declared.object.as_ref();
        let any = object.as_any();
        let metadata = object.metadata();
        let name = metadata.name.as_deref().unwrap_or_default();
        // Named only when something is wrong: most objects are fine, and this runs for each.
        let describe = || {
            let namespace = metadata
                .namespace
                .as_deref()
                .map(|ns| format!("{ns}/"))
                .unwrap_or_default();
            format!("{} {namespace}{name}", object.kind())
        };
        let mut problem = |message: String| problems.report(entry.origin, format!("{}: {message}", describe()));
        match (object.group(), object.kind()) {
            // Their names become DNS labels (a Service's host name, a namespace's).
            ("", "Service" | "Namespace") => {
                if let Err(violation) = Rule::Name.validate(name) {
                    problem(format!("{violation} (a {} name is a DNS label)", object.kind()));
                }
            }
            // Their controllers append to the name, and the result must stay a label.
            ("apps", "StatefulSet") | ("batch", "CronJob") if name.len() > 52 => problem(format!(
                "name \"{name}\" has {} characters; a {} name has at most 52",
                name.len(),
                object.kind()
            )),
            _ => {}
        }
        let keys: Vec<&String> = if let Some(config_map) = any.downcast_ref::<ConfigMap>() {
            (config_map.data.iter().flat_map(|data| data.keys()))
                .chain(config_map.binary_data.iter().flat_map(|data| data.keys()))
                .collect()
        } else if let Some(secret) = any.downcast_ref::<Secret>() {
            (secret.data.iter().flat_map(|data| data.keys()))
                .chain(secret.string_data.iter().flat_map(|data| data.keys()))
                .collect()
        } else {
            Vec::new()
        };
        for key in keys.into_iter().filter(|key| !valid_data_key(key)) {
            problem(format!(
                "data key \"{key}\" may contain only letters, digits, '-', '_' and '.' (at most 253)"
            ));
        }
        if let Some(service) = any.downcast_ref::<Service>()
            && let Some(spec) = &service.spec
        {
            for (key, value) in spec.selector.iter().flatten() {
                for message in label_problems(key, value) {
                    problem(format!("selector: {message}"));
                }
            }
            for port in spec.ports.iter().flatten() {
                if !(1..=65535).contains(&port.port) {
                    problem(format!("port {} is outside 1..=65535", port.port));
                }
                if let Some(node_port) = port.node_port.filter(|node_port| !(30000..=32767).contains(node_port)) {
                    problem(format!(
                        "nodePort {node_port} is outside the default range 30000..=32767"
                    ));
                }
            }
        }
    }
    for workload in &index.workloads.all {
        let mut problem =
            |message: String| problems.report(workload.origin, format!("{}: {message}", workload.describe()));
        for (key, value) in workload.pod_labels.into_iter().flatten() {
            for message in label_problems(key, value) {
                problem(format!("pod template label: {message}"));
            }
        }
        for (key, value) in workload.selector.match_labels.iter().flatten() {
            for message in label_problems(key, value) {
                problem(format!("selector: {message}"));
            }
        }
    }
    for pod in &index.pods {
        let mut problem = |message: String| problems.report(pod.origin, format!("{}: {message}", pod.describe()));
        let containers = pod.spec.init_containers.iter().flatten().chain(&pod.spec.containers);
        for container in containers {
            let name = &container.name;
            for variable in container.env.iter().flatten().filter(|var| !valid_env_name(&var.name)) {
                problem(format!(
                    "container \"{name}\": variable name \"{}\" may contain only letters, digits, '_', '-' and '.', and not start with a digit",
                    variable.name
                ));
            }
            let resources = container.resources.as_ref();
            let quantities = (resources.and_then(|r| r.requests.as_ref()).into_iter().flatten())
                .chain(resources.and_then(|r| r.limits.as_ref()).into_iter().flatten());
            for (resource, value) in quantities.filter(|(_, value)| quantity(&value.0).is_none()) {
                problem(format!(
                    "container \"{name}\": {resource} \"{}\" is not a quantity",
                    value.0
                ));
            }
            for port in container.ports.iter().flatten() {
                if !(1..=65535).contains(&port.container_port) {
                    problem(format!(
                        "container \"{name}\": port {} is outside 1..=65535",
                        port.container_port
                    ));
                }
            }
        }
    }
}

fn label_problems(key: &str, value: &str) -> Vec<String> {
    let key_problem = Rule::LabelKey.validate(key).err().map(|v| v.to_string());
    let value_problem = (Rule::LabelValue.validate(value).err()).map(|v| format!("label {key}: {v}"));
    key_problem.into_iter().chain(value_problem).collect()
}

/// A ConfigMap or Secret key: `[-._a-zA-Z0-9]+`, at most 253 characters.
fn valid_data_key(key: &str) -> bool {
    !key.is_empty() && key.len() <= 253 && key.chars().all(|c| c.is_ascii_alphanumeric() || "-._".contains(c))
}

/// An environment variable name as the API server has always accepted it.
fn valid_env_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "-._".contains(c))
}
