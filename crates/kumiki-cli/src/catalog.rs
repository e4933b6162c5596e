//! `cargo xtask catalog`: every service's images, ports and placement in one table, read from
//! the model (the objects that would be synthesized), so the table cannot disagree with
//! `release/`.

use std::collections::BTreeMap;

use kumiki::k8s_openapi::api::core::v1::{PodSpec, Service};
use kumiki::k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kumiki::model::pod_template;
use kumiki::platform::{GatewayListener, NODE_GROUP_LABEL};
use kumiki::prelude::App;

/// One container of a service's workload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// The service (its app).
    pub service: String,
    /// The Deployment or StatefulSet.
    pub workload: String,
    /// The container.
    pub container: String,
    /// The image without its tag: registry and repository.
    pub repository: String,
    /// The image tag.
    pub tag: String,
    /// Container ports, `<number>/<name>`.
    pub ports: Vec<String>,
    /// Service ports forwarding to those container ports, `<service>:<port>`.
    pub service_ports: Vec<String>,
    /// Ingress gateway listeners reaching those Service ports, `<name>:<port>` (and NodePort).
    pub listeners: Vec<String>,
    /// The node group the pods are pinned to, `-` when none.
    pub node_group: String,
}

/// The rows of `apps` whose names are in `services`, in service, workload, container order.
pub fn rows(apps: &[App], services: &[&str]) -> Vec<Row> {
    let mut rows = Vec::new();
    for app in apps.iter().filter(|app| services.contains(&app.name().as_str())) {
        let services: Vec<&Service> = (app.objects().iter())
            .filter_map(|declared| declared.object.as_any().downcast_ref::<Service>())
            .collect();
        let listeners: Vec<&GatewayListener> = app.published::<GatewayListener>().collect();
        for (workload, labels, pod) in workloads(app) {
            for container in &pod.containers {
                let image = container.image.as_deref().unwrap_or_default();
                let (repository, tag) = split_image(image);
                let container_ports: Vec<(i32, &str)> = (container.ports.iter().flatten())
                    .map(|port| (port.container_port, port.name.as_deref().unwrap_or_default()))
                    .collect();
                let mut service_ports = Vec::new();
                let mut listener_names = Vec::new();
                for service in &services {
                    let name = service.metadata.name.as_deref().unwrap_or_default();
                    let spec = service.spec.as_ref();
                    let selector = spec.and_then(|s| s.selector.as_ref());
                    let selects =
                        selector.is_some_and(|selector| selector.iter().all(|(k, v)| labels.get(k) == Some(v)));
                    if !selects {
                        continue;
                    }
                    for port in spec.and_then(|s| s.ports.as_ref()).into_iter().flatten() {
                        let targets_container =
                            container_ports
                                .iter()
                                .any(|(number, port_name)| match &port.target_port {
                                    Some(IntOrString::String(target)) => target == port_name,
                                    Some(IntOrString::Int(target)) => target == number,
                                    None => port.port == *number,
                                });
                        if !targets_container {
                            continue;
                        }
                        service_ports.push(format!("{name}:{}", port.port));
                        for gateway in listeners
                            .iter()
                            .filter(|l| i32::from(l.listener.port.get()) == port.port)
                        {
                            let listener = &gateway.listener;
                            listener_names.push(match listener.node_port {
                                Some(node_port) => {
                                    format!("{}:{} (NodePort {node_port})", listener.name, listener.port)
                                }
                                None => format!("{}:{}", listener.name, listener.port),
                            });
                        }
                    }
                }
                rows.push(Row {
                    service: app.name().to_string(),
                    workload: workload.clone(),
                    container: container.name.clone(),
                    repository: repository.to_owned(),
                    tag,
                    ports: (container_ports.iter())
                        .map(|(number, name)| format!("{number}/{name}"))
                        .collect(),
                    service_ports,
                    listeners: listener_names,
                    node_group: node_group(pod).unwrap_or_else(|| "-".to_owned()),
                });
            }
        }
    }
    rows
}

/// The app's workloads by name, with their pods' labels and specs.
fn workloads(app: &App) -> Vec<(String, BTreeMap<String, String>, &PodSpec)> {
    (app.objects().iter())
        .filter_map(|declared| {
            let object = declared.object.as_ref();
            let template = pod_template(object)?;
            let labels = template
                .metadata
                .as_ref()
                .and_then(|m| m.labels.clone())
                .unwrap_or_default();
            Some((object.metadata().name.clone()?, labels, template.spec.as_ref()?))
        })
        .collect()
}

