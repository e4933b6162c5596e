//! What a reviewer must see first: kind importance, changes Kubernetes rejects or that force a
//! replacement, and image bumps.

use std::collections::BTreeSet;
use std::fmt;

use serde_json::Value;

use crate::key::ObjectKey;

/// The order a reviewer reads kinds in: what decides where everything else goes first.
pub(crate) fn importance(key: &ObjectKey) -> u8 {
    match (key.group.as_str(), key.kind.as_str()) {
        ("argoproj.io", "AppProject") => 0,
        ("argoproj.io", _) => 1,
        ("", "Namespace") => 2,
        ("apiextensions.k8s.io", "CustomResourceDefinition") => 3,
        (group, _) if is_custom(group) => 4,
        (_, "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" | "CronJob") => 5,
        ("", "Service") => 6,
        _ => 7,
    }
}

/// A group served by a CustomResourceDefinition rather than by Kubernetes itself.
fn is_custom(group: &str) -> bool {
    group.contains('.') && !group.ends_with(".k8s.io")
}

/// A field Kubernetes refuses to update in place.
struct Immutable {
    group: &'static str,
    kinds: &'static [&'static str],
    pointer: &'static str,
}

const WORKLOADS: &[&str] = &["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"];

const IMMUTABLE: &[Immutable] = &[
    Immutable {
        group: "apps",
        kinds: WORKLOADS,
        pointer: "/spec/selector",
    },
    Immutable {
        group: "apps",
        kinds: &["StatefulSet"],
        pointer: "/spec/volumeClaimTemplates",
    },
    Immutable {
        group: "apps",
        kinds: &["StatefulSet"],
        pointer: "/spec/serviceName",
    },
    Immutable {
        group: "apps",
        kinds: &["StatefulSet"],
        pointer: "/spec/podManagementPolicy",
    },
    Immutable {
        group: "batch",
        kinds: &["Job"],
        pointer: "/spec/selector",
    },
    Immutable {
        group: "batch",
        kinds: &["Job"],
        pointer: "/spec/template",
    },
    Immutable {
        group: "",
        kinds: &["Service"],
        pointer: "/spec/clusterIP",
    },
    Immutable {
        group: "",
        kinds: &["PersistentVolumeClaim"],
        pointer: "/spec/storageClassName",
    },
];

/// Warnings for a changed object: updates Kubernetes rejects (the sync fails until the object
/// is replaced) and changes that replace or re-expose it.
pub(crate) fn warnings(key: &ObjectKey, before: &Value, after: &Value) -> Vec<String> {
    let mut warnings = Vec::new();
    for rule in IMMUTABLE {
        if rule.group == key.group
            && rule.kinds.contains(&key.kind.as_str())
            && before.pointer(rule.pointer) != after.pointer(rule.pointer)
        {
            warnings.push(format!(
                "{key}: {} changes{}, which Kubernetes rejects: the sync fails until the {} is deleted and recreated (a replacement)",
                field(rule.pointer),
                scalar_change(before.pointer(rule.pointer), after.pointer(rule.pointer)),
                key.kind
            ));
        }
    }
    if key.group.is_empty() && key.kind == "Service" {
        let (old_type, new_type) = (service_type(before), service_type(after));
        if old_type != new_type {
            let replaced = if old_type == "ExternalName" || new_type == "ExternalName" {
                "; to or from ExternalName the Service is replaced"
            } else {
                ""
            };
            warnings.push(format!(
                "{key}: spec.type changes ({old_type} → {new_type}): clients reach it differently{replaced}"
            ));
        }
    }
    let is_immutable = |value: &Value| value.pointer("/immutable") == Some(&Value::Bool(true));
    if key.group.is_empty()
        && matches!(key.kind.as_str(), "ConfigMap" | "Secret")
        && is_immutable(before)
        && ["/data", "/binaryData", "/stringData"]
            .iter()
            .any(|pointer| before.pointer(pointer) != after.pointer(pointer))
    {
        warnings.push(format!(
            "{key} is immutable and its data changes, which Kubernetes rejects: give it a new name (a Microservice's config does)"
        ));
    }
    warnings
}

/// `/spec/clusterIP` → `spec.clusterIP`.
fn field(pointer: &str) -> String {
    pointer.trim_start_matches('/').replace('/', ".")
}

/// ` (a → b)` when both sides are short scalars, else nothing.
fn scalar_change(before: Option<&Value>, after: Option<&Value>) -> String {
    let show = |value: Option<&Value>| match value {
        None => Some("unset".to_owned()),
        Some(Value::String(text)) => Some(text.clone()),
        Some(Value::Number(number)) => Some(number.to_string()),
        Some(Value::Bool(flag)) => Some(flag.to_string()),
        _ => None,
    };
    match (show(before), show(after)) {
        (Some(before), Some(after)) => format!(" ({before} → {after})"),
        _ => String::new(),
    }
}

fn service_type(service: &Value) -> &str {
    service
        .pointer("/spec/type")
        .and_then(Value::as_str)
        .unwrap_or("ClusterIP")
}

/// A container whose image version changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageBump {
    /// The app of the workload.
    pub app: String,
    /// The container.
    pub container: String,
    /// The image before.
    pub from: String,
    /// The image after.
    pub to: String,
    /// The earlier environment that already runs `to`, when the bump is a promotion of the
    /// same build (set by [`mark_promotions`]).
    pub promoted_from: Option<String>,
}

