//! Pod rules on every pod template of the release, after every patch, however the workload
//! was built (construct, patch, raw object, custom type): the Kubernetes Pod Security
//! Standards' *restricted* profile, and what the platform's policy requires of every pod —
//! resources on every container, readiness and liveness on long-running containers, the
//! workload's own ServiceAccount, valid images, pinned outside development environments, and
//! placement on the platform's node groups. The platform's exemptions lift one rule for one
//! app (applied for every rule, in `rules::check`).

use std::collections::HashMap;

use k8s_openapi::api::core::v1::{Container, PodSpec, SecurityContext};
use kumiki_core::{EnvId, Invalid, NODE_GROUP_LABEL, Rule as Syntax};

use super::index::{Index, PodTemplate};
use super::{
    POD_CAPABILITIES, POD_HOST_NAMESPACES, POD_HOST_PORTS, POD_IMAGE, POD_PLACEMENT, POD_PRIVILEGE_ESCALATION,
    POD_PRIVILEGED, POD_PROBES, POD_RESOURCES, POD_RUN_AS_NON_ROOT, POD_SECCOMP, POD_SERVICE_ACCOUNT, POD_VOLUME_TYPES,
    Problems, Rule,
};

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
    // (namespace, name) -> the app declaring the ServiceAccount.
    let accounts: HashMap<(&str, &str), &str> = (index.of_kind("", "ServiceAccount"))
        .map(|account| ((account.namespace_or_empty(), account.name()), account.origin().app))
        .collect();
    for pod in index.pods() {
        let mut found = Vec::new();
        pod_problems(index, pod, &mut |rule, message| found.push((rule, message)));
        service_account_problem(pod, &accounts, &mut |rule, message| found.push((rule, message)));
        for (rule, message) in found {
            problems.report_as(rule, pod.object.origin(), format!("{}: {message}", pod.describe()));
        }
    }
}

/// Where a problem of one pod goes: its rule and message.
type Report<'r> = dyn FnMut(&'static Rule, String) + 'r;

/// The restricted profile, resources, probes, images and placement of one pod.
fn pod_problems(index: &Index, pod: &PodTemplate, problem: &mut Report) {
    let spec: &PodSpec = &pod.spec;
    for (flag, namespace) in [
        (spec.host_network, "network"),
        (spec.host_pid, "process"),
        (spec.host_ipc, "IPC"),
    ] {
        if flag == Some(true) {
            problem(&POD_HOST_NAMESPACES, format!("shares the node's {namespace} namespace"));
        }
    }
    volume_problems(spec, problem);
    let pod_security = spec.security_context.as_ref();
    let pod_non_root = pod_security.and_then(|s| s.run_as_non_root) == Some(true);
    let pod_seccomp = pod_security
        .and_then(|s| s.seccomp_profile.as_ref())
        .map(|profile| profile.type_.as_str());
    if pod_security.and_then(|s| s.run_as_user) == Some(0) {
        problem(&POD_RUN_AS_NON_ROOT, "runs as user 0 (root)".to_owned());
    }
    if pod_seccomp == Some("Unconfined") {
        problem(&POD_SECCOMP, "seccompProfile is Unconfined".to_owned());
    }
    let init = spec.init_containers.iter().flatten().map(|c| (c, false));
    for (container, long_running) in init.chain(spec.containers.iter().map(|c| (c, pod.long_running))) {
        let name = &container.name;
        let mut container_problem =
            |rule: &'static Rule, message: String| problem(rule, format!("container \"{name}\": {message}"));
        let security = container.security_context.as_ref();
        security_problems(security, pod_non_root, pod_seccomp, &mut container_problem);
        container_problems(index.env(), container, long_running, &mut container_problem);
    }
    placement_problems(index, spec, problem);
}

/// The volume types the restricted profile allows, and only those.
fn volume_problems(spec: &PodSpec, problem: &mut Report) {
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
                &POD_VOLUME_TYPES,
                format!(
                    "volume \"{}\" is of type {kind}, which the restricted profile forbids",
                    volume.name
                ),
            );
        }
    }
}

/// Host ports, resources, probes and the image of one container.
fn container_problems(env: EnvId, container: &Container, long_running: bool, problem: &mut Report) {
    for port in container.ports.iter().flatten() {
        if let Some(host_port) = port.host_port.filter(|port| *port != 0) {
            problem(&POD_HOST_PORTS, format!("binds host port {host_port}"));
        }
    }
    resource_problems(container, problem);
    if long_running {
        if container.readiness_probe.is_none() {
            problem(&POD_PROBES, "has no readiness probe".to_owned());
        }
        if container.liveness_probe.is_none() {
            problem(&POD_PROBES, "has no liveness probe".to_owned());
        }
    }
    match container.image.as_deref() {
        None => problem(&POD_IMAGE, "has no image".to_owned()),
        Some(image) => {
            if let Err(message) = image_problem(image, env) {
                problem(&POD_IMAGE, message);
            }
        }
    }
}