/// `registry/repository[:tag][@digest]` split into the repository and the version (the tag,
/// `tag@digest` or `@digest`), at the tag's colon (a registry's port colon comes before the
/// last `/`).
fn split_image(image: &str) -> (&str, String) {
    let (name, digest) = match image.split_once('@') {
        Some((name, digest)) => (name, Some(digest)),
        None => (image, None),
    };
    let name_start = name.rfind('/').map_or(0, |slash| slash + 1);
    let (repository, tag) = match name[name_start..].rfind(':') {
        Some(colon) => (&name[..name_start + colon], Some(&name[name_start + colon + 1..])),
        None => (name, None),
    };
    let version = match (tag, digest) {
        (Some(tag), Some(digest)) => format!("{tag}@{digest}"),
        (None, Some(digest)) => format!("@{digest}"),
        (Some(tag), None) => tag.to_owned(),
        (None, None) => "latest".to_owned(),
    };
    (repository, version)
}

/// The node group of a required node affinity on [`NODE_GROUP_LABEL`].
fn node_group(pod: &PodSpec) -> Option<String> {
    let terms = &pod
        .affinity
        .as_ref()?
        .node_affinity
        .as_ref()?
        .required_during_scheduling_ignored_during_execution
        .as_ref()?
        .node_selector_terms;
    let expressions = terms.iter().flat_map(|term| term.match_expressions.iter().flatten());
    let values = (expressions)
        .filter(|expression| expression.key == NODE_GROUP_LABEL && expression.operator == "In")
        .flat_map(|expression| expression.values.iter().flatten())
        .cloned()
        .collect::<Vec<_>>();
    (!values.is_empty()).then(|| values.join(","))
}

/// The rows as an aligned text table with a header line.
pub fn render(rows: &[Row]) -> String {
    let header = [
        "SERVICE",
        "WORKLOAD",
        "CONTAINER",
        "IMAGE REPOSITORY",
        "TAG",
        "CONTAINER PORTS",
        "SERVICE PORTS",
        "INGRESS LISTENER",
        "NODE GROUP",
    ];
    let or_dash = |items: &[String]| {
        if items.is_empty() {
            "-".to_owned()
        } else {
            items.join(", ")
        }
    };
    let cells: Vec<[String; 9]> = rows
        .iter()
        .map(|row| {
            [
                row.service.clone(),
                row.workload.clone(),
                row.container.clone(),
                row.repository.clone(),
                row.tag.clone(),
                or_dash(&row.ports),
                or_dash(&row.service_ports),
                or_dash(&row.listeners),
                row.node_group.clone(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for line in &cells {
        for (width, cell) in widths.iter_mut().zip(line) {
            *width = (*width).max(cell.len());
        }
    }
    let mut out = String::new();
    let mut push_line = |line: &[&str]| {
        let padded: Vec<String> = (line.iter().zip(widths))
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        out.push_str(padded.join("  ").trim_end());
        out.push('\n');
    };
    push_line(&header);
    for line in &cells {
        push_line(&line.each_ref().map(String::as_str));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::split_image;

    #[test]
    fn images_split_at_the_tag_not_at_a_registry_port() {
        assert_eq!(
            split_image("123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/account-gin-repository:d74ac1c"),
            (
                "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/account-gin-repository",
                "d74ac1c".to_owned()
            )
        );
        assert_eq!(
            split_image("localhost:5000/shop/web"),
            ("localhost:5000/shop/web", "latest".to_owned())
        );
        assert_eq!(split_image("account-gin:latest"), ("account-gin", "latest".to_owned()));
        let digest = format!("sha256:{}", "ab".repeat(32));
        assert_eq!(
            split_image(&format!("ghcr.io/acme/web:1.5.0@{digest}")),
            ("ghcr.io/acme/web", format!("1.5.0@{digest}"))
        );
        assert_eq!(
            split_image(&format!("ghcr.io/acme/web@{digest}")),
            ("ghcr.io/acme/web", format!("@{digest}"))
        );
    }
}