/// The images an environment's release runs: every `image:` value in its files. Read from
/// the text kumiki writes (one `image: <ref>` line per container), without parsing.
pub fn running_images(tree: &crate::Tree) -> BTreeSet<String> {
    (tree.values().flat_map(|text| text.lines()))
        .filter_map(|line| {
            let line = line.trim_start();
            let line = line.strip_prefix("- ").unwrap_or(line);
            let image = line.strip_prefix("image: ")?.trim();
            Some(image.trim_matches(|c| c == '\'' || c == '"').to_owned())
        })
        .collect()
}

/// Marks each image bump of `diffs` whose new image an earlier environment already runs
/// (the nearest one, in `running`'s order, which is the promotion order) as promoted from it.
pub fn mark_promotions(diffs: &mut [crate::EnvDiff], running: &[(String, BTreeSet<String>)]) {
    for diff in diffs {
        let Some(position) = running.iter().position(|(env, _)| *env == diff.env) else {
            continue;
        };
        for bump in diff.changes.iter_mut().flat_map(|change| &mut change.image_bumps) {
            bump.promoted_from = (running[..position].iter().rev())
                .find(|(_, images)| images.contains(&bump.to))
                .map(|(env, _)| env.clone());
        }
    }
}

impl fmt::Display for ImageBump {
    /// `account/gin: …/account-gin-repository 1.4.0 → 1.5.0` (app, container, repository,
    /// versions), the form `set-image` prints; when the repository changes too, each side
    /// names its own: `account/gin: …/old 1.4.0 → …/new 1.5.0`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (from_repository, from_version) = split_image(&self.from);
        let (to_repository, to_version) = split_image(&self.to);
        let (app, container) = (&self.app, &self.container);
        if from_repository == to_repository {
            write!(
                f,
                "{app}/{container}: {} {from_version} → {to_version}",
                short_repository(to_repository)
            )
        } else {
            write!(
                f,
                "{app}/{container}: {} {from_version} → {} {to_version}",
                short_repository(from_repository),
                short_repository(to_repository)
            )
        }
    }
}

/// The bumps of `changes`, each once: a canary's workloads and the stable one, or two
/// workloads of an app running the same container, bump the same image.
pub fn distinct_bumps<'a>(changes: impl IntoIterator<Item = &'a crate::ObjectChange>) -> Vec<&'a ImageBump> {
    let mut bumps: Vec<&ImageBump> = Vec::new();
    for bump in changes.into_iter().flat_map(|change| &change.image_bumps) {
        if !bumps.contains(&bump) {
            bumps.push(bump);
        }
    }
    bumps
}

/// Repository and tag (or digest) of an image reference; an untagged image runs `latest`.
fn split_image(image: &str) -> (&str, &str) {
    if let Some((repository, digest)) = image.split_once('@') {
        return (repository, digest);
    }
    let last_slash = image.rfind('/').map_or(0, |i| i + 1);
    match image[last_slash..].rfind(':') {
        Some(colon) => (&image[..last_slash + colon], &image[last_slash + colon + 1..]),
        None => (image, "(untagged: latest)"),
    }
}

/// The repository without its registry host: the part a reviewer recognizes.
fn short_repository(repository: &str) -> String {
    match repository.split_once('/') {
        Some((host, rest)) if host.contains(['.', ':']) || host == "localhost" => format!("…/{rest}"),
        _ => repository.to_owned(),
    }
}

/// Where the pod spec of a workload kind lives.
fn pod_spec(value: &Value) -> Option<&Value> {
    match value.pointer("/kind").and_then(Value::as_str)? {
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" => value.pointer("/spec/template/spec"),
        "CronJob" => value.pointer("/spec/jobTemplate/spec/template/spec"),
        "Pod" => value.pointer("/spec"),
        _ => None,
    }
}

fn images(value: &Value) -> Vec<(&str, &str)> {
    let Some(pod) = pod_spec(value) else {
        return Vec::new();
    };
    ["initContainers", "containers"]
        .iter()
        .filter_map(|field| pod.get(field).and_then(Value::as_array))
        .flatten()
        .filter_map(|container| Some((container.get("name")?.as_str()?, container.get("image")?.as_str()?)))
        .collect()
}

/// Containers present on both sides whose image changes.
pub(crate) fn image_bumps(app: &str, before: &Value, after: &Value) -> Vec<ImageBump> {
    let before = images(before);
    images(after)
        .into_iter()
        .filter_map(|(container, to)| {
            let (_, from) = before.iter().find(|(name, _)| *name == container)?;
            (*from != to).then(|| ImageBump {
                app: app.to_owned(),
                container: container.to_owned(),
                from: (*from).to_owned(),
                to: to.to_owned(),
                promoted_from: None,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_split_into_repository_and_version() {
        assert_eq!(
            split_image("registry:5000/team/app:1.2"),
            ("registry:5000/team/app", "1.2")
        );
        assert_eq!(
            split_image("registry:5000/team/app"),
            ("registry:5000/team/app", "(untagged: latest)")
        );
        assert_eq!(split_image("app@sha256:abc"), ("app", "sha256:abc"));
        assert_eq!(
            short_repository("1.dkr.ecr.r.amazonaws.com/account-gin"),
            "…/account-gin"
        );
        assert_eq!(short_repository("acme/shop"), "acme/shop");
    }
}
