//! What a service crate may write: the platform's [`Authority`]. Every service crate may
//! write the kinds into the namespaces it lists; beyond that, a service has only what a
//! [`Grant`] names, to it, with a reason. Nothing is assumed: a platform that declares no
//! authority has granted its service crates nothing.

use std::fmt;

use kumiki_core::{LabelValue, Name, SourceLocation};

/// An API group and kind (the core group is `""`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Kind {
    /// The API group.
    pub group: &'static str,
    /// The kind.
    pub kind: &'static str,
}

impl Kind {
    /// `kind` of API group `group`.
    pub const fn new(group: &'static str, kind: &'static str) -> Kind {
        Kind { group, kind }
    }

    /// Whether it is `kind` of `group`.
    pub fn is(&self, group: &str, kind: &str) -> bool {
        self.group == group && self.kind == kind
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.group {
            "" => f.write_str(self.kind),
            group => write!(f, "{}/{group}", self.kind),
        }
    }
}

/// What service crates may write and what the platform grants single services beyond it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Authority {
    /// The namespaces every service crate may write into.
    pub namespaces: Vec<Name>,
    /// The kinds every service crate may write.
    pub kinds: Vec<Kind>,
    /// Namespaces besides its own that a service may make its mesh configuration (routes,
    /// destination rules, service entries) visible to, such as the ingress gateway's.
    pub export_to: Vec<Name>,
    /// Node groups for the platform's own components: a service's pods may not be placed
    /// there unless granted.
    pub reserved_node_groups: Vec<LabelValue>,
    /// What single services hold beyond the rest.
    pub grants: Vec<Grant>,
}

impl Authority {
    /// The grants to the service crate `service`.
    pub fn grants_to<'g>(&'g self, service: &'g str) -> impl Iterator<Item = &'g Grant> + 'g {
        self.grants.iter().filter(move |grant| grant.service == service)
    }
}

/// One right beyond what every service crate may do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Right {
    /// Writing objects of this kind.
    Kind(Kind),
    /// Writing into this namespace.
    Namespace(Name),
    /// Placing pods on this reserved node group.
    NodeGroup(LabelValue),
    /// Routing, exporting or registering this mesh host though it is not the service's own
    /// (another team's, or a wildcard such as `*`).
    Host(String),
}

impl fmt::Display for Right {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Right::Kind(kind) => write!(f, "writing {kind}"),
            Right::Namespace(namespace) => write!(f, "writing into namespace {namespace}"),
            Right::NodeGroup(group) => write!(f, "placing pods on node group {group}"),
            Right::Host(host) => write!(f, "claiming mesh host \"{host}\""),
        }
    }
}

/// A right the platform gives one service crate, with the reason it is acceptable; visible in
/// review, and listed by `rules`.
///
/// ```
/// use kumiki_synth::{Grant, Kind, Right};
///
/// let grant = Grant::new("reports", Right::Kind(Kind::new("batch", "Job")), "runs the nightly export");
/// assert_eq!(grant.service, "reports");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    /// The service crate it is given to.
    pub service: &'static str,
    /// What it may do.
    pub right: Right,
    /// Why that is acceptable.
    pub reason: &'static str,
    /// Where the platform grants it.
    pub declared_at: SourceLocation,
}

impl Grant {
    /// Gives `right` to the service crate `service`, because of `reason`.
    #[track_caller]
    pub fn new(service: &'static str, right: Right, reason: &'static str) -> Grant {
        Grant {
            service,
            right,
            reason,
            declared_at: SourceLocation::caller(),
        }
    }
}
