//! Deliberate exceptions to the pod rules, declared by the platform with a reason.

use kumiki_core::Name;

/// A pod rule, as its errors name it (`[rule: probes]`) and exemptions refer to it: a typed
/// name, so an exemption of a rule that does not exist does not compile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PodRule {
    /// No host network, PID or IPC namespace.
    HostNamespaces,
    /// Only the volume types the restricted profile allows.
    VolumeTypes,
    /// `runAsNonRoot: true`, never user 0.
    RunAsNonRoot,
    /// A `RuntimeDefault` or `Localhost` seccomp profile.
    Seccomp,
    /// No privileged container.
    Privileged,
    /// `allowPrivilegeEscalation: false`.
    PrivilegeEscalation,
    /// `ALL` capabilities dropped, none but `NET_BIND_SERVICE` added.
    Capabilities,
    /// No host port.
    HostPorts,
    /// CPU and memory requests and a memory limit on every container.
    Resources,
    /// Readiness and liveness on every long-running container.
    Probes,
    /// A valid image reference, pinned outside dev.
    Image,
    /// The workload's own ServiceAccount, declared by its app.
    ServiceAccount,
    /// Only the cluster's node groups and their taints.
    Placement,
}

impl PodRule {
    /// Every pod rule.
    pub const ALL: [PodRule; 13] = [
        PodRule::HostNamespaces,
        PodRule::VolumeTypes,
        PodRule::RunAsNonRoot,
        PodRule::Seccomp,
        PodRule::Privileged,
        PodRule::PrivilegeEscalation,
        PodRule::Capabilities,
        PodRule::HostPorts,
        PodRule::Resources,
        PodRule::Probes,
        PodRule::Image,
        PodRule::ServiceAccount,
        PodRule::Placement,
    ];

    /// The rule's name in error messages.
    pub const fn as_str(self) -> &'static str {
        match self {
            PodRule::HostNamespaces => "host-namespaces",
            PodRule::VolumeTypes => "volume-types",
            PodRule::RunAsNonRoot => "run-as-non-root",
            PodRule::Seccomp => "seccomp",
            PodRule::Privileged => "privileged",
            PodRule::PrivilegeEscalation => "privilege-escalation",
            PodRule::Capabilities => "capabilities",
            PodRule::HostPorts => "host-ports",
            PodRule::Resources => "resources",
            PodRule::Probes => "probes",
            PodRule::Image => "image",
            PodRule::ServiceAccount => "service-account",
            PodRule::Placement => "placement",
        }
    }
}

/// An exception to one pod rule for the workloads of one app, with the reason it is
/// acceptable. An app publishes it with [`App::publish`](crate::App::publish); it is honoured
/// only when published by another app than the exempted one (a service cannot exempt
/// itself), so exceptions are visible in review where the platform declares them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodExemption {
    /// The app whose workloads are exempted.
    pub app: Name,
    /// The rule lifted.
    pub rule: PodRule,
    /// Why the exception is acceptable.
    pub reason: &'static str,
}
