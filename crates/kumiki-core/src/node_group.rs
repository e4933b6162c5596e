//! Node groups: sets of nodes a workload can be pinned to.

use crate::label::{LabelKey, LabelValue};

/// The node label that names a node's group (the seed platform's convention).
pub const NODE_GROUP_LABEL: &str = "node.kubernetes.io/nodegroup";

/// A group of nodes, labelled `node.kubernetes.io/nodegroup=<name>` and optionally tainted
/// so that only pinned workloads run there. The platform defines its groups as constants;
/// services refer to those constants, so a misspelt group does not compile.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeGroup {
    /// The value of [`NODE_GROUP_LABEL`] on the group's nodes.
    pub name: LabelValue,
    /// The taint the group's nodes carry, if any; pinning emits the matching toleration.
    pub taint: Option<Taint>,
}

/// A `NoSchedule` taint `key=value`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Taint {
    /// The taint key.
    pub key: LabelKey,
    /// The taint value.
    pub value: LabelValue,
}

impl NodeGroup {
    /// A group without a taint.
    pub const fn new(name: LabelValue) -> NodeGroup {
        NodeGroup { name, taint: None }
    }

    /// A group whose nodes carry the `NoSchedule` taint `key=value`.
    pub const fn tainted(name: LabelValue, key: LabelKey, value: LabelValue) -> NodeGroup {
        NodeGroup {
            name,
            taint: Some(Taint { key, value }),
        }
    }
}
