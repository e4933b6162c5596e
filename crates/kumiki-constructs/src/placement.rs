//! Pinning pods to a node group: the required node affinity and the toleration of the
//! group's taint, shared by Microservices and chart values.

use k8s_openapi::api::core::v1::{
    Affinity, NodeAffinity, NodeSelector, NodeSelectorRequirement, NodeSelectorTerm, Toleration,
};
use kumiki_core::{NODE_GROUP_LABEL, NodeGroup};

/// Requires the nodes of `group`.
pub fn node_affinity(group: &NodeGroup) -> Affinity {
    Affinity {
        node_affinity: Some(NodeAffinity {
            required_during_scheduling_ignored_during_execution: Some(NodeSelector {
                node_selector_terms: vec![NodeSelectorTerm {
                    match_expressions: Some(vec![NodeSelectorRequirement {
                        key: NODE_GROUP_LABEL.to_owned(),
                        operator: "In".to_owned(),
                        values: Some(vec![group.name.to_string()]),
                    }]),
                    ..Default::default()
                }],
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// Tolerates the taint of `group`, if it has one.
pub fn toleration(group: &NodeGroup) -> Option<Toleration> {
    let taint = group.taint.as_ref()?;
    Some(Toleration {
        key: Some(taint.key.to_string()),
        operator: Some("Equal".to_owned()),
        value: Some(taint.value.to_string()),
        effect: Some("NoSchedule".to_owned()),
        ..Default::default()
    })
}
