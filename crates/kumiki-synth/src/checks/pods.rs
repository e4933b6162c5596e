//! Pod rules on every pod template of the release, after every patch, however the workload
//! was built (construct, patch, raw object, custom type): the Kubernetes Pod Security
//! Standards' *restricted* profile, and what the platform's policy requires of every pod —
//! resources on every container, readiness and liveness on long-running containers, the
//! workload's own ServiceAccount, valid images, pinned outside dev.
//!
//! Each error names its rule (`[rule: …]`); a [`PodExemption`](crate::PodExemption) published
//! by another app lifts one rule for one app's workloads.

use k8s_openapi::api::core::v1::{Container, PodSpec, SecurityContext};
use kumiki_core::{EnvId, Invalid, NODE_GROUP_LABEL, Rule};

use super::index::Pod;
use super::{Index, Problems};
use crate::exemption::{PodExemption, PodRule};

/// The volume types the restricted profile allows.
const ALLOWED_VOLUMES: [&str; 8] = [
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

/// Every pod problem of the environment.
pub(crate) fn check<'a>(index: &Index<'a>, problems: &mut Problems<'a>) {
    let exemptions: Vec<(&str, &PodExemption)> = (index.exemptions.iter())
        .map(|(publisher, exemption)| (*publisher, *exemption))
        .collect();
    // The rules each app is exempted from, by apps other than itself.
    let mut exempted: std::collections::HashMap<&str, Vec<PodRule>> = std::collections::HashMap::new();
    for (publisher, exemption) in &exemptions {
        let origin = index.apps.iter().find(|app| app.app == *publisher);
        let refusal = if *publisher == exemption.app.as_str() {
            Some(format!(
                "app {publisher} exempts its own workloads from rule {}: only the platform may declare an exemption",
                exemption.rule.as_str()
            ))
        } else {
            exempted.entry(exemption.app.as_str()).or_default().push(exemption.rule);
            None
        };
        if let (Some(message), Some(origin)) = (refusal, origin) {
            problems.report(*origin, message);
        }
    }
    for pod in &index.pods {
        let exempt = |rule: PodRule| exempted.get(pod.origin.app).is_some_and(|rules| rules.contains(&rule));
        for (rule, message) in pod_problems(index, pod) {
            if !exempt(rule) {
                problems.report(
                    pod.origin,
                    format!("{}: {message} [rule: {}]", pod.describe(), rule.as_str()),
                );
            }
        }
    }
}

/// `(rule, message)` for each problem of one pod.
fn pod_problems(index: &Index, pod: &Pod) -> Vec<(PodRule, String)> {
    let spec: &PodSpec = &pod.spec;
    let mut found = Vec::new();
    let mut problem = |rule: PodRule, message: String| found.push((rule, message));
    for (flag, namespace) in [
        (spec.host_network, "network"),
        (spec.host_pid, "process"),
        (spec.host_ipc, "IPC"),
    ] {
        if flag == Some(true) {
            problem(
                PodRule::HostNamespaces,
                format!("shares the node's {namespace} namespace"),
            );
        }
    }
    for volume in spec.volumes.iter().flatten() {
        // The API server takes exactly one source per volume: one of the allowed ones settles it.
        let allowed = volume.config_map.is_some()
            || volume.csi.is_some()
            || volume.downward_api.is_some()
            || volume.empty_dir.is_some()
            || volume.ephemeral.is_some()
            || volume.persistent_volume_claim.is_some()
            || volume.projected.is_some()
            || volume.secret.is_some();
        if allowed {
            continue;
        }
        let source = serde_json::to_value(volume).unwrap_or_default();
        let kinds = source.as_object().into_iter().flatten().map(|(key, _)| key.as_str());
        for kind in kinds.filter(|kind| *kind != "name" && !ALLOWED_VOLUMES.contains(kind)) {
            problem(
                PodRule::VolumeTypes,
                format!(
                    "volume \"{}\" is of type {kind}, which the restricted profile forbids",
                    volume.name
                ),
            );
        }
    }
    let pod_security = spec.security_context.as_ref();
    let pod_non_root = pod_security.and_then(|s| s.run_as_non_root) == Some(true);
    let pod_seccomp = pod_security
        .and_then(|s| s.seccomp_profile.as_ref())
        .map(|profile| profile.type_.as_str());
    if pod_security.and_then(|s| s.run_as_user) == Some(0) {
        problem(PodRule::RunAsNonRoot, "runs as user 0 (root)".to_owned());
    }
    if pod_seccomp == Some("Unconfined") {
        problem(PodRule::Seccomp, "seccompProfile is Unconfined".to_owned());
    }
    let init = spec.init_containers.iter().flatten().map(|c| (c, false));
    for (container, long_running) in init.chain(spec.containers.iter().map(|c| (c, pod.long_running))) {
        let name = &container.name;
        let security = container.security_context.as_ref();
        let mut container_problem =
            |rule: PodRule, message: String| problem(rule, format!("container \"{name}\": {message}"));
        security_problems(security, pod_non_root, pod_seccomp, &mut container_problem);
        for port in container.ports.iter().flatten() {
            if port.host_port.is_some_and(|port| port != 0) {
                container_problem(
                    PodRule::HostPorts,
                    format!("binds host port {}", port.host_port.unwrap_or_default()),
                );
            }
        }
        resource_problems(container, &mut container_problem);
        if long_running {
            if container.readiness_probe.is_none() {
                container_problem(PodRule::Probes, "has no readiness probe".to_owned());
            }
            if container.liveness_probe.is_none() {
                container_problem(PodRule::Probes, "has no liveness probe".to_owned());
            }
        }
        match container.image.as_deref() {
            None => container_problem(PodRule::Image, "has no image".to_owned()),
            Some(image) => {
                if let Err(message) = image_problem(image, index.env) {
                    container_problem(PodRule::Image, message);
                }
            }
        }
    }
    if !index.node_groups.is_empty() {
        placement_problems(index, spec, &mut problem);
    }
    match spec.service_account_name.as_deref() {
        None | Some("default") => problem(
            PodRule::ServiceAccount,
            "runs as the namespace's default ServiceAccount: give the workload its own".to_owned(),
        ),
        Some(account) => {
            let own = (index.service_accounts.iter()).any(|(app, namespace, name)| {
                *app == pod.origin.app && *namespace == pod.namespace && *name == account
            });
            if !own {
                problem(
                    PodRule::ServiceAccount,
                    format!(
                        "runs as ServiceAccount \"{account}\", which its app {} does not declare in {}: a workload runs as its own identity",
                        pod.origin.app, pod.namespace
                    ),
                );
            }
        }
    }
    found
}