/// A pod runs as a ServiceAccount its own app declares in its namespace.
fn service_account_problem(pod: &PodTemplate, accounts: &HashMap<(&str, &str), &str>, problem: &mut Report) {
    match pod.spec.service_account_name.as_deref() {
        None | Some("default") => problem(
            &POD_SERVICE_ACCOUNT,
            "runs as the namespace's default ServiceAccount: give the workload its own".to_owned(),
        ),
        Some(account) => {
            let app = pod.object.origin().app;
            if accounts.get(&(pod.namespace(), account)) != Some(&app) {
                problem(
                    &POD_SERVICE_ACCOUNT,
                    format!(
                        "runs as ServiceAccount \"{account}\", which its app {app} does not declare in {}: a workload runs as its own identity",
                        pod.namespace()
                    ),
                );
            }
        }
    }
}

/// Node-group affinity and tolerations must name the environment's node groups and taints.
fn placement_problems(index: &Index, spec: &PodSpec, problem: &mut Report) {
    let env = index.env();
    let groups = &index.facts().node_groups;
    let known = |name: &str| groups.iter().any(|group| group.name.as_str() == name);
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
            &POD_PLACEMENT,
            format!("is pinned to node group \"{group}\", which {env} does not have"),
        );
    }
    for toleration in spec.tolerations.iter().flatten() {
        let key = toleration.key.as_deref().unwrap_or_default();
        if key.is_empty() && toleration.operator.as_deref() == Some("Exists") {
            problem(&POD_PLACEMENT, "tolerates every taint".to_owned());
            continue;
        }
        let value = toleration.value.as_deref().unwrap_or_default();
        let matches = (groups.iter().filter_map(|group| group.taint.as_ref())).any(|taint| {
            taint.key.as_str() == key
                && (taint.value.as_str() == value || toleration.operator.as_deref() == Some("Exists"))
        });
        if !matches {
            problem(
                &POD_PLACEMENT,
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
    problem: &mut Report,
) {
    if security.and_then(|s| s.privileged) == Some(true) {
        problem(&POD_PRIVILEGED, "runs privileged".to_owned());
    }
    if security.and_then(|s| s.allow_privilege_escalation) != Some(false) {
        problem(
            &POD_PRIVILEGE_ESCALATION,
            "does not set allowPrivilegeEscalation: false".to_owned(),
        );
    }
    let capabilities = security.and_then(|s| s.capabilities.as_ref());
    let drops_all = (capabilities.and_then(|c| c.drop.as_ref())).is_some_and(|drop| drop.iter().any(|c| c == "ALL"));
    if !drops_all {
        problem(&POD_CAPABILITIES, "does not drop ALL capabilities".to_owned());
    }
    for added in capabilities.and_then(|c| c.add.as_ref()).into_iter().flatten() {
        if added != "NET_BIND_SERVICE" {
            problem(&POD_CAPABILITIES, format!("adds capability {added}"));
        }
    }
    let non_root = security.and_then(|s| s.run_as_non_root).unwrap_or(pod_non_root);
    if !non_root {
        problem(&POD_RUN_AS_NON_ROOT, "does not set runAsNonRoot: true".to_owned());
    }
    if security.and_then(|s| s.run_as_user) == Some(0) {
        problem(&POD_RUN_AS_NON_ROOT, "runs as user 0 (root)".to_owned());
    }
    let seccomp = (security.and_then(|s| s.seccomp_profile.as_ref()))
        .map(|profile| profile.type_.as_str())
        .or(pod_seccomp);
    if !matches!(seccomp, Some("RuntimeDefault" | "Localhost")) {
        problem(
            &POD_SECCOMP,
            "has no seccompProfile RuntimeDefault or Localhost (on the pod or the container)".to_owned(),
        );
    }
}

/// Requests for CPU and memory and a memory limit on every container.
fn resource_problems(container: &Container, problem: &mut Report) {
    let resources = container.resources.as_ref();
    let requests = resources.and_then(|r| r.requests.as_ref());
    let limits = resources.and_then(|r| r.limits.as_ref());
    for resource in ["cpu", "memory"] {
        if !requests.is_some_and(|requests| requests.contains_key(resource)) {
            problem(&POD_RESOURCES, format!("requests no {resource}"));
        }
    }
    if !limits.is_some_and(|limits| limits.contains_key("memory")) {
        problem(&POD_RESOURCES, "has no memory limit".to_owned());
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
            Syntax::RegistryHost.check(registry).is_ok() && Syntax::Repository.check(path).is_ok()
        }
        _ => Syntax::Repository.check(repository).is_ok(),
    };
    // A floating tag (`latest`, `main`, ...) is a valid tag, only not a pinned one.
    let floating = tag.is_some_and(|tag| Syntax::ImageTag.check(tag) == Err(Invalid::FloatingTag));
    let valid_tag = floating || tag.is_none_or(|tag| Syntax::ImageTag.check(tag).is_ok());
    let valid_digest = digest.is_none_or(|digest| Syntax::ImageDigest.check(digest).is_ok());
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
