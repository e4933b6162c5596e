//! What the API server would reject, on every object however it was built: names too long
//! for their kind, invalid labels in selectors and pod templates, invalid ConfigMap, Secret
//! and environment variable keys, resource quantities that do not parse, ports out of range.

use kumiki_core::Rule as Syntax;

use super::grammar::quantity;
use super::index::{Index, Rendered};
use super::{Problems, STRUCTURE_KEYS, STRUCTURE_LABELS, STRUCTURE_NAME, STRUCTURE_PORTS, STRUCTURE_QUANTITY};

/// Every structural problem of the environment.
pub(crate) fn check<'a>(index: &Index<'a>, problems: &mut Problems<'a>) {
    for object in index.objects() {
        names(object, problems);
        data_keys(object, problems);
    }
    services(index, problems);
    pods(index, problems);
}

/// Names that become DNS labels, or that a controller appends to.
fn names<'a>(object: &Rendered<'a>, problems: &mut Problems<'a>) {
    let name = object.name();
    match (object.group(), object.kind()) {
        ("", "Service" | "Namespace") => {
            if let Err(violation) = Syntax::Name.validate(name) {
                problems.report_as(
                    &STRUCTURE_NAME,
                    object.origin(),
                    format!(
                        "{}: {violation} (a {} name is a DNS label)",
                        object.describe(),
                        object.kind()
                    ),
                );
            }
        }
        ("apps", "StatefulSet") | ("batch", "CronJob") if name.len() > 52 => problems.report_as(
            &STRUCTURE_NAME,
            object.origin(),
            format!(
                "{}: name \"{name}\" has {} characters; a {} name has at most 52",
                object.describe(),
                name.len(),
                object.kind()
            ),
        ),
        _ => {}
    }
}

/// ConfigMap and Secret keys.
fn data_keys<'a>(object: &Rendered<'a>, problems: &mut Problems<'a>) {
    let fields: &[&str] = match (object.group(), object.kind()) {
        ("", "ConfigMap") => &["data", "binaryData"],
        ("", "Secret") => &["data", "stringData"],
        _ => return,
    };
    let maps = fields.iter().filter_map(|field| object.json().get(field)?.as_object());
    for key in maps.flat_map(|map| map.map(|(key, _)| key)) {
        let problem = if key == "." || key.starts_with("..") {
            "may not be \".\" or start with \"..\": the kubelet keeps those names for itself in a mounted volume"
        } else if !valid_data_key(key) {
            "may contain only letters, digits, '-', '_' and '.' (at most 253)"
        } else {
            continue;
        };
        problems.report_as(
            &STRUCTURE_KEYS,
            object.origin(),
            format!("{}: data key \"{key}\" {problem}", object.describe()),
        );
    }
}

fn services<'a>(index: &Index<'a>, problems: &mut Problems<'a>) {
    for service in &index.services {
        let Some(spec) = &service.value.spec else { continue };
        let object = service.object;
        let mut problem = |rule, message: String| {
            problems.report_as(rule, object.origin(), format!("{}: {message}", object.describe()));
        };
        for (key, value) in spec.selector.iter().flatten() {
            for message in label_problems(key, value) {
                problem(&STRUCTURE_LABELS, format!("selector: {message}"));
            }
        }
        for port in spec.ports.iter().flatten() {
            if !(1..=65535).contains(&port.port) {
                problem(&STRUCTURE_PORTS, format!("port {} is outside 1..=65535", port.port));
            }
            if let Some(node_port) = port.node_port.filter(|node_port| !(30000..=32767).contains(node_port)) {
                problem(
                    &STRUCTURE_PORTS,
                    format!("nodePort {node_port} is outside the default range 30000..=32767"),
                );
            }
        }
    }
}

fn pods<'a>(index: &Index<'a>, problems: &mut Problems<'a>) {
    for pod in index.pods() {
        let mut problem = |rule, message: String| {
            problems.report_as(rule, pod.object.origin(), format!("{}: {message}", pod.describe()));
        };
        for (key, value) in &pod.labels {
            for message in label_problems(key, value) {
                problem(&STRUCTURE_LABELS, format!("pod template label: {message}"));
            }
        }
        let selector = pod
            .selector
            .as_ref()
            .and_then(|selector| selector.match_labels.as_ref());
        for (key, value) in selector.into_iter().flatten() {
            for message in label_problems(key, value) {
                problem(&STRUCTURE_LABELS, format!("selector: {message}"));
            }
        }
        let containers = pod.spec.init_containers.iter().flatten().chain(&pod.spec.containers);
        for container in containers {
            let name = &container.name;
            for variable in container.env.iter().flatten().filter(|var| !valid_env_name(&var.name)) {
                problem(
                    &STRUCTURE_KEYS,
                    format!(
                        "container \"{name}\": variable name \"{}\" may contain only letters, digits, '_', '-' and '.', \
                         and not start with a digit",
                        variable.name
                    ),
                );
            }
            let resources = container.resources.as_ref();
            let quantities = (resources.and_then(|r| r.requests.as_ref()).into_iter().flatten())
                .chain(resources.and_then(|r| r.limits.as_ref()).into_iter().flatten());
            for (resource, value) in quantities.filter(|(_, value)| quantity(&value.0).is_none()) {
                problem(
                    &STRUCTURE_QUANTITY,
                    format!("container \"{name}\": {resource} \"{}\" is not a quantity", value.0),
                );
            }
            for port in container
                .ports
                .iter()
                .flatten()
                .filter(|port| !(1..=65535).contains(&port.container_port))
            {
                problem(
                    &STRUCTURE_PORTS,
                    format!(
                        "container \"{name}\": port {} is outside 1..=65535",
                        port.container_port
                    ),
                );
            }
        }
    }
}

fn label_problems(key: &str, value: &str) -> Vec<String> {
    let key_problem = Syntax::LabelKey.validate(key).err().map(|v| v.to_string());
    let value_problem = (Syntax::LabelValue.validate(value).err()).map(|v| format!("label {key}: {v}"));
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