/// Node-group affinity and tolerations must name the environment's node groups and taints.
fn placement_problems(index: &Index, spec: &PodSpec, problem: &mut dyn FnMut(PodRule, String)) {
    let env = index.env;
    let known = |name: &str| index.node_groups.iter().any(|group| group.name.as_str() == name);
    let required = (spec.affinity.as_ref())
        .and_then(|affinity| affinity.node_affinity.as_ref())
        .and_then(|node| node.required_during_scheduling_ignored_during_execution.as_ref());
    let expressions = (required.into_iter())
        .flat_map(|selector| &selector.node_selector_terms)
        .flat_map(|term| term.match_expressions.iter().flatten())
        .filter(|expression| expression.key == NODE_GROUP_LABEL && expression.operator == "In");
    let selected = (expressions.flat_map(|expression| expression.values.iter().flatten())).chain(
        spec.node_selector
            .iter()
            .flatten()
            .filter(|(key, _)| *key == NODE_GROUP_LABEL)
            .map(|(_, value)| value),
    );
    for group in selected.filter(|group| !known(group)) {
        problem(
            PodRule::Placement,
            format!("is pinned to node group \"{group}\", which {env} does not have"),
        );
    }
    for toleration in spec.tolerations.iter().flatten() {
        let key = toleration.key.as_deref().unwrap_or_default();
        if key.is_empty() && toleration.operator.as_deref() == Some("Exists") {
            problem(PodRule::Placement, "tolerates every taint".to_owned());
            continue;
        }
        let value = toleration.value.as_deref().unwrap_or_default();
        let matches = (index.node_groups.iter().filter_map(|group| group.taint.as_ref())).any(|taint| {
            taint.key.as_str() == key
                && (taint.value.as_str() == value || toleration.operator.as_deref() == Some("Exists"))
        });
        if !matches {
            problem(
                PodRule::Placement,
                format!("tolerates taint {key}={value}, which no node group of {env} has"),
            );
        }
    }
}

/// The restricted profile's container rules, given what the pod sets for all containers.
fn security_problems(
    security: Option<&SecurityContext>,
    pod_non_root: bool,
    pod_seccomp: Option<&str>,
    problem: &mut dyn FnMut(PodRule, String),
) {
    if security.and_then(|s| s.privileged) == Some(true) {
        problem(PodRule::Privileged, "runs privileged".to_owned());
    }
    if security.and_then(|s| s.allow_privilege_escalation) != Some(false) {
        problem(
            PodRule::PrivilegeEscalation,
            "does not set allowPrivilegeEscalation: false".to_owned(),
        );
    }
    let capabilities = security.and_then(|s| s.capabilities.as_ref());
    let drops_all = (capabilities.and_then(|c| c.drop.as_ref())).is_some_and(|drop| drop.iter().any(|c| c == "ALL"));
    if !drops_all {
        problem(PodRule::Capabilities, "does not drop ALL capabilities".to_owned());
    }
    for added in capabilities.and_then(|c| c.add.as_ref()).into_iter().flatten() {
        if added != "NET_BIND_SERVICE" {
            problem(PodRule::Capabilities, format!("adds capability {added}"));
        }
    }
    let non_root = security.and_then(|s| s.run_as_non_root).unwrap_or(pod_non_root);
    if !non_root {
        problem(PodRule::RunAsNonRoot, "does not set runAsNonRoot: true".to_owned());
    }
    if security.and_then(|s| s.run_as_user) == Some(0) {
        problem(PodRule::RunAsNonRoot, "runs as user 0 (root)".to_owned());
    }
    let seccomp = (security.and_then(|s| s.seccomp_profile.as_ref()))
        .map(|profile| profile.type_.as_str())
        .or(pod_seccomp);
    if !matches!(seccomp, Some("RuntimeDefault" | "Localhost")) {
        problem(
            PodRule::Seccomp,
            "has no seccompProfile RuntimeDefault or Localhost (on the pod or the container)".to_owned(),
        );
    }
}

