//! The platform's policy for every workload a construct lowers: the values that shape pods
//! and rollouts. The SDK holds no default of its own; the platform crate states each one.

use typed_builder::TypedBuilder;

/// Workload defaults owned by the platform team. Every field shows up in the YAML, and
/// nothing in the SDK shapes a pod or a rollout without a field here.
///
/// Built with `builder()` (required fields checked at compile time): the struct is
/// `#[non_exhaustive]`, so a field added later does not break a platform that builds one.
#[derive(Clone, Debug, TypedBuilder)]
#[non_exhaustive]
pub struct Policy {
    /// Requests (and limits) of a container that declares none.
    pub default_resources: Resources,
    /// The security context of every pod and container.
    pub security: SecurityPolicy,
    /// Whether pods get a Kubernetes API token mounted (also set on each ServiceAccount).
    pub automount_service_account_token: bool,
    /// How a Deployment replaces its pods.
    pub rollout: Rollout,
    /// When a node pulls a remote image (an image of the local registry is always
    /// `IfNotPresent`: it exists only on the node).
    pub image_pull_policy: PullPolicy,
    /// Seconds a container sleeps in `preStop`, so that the mesh stops sending traffic
    /// before the process gets SIGTERM.
    pub pre_stop_sleep_seconds: u16,
    /// `terminationGracePeriodSeconds`; must exceed the preStop sleep.
    pub termination_grace_period_seconds: u16,
    /// `revisionHistoryLimit` of Deployments and StatefulSets.
    pub revision_history_limit: u16,
    /// Replicas of a Microservice that sets none.
    pub default_replicas: u16,
}

/// The pod and container security context every workload gets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecurityPolicy {
    /// The UID containers run as.
    pub run_as_user: i64,
    /// The primary GID containers run as (and, with a claimed volume, the pod's `fsGroup`).
    pub run_as_group: i64,
    /// `runAsNonRoot` of pod and containers: the kubelet refuses an image that runs as root.
    pub run_as_non_root: bool,
    /// The seccomp profile of the pod.
    pub seccomp: Seccomp,
    /// `readOnlyRootFilesystem`; when set, each pod gets a writable `/tmp` (an `emptyDir`).
    pub read_only_root_filesystem: bool,
    /// `allowPrivilegeEscalation` of every container (no container is ever `privileged`).
    pub allow_privilege_escalation: bool,
    /// Linux capabilities dropped from every container (`ALL` for none left).
    pub drop_capabilities: &'static [&'static str],
}

/// A pod's seccomp profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seccomp {
    /// The container runtime's default profile.
    RuntimeDefault,
}

impl Seccomp {
    /// The `seccompProfile.type` value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Seccomp::RuntimeDefault => "RuntimeDefault",
        }
    }
}

/// How a rolling update of a Deployment proceeds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rollout {
    /// Pods created above the desired count during an update.
    pub max_surge: u16,
    /// Pods allowed to be unavailable during an update (0: capacity never drops).
    pub max_unavailable: u16,
}

/// `imagePullPolicy` of a container.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PullPolicy {
    /// Ask the registry on every start (a moved tag is noticed).
    Always,
    /// Pull only when the node lacks the image.
    IfNotPresent,
}

impl PullPolicy {
    /// The `imagePullPolicy` value.
    pub const fn as_str(self) -> &'static str {
        match self {
            PullPolicy::Always => "Always",
            PullPolicy::IfNotPresent => "IfNotPresent",
        }
    }
}

/// CPU and memory of a container: requests, and limits (equal by default: Guaranteed QoS).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resources {
    /// Requested CPU, in millicores.
    pub cpu_millis: u32,
    /// Requested memory, in MiB.
    pub memory_mib: u32,
    /// CPU limit in millicores; `None` for no CPU limit.
    pub cpu_limit_millis: Option<u32>,
    /// Memory limit in MiB.
    pub memory_limit_mib: u32,
}

impl Resources {
    /// Requests equal to limits: the Guaranteed QoS class.
    pub const fn guaranteed(cpu_millis: u32, memory_mib: u32) -> Resources {
        Resources {
            cpu_millis,
            memory_mib,
            cpu_limit_millis: Some(cpu_millis),
            memory_limit_mib: memory_mib,
        }
    }

    /// Explicit requests and limits (Burstable QoS when they differ).
    pub const fn burstable(
        cpu_millis: u32,
        memory_mib: u32,
        cpu_limit_millis: u32,
        memory_limit_mib: u32,
    ) -> Resources {
        Resources {
            cpu_millis,
            memory_mib,
            cpu_limit_millis: Some(cpu_limit_millis),
            memory_limit_mib,
        }
    }
}
