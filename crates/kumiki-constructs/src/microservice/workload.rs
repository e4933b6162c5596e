//! Lowering of the workload: pod template and containers (shaped by the platform's
//! [`Policy`](crate::Policy)), Deployments per version or a StatefulSet with its claims,
//! the ServiceAccount and the ConfigMap.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{
    Deployment, DeploymentSpec, DeploymentStrategy, RollingUpdateDeployment, StatefulSet, StatefulSetSpec,
    StatefulSetUpdateStrategy,
};
use k8s_openapi::api::core::v1::{
    Capabilities, ConfigMap, ConfigMapEnvSource, ConfigMapVolumeSource, Container as K8sContainer, ContainerPort,
    EmptyDirVolumeSource, EnvFromSource, EnvVar, EnvVarSource, Lifecycle, LifecycleHandler, PersistentVolumeClaim,
    PersistentVolumeClaimSpec, PersistentVolumeClaimVolumeSource, PodSecurityContext, PodSpec, PodTemplateSpec,
    ResourceRequirements, SeccompProfile, SecretKeySelector, SecurityContext, ServiceAccount, SleepAction, Volume,
    VolumeMount, VolumeResourceRequirements,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kumiki_core::{Name, NodeGroup, Rule};

use crate::database::Connection;
use crate::env_var::{EnvValue, SecretEnv};
use crate::mesh::VERSION_LABEL;
use crate::placement::{node_affinity, toleration};
use crate::policy::PullPolicy;
use crate::probe::ProbeSpec;
use crate::storage::VolumeClaim;

use super::context::Lowering;
use super::spec::ContainerSpec;

/// The volume that gives a read-only root filesystem somewhere to write.
const TMP_VOLUME: &str = "tmp";
/// The volume of the configuration files.
const CONFIG_FILES_VOLUME: &str = "config-files";

impl Lowering<'_> {
    pub(crate) fn service_account(&self) -> ServiceAccount {
        ServiceAccount {
            metadata: self.metadata(self.name()),
            automount_service_account_token: Some(self.spec.environment.policy.automount_service_account_token),
            ..Default::default()
        }
    }

    /// The ConfigMap of the settings, named with a hash of its contents.
    pub(crate) fn config_map(&self, config: &BTreeMap<String, String>) -> ConfigMap {
        self.hashed_config_map("config", config)
    }

    /// The ConfigMap of the configuration files, named with a hash of their contents.
    pub(crate) fn config_files_map(&self, files: &BTreeMap<String, String>) -> ConfigMap {
        self.hashed_config_map("files", files)
    }

    /// A ConfigMap `<name>-<suffix>-<hash of the contents>`, immutable.
    fn hashed_config_map(&self, suffix: &str, config: &BTreeMap<String, String>) -> ConfigMap {
        let digest = config.iter().fold(FNV_OFFSET, |hash, (key, value)| {
            fnv1a(fnv1a(fnv1a(fnv1a(hash, key.as_bytes()), b"="), value.as_bytes()), b"\n")
        });
        ConfigMap {
            metadata: self.metadata(format!("{}-{suffix}-{:08x}", self.name(), digest as u32)),
            data: Some(config.clone()),
            immutable: Some(true),
            ..Default::default()
        }
    }

    pub(crate) fn pod_template(&self, config_map: Option<&str>, connection: Option<&Connection>) -> PodTemplateSpec {
        let spec = self.spec;
        let policy = &spec.environment.policy;
        let security = &policy.security;
        let mut labels = self.labels();
        if let Some(version) = spec.containers.first().and_then(|main| version_label(main.image.tag())) {
            labels.insert(VERSION_NAME_LABEL.to_owned(), version);
        }
        let containers = (spec.containers.iter().enumerate())
            .map(|(index, c)| self.container(c, (index == 0).then_some(connection).flatten(), index == 0, config_map))
            .collect();
        PodTemplateSpec {
            metadata: Some(ObjectMeta {
                labels: Some(labels),
                ..Default::default()
            }),
            spec: Some(PodSpec {
                service_account_name: Some(self.name()),
                automount_service_account_token: Some(policy.automount_service_account_token),
                termination_grace_period_seconds: Some(policy.termination_grace_period_seconds.into()),
                security_context: Some(PodSecurityContext {
                    run_as_non_root: Some(security.run_as_non_root),
                    run_as_user: Some(security.run_as_user),
                    run_as_group: Some(security.run_as_group),
                    // A claimed volume is writable by the pod's group.
                    fs_group: spec.storage.is_some().then_some(security.run_as_group),
                    seccomp_profile: Some(SeccompProfile {
                        type_: security.seccomp.as_str().to_owned(),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
                affinity: self.node_group().map(node_affinity),
                tolerations: self.node_group().and_then(toleration).map(|t| vec![t]),
                containers,
                volumes: Some(self.volumes()),
                ..Default::default()
            }),
        }
    }

    /// The node group the pods are pinned to; one the environment lacks is reported where
    /// `pin_to` was called and not written into the pods (it would be reported again there).
    fn node_group(&self) -> Option<&NodeGroup> {
        let group = &self.spec.node_group.as_ref()?.value;
        self.spec.environment.node_groups.contains(group).then_some(group)
    }

    fn container(
        &self,
        container: &ContainerSpec,
        connection: Option<&Connection>,
        main: bool,
        config_map: Option<&str>,
    ) -> K8sContainer {
        let spec = self.spec;
        let policy = &spec.environment.policy;
        let security = &policy.security;
        let probe = |probes: &[ProbeSpec]| {
            (probes.iter())
                .find(|p| p.container == container.name)
                .map(ProbeSpec::lower)
        };
        let resources = container.resources.unwrap_or(policy.default_resources);
        let quantities = |cpu: Option<u32>, memory: u32| {
            let mut map = BTreeMap::from([("memory".to_owned(), Quantity(memory_quantity(memory)))]);
            if let Some(cpu) = cpu {
                map.insert("cpu".to_owned(), Quantity(cpu_quantity(cpu)));
            }
            map
        };
        let pull_policy = if container.image.is_local() {
            PullPolicy::IfNotPresent
        } else {
            policy.image_pull_policy
        };
        K8sContainer {
            name: container.name.to_string(),
            image: Some(container.image.to_string()),
            image_pull_policy: Some(pull_policy.as_str().to_owned()),
            command: container.command.clone(),
            args: container.args.clone(),
            ports: (!container.ports.is_empty()).then(|| {
                (container.ports.iter())
                    .map(|port| ContainerPort {
                        name: Some(port.value.port_name()),
                        container_port: port.value.number.get().into(),
                        protocol: Some("TCP".to_owned()),
                        ..Default::default()
                    })
                    .collect()
            }),
            env: env(container, connection),
            env_from: config_map.map(|name| {
                vec![EnvFromSource {
                    config_map_ref: Some(ConfigMapEnvSource {
                        name: name.to_owned(),
                        optional: None,
                    }),
                    ..Default::default()
                }]
            }),
            readiness_probe: probe(&spec.probes.readiness),
            liveness_probe: probe(&spec.probes.liveness),
            startup_probe: probe(&spec.probes.startup),
            resources: Some(ResourceRequirements {
                requests: Some(quantities(Some(resources.cpu_millis), resources.memory_mib)),
                limits: Some(quantities(resources.cpu_limit_millis, resources.memory_limit_mib)),
                ..Default::default()
            }),
            lifecycle: Some(Lifecycle {
                pre_stop: Some(LifecycleHandler {
                    sleep: Some(SleepAction {
                        seconds: policy.pre_stop_sleep_seconds.into(),
                    }),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            security_context: Some(SecurityContext {
                allow_privilege_escalation: Some(security.allow_privilege_escalation),
                // Never privileged, whatever the policy allows: the pod rules refuse it.
                privileged: Some(false),
                read_only_root_filesystem: Some(security.read_only_root_filesystem),
                run_as_non_root: Some(security.run_as_non_root),
                capabilities: Some(Capabilities {
                    drop: Some(security.drop_capabilities.iter().map(|c| (*c).to_owned()).collect()),
                    add: None,
                }),
                ..Default::default()
            }),
            volume_mounts: Some(self.volume_mounts(container, main)),
            ..Default::default()
        }
    }

    /// `tmp` when the root filesystem is read-only, the containers' scratch directories, and
    /// a single claim's volume (a per-pod claim is added by the StatefulSet).
    fn volumes(&self) -> Vec<Volume> {
        let spec = self.spec;
        let empty_dir = |name: String| Volume {
            name,
            empty_dir: Some(EmptyDirVolumeSource::default()),
            ..Default::default()
        };
        let mut volumes = Vec::new();
        if spec.environment.policy.security.read_only_root_filesystem {
            volumes.push(empty_dir(TMP_VOLUME.to_owned()));
        }
        volumes.extend(
            (spec.containers.iter())
                .flat_map(|c| &c.scratch)
                .map(|scratch| empty_dir(scratch.volume.to_string())),
        );
        if let Some(files) = &spec.config_files {
            volumes.push(Volume {
                name: CONFIG_FILES_VOLUME.to_owned(),
                config_map: Some(ConfigMapVolumeSource {
                    name: self
                        .config_files_map(&files.value.files)
                        .metadata
                        .name
                        .unwrap_or_default(),
                    ..Default::default()
                }),
                ..Default::default()
            });
        }
        if let Some(storage) = self.single_claim() {
            volumes.push(Volume {
                name: storage.name.to_string(),
                persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                    claim_name: self.claim_name(storage),
                    read_only: None,
                }),
                ..Default::default()
            });
        }
        volumes
    }

    fn volume_mounts(&self, container: &ContainerSpec, main: bool) -> Vec<VolumeMount> {
        let mount = |name: String, path: &str| VolumeMount {
            name,
            mount_path: path.to_owned(),
            ..Default::default()
        };
        let mut mounts = Vec::new();
        if self.spec.environment.policy.security.read_only_root_filesystem {
            mounts.push(mount(TMP_VOLUME.to_owned(), "/tmp"));
        }
        mounts.extend((container.scratch.iter()).map(|scratch| mount(scratch.volume.to_string(), &scratch.path)));
        if let Some(storage) = self.spec.storage.as_ref().filter(|_| main) {
            mounts.push(mount(storage.value.name.to_string(), &storage.value.mount_path));
        }
        if let Some(files) = self.spec.config_files.as_ref().filter(|_| main) {
            mounts.push(VolumeMount {
                read_only: Some(true),
                ..mount(CONFIG_FILES_VOLUME.to_owned(), &files.value.directory)
            });
        }
        mounts
    }

    /// The Deployments' names, pod templates and traffic weights: one unversioned, or one per
    /// version with the version label and the version's image tag on the main container.
    pub(crate) fn versioned_templates(&self, template: PodTemplateSpec) -> Vec<(String, PodTemplateSpec, Option<u8>)> {
        let versions = self.spec.versions();
        if versions.is_empty() {
            return vec![(self.name(), template, None)];
        }
        let main = self.spec.containers.first();
        (versions.iter())
            .map(|version| {
                let mut template = template.clone();
                let labels = template.metadata.get_or_insert_default().labels.get_or_insert_default();
                labels.insert(VERSION_LABEL.to_owned(), version.name.to_string());
                if let (Some(main), Some(image_version)) = (main, &version.image_version) {
                    let image = main.image.with_version(image_version.clone());
                    match image_version.tag().and_then(|tag| version_label(&tag.to_string())) {
                        Some(version) => labels.insert(VERSION_NAME_LABEL.to_owned(), version),
                        None => labels.remove(VERSION_NAME_LABEL),
                    };
                    if let Some(container) = template.spec.as_mut().and_then(|spec| spec.containers.first_mut()) {
                        container.image = Some(image.to_string());
                    }
                }
                (
                    format!("{}-{}", self.name(), version.name),
                    template,
                    Some(version.weight),
                )
            })
            .collect()
    }

    /// The Deployment `name` of `template`; a version with `weight` percent of the traffic
    /// runs that share of the pods ([`share`]).
    pub(crate) fn deployment(&self, name: String, template: PodTemplateSpec, weight: Option<u8>) -> Deployment {
        let policy = &self.spec.environment.policy;
        // Each version's Deployment owns only its own pods.
        let mut selector = self.selector();
        if let Some(version) = (template.metadata.as_ref()).and_then(|m| m.labels.as_ref()?.get(VERSION_LABEL)) {
            (selector.match_labels.get_or_insert_default()).insert(VERSION_LABEL.to_owned(), version.clone());
        }
        Deployment {
            metadata: self.metadata(name),
            spec: Some(DeploymentSpec {
                replicas: self.fixed_replicas().map(|replicas| share(replicas, weight)),
                revision_history_limit: Some(policy.revision_history_limit.into()),
                selector,
                strategy: Some(DeploymentStrategy {
                    type_: Some("RollingUpdate".to_owned()),
                    rolling_update: Some(RollingUpdateDeployment {
                        max_surge: Some(IntOrString::Int(policy.rollout.max_surge.into())),
                        max_unavailable: Some(IntOrString::Int(policy.rollout.max_unavailable.into())),
                    }),
                }),
                template,
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    pub(crate) fn stateful_set(&self, template: PodTemplateSpec, storage: &VolumeClaim) -> StatefulSet {
        StatefulSet {
            metadata: self.metadata(self.name()),
            spec: Some(StatefulSetSpec {
                replicas: self.fixed_replicas(),
                revision_history_limit: Some(self.spec.environment.policy.revision_history_limit.into()),
                selector: self.selector(),
                service_name: Some(self.headless_service_name()),
                update_strategy: Some(StatefulSetUpdateStrategy {
                    type_: Some("RollingUpdate".to_owned()),
                    rolling_update: None,
                }),
                template,
                volume_claim_templates: storage.per_pod.then(|| vec![self.claim_template(storage)]),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    /// The claim of a [`VolumeClaim::single`], when there is one.
    pub(crate) fn single_claim(&self) -> Option<&VolumeClaim> {
        (self.spec.storage.as_ref())
            .map(|storage| &storage.value)
            .filter(|storage| !storage.per_pod)
    }

    /// The standalone claim of a [`VolumeClaim::single`].
    pub(crate) fn claim(&self, storage: &VolumeClaim) -> PersistentVolumeClaim {
        PersistentVolumeClaim {
            metadata: self.metadata(self.claim_name(storage)),
            ..self.claim_template(storage)
        }
    }

    fn claim_name(&self, storage: &VolumeClaim) -> String {
        format!("{}-{}", self.name(), storage.name)
    }

    fn claim_template(&self, storage: &VolumeClaim) -> PersistentVolumeClaim {
        PersistentVolumeClaim {
            metadata: ObjectMeta {
                name: Some(storage.name.to_string()),
                labels: Some(self.labels()),
                ..Default::default()
            },
            spec: Some(PersistentVolumeClaimSpec {
                access_modes: Some(vec!["ReadWriteOnce".to_owned()]),
                storage_class_name: storage.storage_class.as_ref().map(Name::to_string),
                resources: Some(VolumeResourceRequirements {
                    requests: Some(BTreeMap::from([(
                        "storage".to_owned(),
                        Quantity(format!("{}Gi", storage.size_gib)),
                    )])),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        }
    }
}

/// The container's variables: its own, then values read from Secrets, then (main container)
/// the database connection.
fn env(container: &ContainerSpec, connection: Option<&Connection>) -> Option<Vec<EnvVar>> {
    let mut plain: Vec<&EnvValue> = container.env.iter().collect();
    let mut secret: Vec<&SecretEnv> = container.secret_env.iter().collect();
    if let Some(connection) = connection {
        plain.extend(&connection.plain);
        secret.extend(&connection.secret);
    }
    let mut env: Vec<EnvVar> = (plain.into_iter())
        .map(|variable| EnvVar {
            name: variable.name.clone(),
            value: Some(variable.value.clone()),
            ..Default::default()
        })
        .collect();
    env.extend(secret.into_iter().map(|item| EnvVar {
        name: item.variable.clone(),
        value_from: Some(EnvVarSource {
            secret_key_ref: Some(SecretKeySelector {
                name: item.secret.clone(),
                key: item.key.clone(),
                optional: None,
            }),
            ..Default::default()
        }),
        ..Default::default()
    }));
    (!env.is_empty()).then_some(env)
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a: a stable hash (the standard library's may change between Rust versions, and a
/// ConfigMap name must not).
fn fnv1a(mut hash: u64, bytes: &[u8]) -> u64 {
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// The pods a version receiving `weight` percent of the traffic runs out of `count`:
/// ⌈count × weight / 100⌉, at least one (a version with traffic needs a pod); all of them
/// without a weight.
pub(crate) fn share(count: i32, weight: Option<u8>) -> i32 {
    match weight {
        Some(weight) => ((count * i32::from(weight) + 99) / 100).max(1),
        None => count,
    }
}

/// The label that names the version a pod runs.
const VERSION_NAME_LABEL: &str = "app.kubernetes.io/version";

/// The version label of an image tag: the tag itself when it is a valid label value (most are),
/// else none. Every valid OCI tag is accepted: a tag that cannot be a label value (one ending in
/// `.` or `_`, say) leaves the label out rather than failing the pod.
fn version_label(tag: &str) -> Option<String> {
    (!tag.is_empty() && Rule::LabelValue.check(tag).is_ok()).then(|| tag.to_owned())
}

/// `mib` mebibytes as the API server stores it (its canonical form: `1024Mi` is stored as
/// `1Gi`), so what Argo CD compares after a sync is what the release says.
fn memory_quantity(mib: u32) -> String {
    match mib {
        0 => "0".to_owned(),
        _ if mib.is_multiple_of(1024 * 1024) => format!("{}Ti", mib / (1024 * 1024)),
        _ if mib.is_multiple_of(1024) => format!("{}Gi", mib / 1024),
        _ => format!("{mib}Mi"),
    }
}

/// `millis` thousandths of a CPU as the API server stores it (`1000m` is stored as `1`).
fn cpu_quantity(millis: u32) -> String {
    match millis {
        _ if millis.is_multiple_of(1000) => (millis / 1000).to_string(),
        _ => format!("{millis}m"),
    }
}

#[cfg(test)]
mod quantity_tests {
    use super::{cpu_quantity, memory_quantity};

    #[test]
    fn quantities_are_written_in_the_form_the_api_server_stores() {
        assert_eq!(memory_quantity(1024), "1Gi");
        assert_eq!(memory_quantity(1536), "1536Mi");
        assert_eq!(memory_quantity(2 * 1024 * 1024), "2Ti");
        assert_eq!(memory_quantity(0), "0");
        assert_eq!(cpu_quantity(2000), "2");
        assert_eq!(cpu_quantity(500), "500m");
        assert_eq!(cpu_quantity(0), "0");
    }
}