/// Requests for CPU and memory and a memory limit on every container.
fn resource_problems(container: &Container, problem: &mut dyn FnMut(PodRule, String)) {
    let resources = container.resources.as_ref();
    let requests = resources.and_then(|r| r.requests.as_ref());
    let limits = resources.and_then(|r| r.limits.as_ref());
    for resource in ["cpu", "memory"] {
        if !requests.is_some_and(|requests| requests.contains_key(resource)) {
            problem(PodRule::Resources, format!("requests no {resource}"));
        }
    }
    if !limits.is_some_and(|limits| limits.contains_key("memory")) {
        problem(PodRule::Resources, "has no memory limit".to_owned());
    }
}

/// Whether `image` is a valid reference (`[registry/]repository[:tag][@digest]`) and, outside
/// dev, pinned (a digest, or a tag other than `latest`).
fn image_problem(image: &str, env: EnvId) -> Result<(), String> {
    let (name, digest) = match image.split_once('@') {
        Some((name, digest)) => (name, Some(digest)),
        None => (image, None),
    };
    // A tag follows the last `:` after the last `/` (a registry may have a port).
    let last_part = name.rsplit('/').next().unwrap_or_default();
    let (repository, tag) = match last_part.rsplit_once(':') {
        Some((_, tag)) => (&name[..name.len() - tag.len() - 1], Some(tag)),
        None => (name, None),
    };
    // The repository path and the tag follow the same rules as kumiki's own literals; a
    // first part that is a registry host (a `.` or `:`, or `localhost`) follows the registry's.
    let registry_host = |part: &str| part.contains(['.', ':']) || part == "localhost";
    let valid_path = match repository.split_once('/') {
        Some((registry, path)) if registry_host(registry) => {
            Rule::RegistryHost.check(registry).is_ok() && Rule::Repository.check(path).is_ok()
        }
        _ => Rule::Repository.check(repository).is_ok(),
    };
    // A floating tag (`latest`, `main`, ...) is a valid tag, only not a pinned one.
    let floating = tag.is_some_and(|tag| Rule::ImageTag.check(tag) == Err(Invalid::FloatingTag));
    let valid_tag = floating || tag.is_none_or(|tag| Rule::ImageTag.check(tag).is_ok());
    let valid_digest = digest.is_none_or(|digest| Rule::ImageDigest.check(digest).is_ok());
    if !(valid_path && valid_tag && valid_digest) {
        return Err(format!("image \"{image}\" is not a valid image reference"));
    }
    let pinned = digest.is_some() || (tag.is_some() && !floating);
    if !env.is_development() && !pinned {
        return Err(format!(
            "image \"{image}\" is not pinned: {env} needs a tag that is not floating (`latest`, `main`, ...), or a digest"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::image_problem;

    kumiki_core::environments! {
        /// Test environments.
        pub enum Env, stage Stage {
            /// Development.
            Dev = development("dev"),
            /// Staging.
            Stg = production("stg"),
            /// Production.
            Prd = production("prd"),
        }
    }

    #[test]
    fn image_references() {
        let digest = format!("sha256:{}", "a".repeat(64));
        for valid in [
            "nginx:1.27".to_owned(),
            "docker.io/library/nginx:1.27".to_owned(),
            "localhost:5000/team/app:v1".to_owned(),
            "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/account:d74ac1c".to_owned(),
            format!("ghcr.io/acme/web@{digest}"),
            format!("ghcr.io/acme/web:1.4.3@{digest}"),
        ] {
            assert_eq!(image_problem(&valid, Env::Prd.id()), Ok(()), "{valid}");
        }
        for invalid in [
            "",
            "Acme/Web:1",
            "web:",
            "web:-x",
            "web@sha256:xyz",
            "web@md5:abc",
            "a//b:1",
        ] {
            assert!(image_problem(invalid, Env::Dev.id()).is_err(), "{invalid}");
        }
        assert!(image_problem("web", Env::Prd.id()).unwrap_err().contains("not pinned"));
        assert!(
            image_problem("web:latest", Env::Stg.id())
                .unwrap_err()
                .contains("not pinned")
        );
        assert_eq!(image_problem("web:latest", Env::Dev.id()), Ok(()));
        // Every floating tag, not only `latest`, whatever object carries the image.
        assert!(
            image_problem("web:main", Env::Prd.id())
                .unwrap_err()
                .contains("not pinned")
        );
        assert_eq!(image_problem("web:main", Env::Dev.id()), Ok(()));
        assert_eq!(image_problem(&format!("web:main@{digest}"), Env::Prd.id()), Ok(()));
    }
}
