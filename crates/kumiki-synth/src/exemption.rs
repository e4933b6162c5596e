//! Deliberate exceptions to the pod rules, declared by the platform with a reason.

use kumiki_core::Name;

/// The pod rules, as their errors name them (`[rule: …]`) and exemptions refer to them.
pub const POD_RULES: [&str; 13] = [
    "host-namespaces",
    "volume-types",
    "run-as-non-root",
    "seccomp",
    "privileged",
    "privilege-escalation",
    "capabilities",
    "host-ports",
    "resources",
    "probes",
    "image",
    "service-account",
    "placement",
];

/// An exception to one pod rule for the workloads of one app, with the reason it is
/// acceptable. An app publishes it with [`App::publish`](crate::App::publish); it is honoured
/// only when published by another app than the exempted one (a service cannot exempt
/// itself), so exceptions are visible in review where the platform declares them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodExemption {
    /// The app whose workloads are exempted.
    pub app: Name,
    /// The rule, one of [`POD_RULES`], as named in its error message (`[rule: probes]`).
    pub rule: &'static str,
    /// Why the exception is acceptable.
    pub reason: &'static str,
}
