//! Node pools against node groups: when the release provisions nodes with Karpenter
//! NodePools, every node group the platform declares (`PlatformFacts::node_groups`, the groups
//! pods are pinned to) has a pool whose nodes carry its label and exactly its taint, and every pool
//! that labels a group labels a declared one. A pod pinned to a group no pool provides, or
//! whose taint it does not tolerate, would stay Pending; nothing else in `release/` says so.
//!
//! Without NodePools in the release (nodes provisioned otherwise, or labelled by hand in dev)
//! the rule is silent.

use kumiki_core::{NODE_GROUP_LABEL, NodeGroup};

use super::index::{Index, Origin};
use super::views::{KARPENTER, NodePoolSpec, NodeTaint};
use super::{NODES_POOLS, OBJECT_SHAPE, Problems};

/// Every node-pool problem of the environment.
pub(crate) fn check<'a>(index: &Index<'a>, problems: &mut Problems<'a>) {
    let mut pools: Vec<(Origin<'a>, &str, NodePoolSpec)> = Vec::new();
    for object in index.of_kind(KARPENTER, "NodePool") {
        match object.spec_view::<NodePoolSpec>() {
            Ok(pool) => pools.push((object.origin(), object.name(), pool)),
            Err(error) => problems.report_as(&OBJECT_SHAPE, object.origin(), error),
        }
    }
    let Some((first_pool, ..)) = pools.first() else {
        return;
    };
    let groups = &index.facts().node_groups;
    for (origin, name, pool) in &pools {
        let Some(group_name) = pool.template.metadata.labels.get(NODE_GROUP_LABEL) else {
            continue;
        };
        let Some(group) = groups.iter().find(|group| group.name.as_str() == group_name) else {
            problems.report_as(
                &NODES_POOLS,
                *origin,
                format!(
                    "NodePool {name} labels its nodes {NODE_GROUP_LABEL}={group_name}, a node group the platform does \
                     not declare"
                ),
            );
            continue;
        };
        let mut taints: Vec<&NodeTaint> = pool.template.spec.taints.iter().collect();
        taints.sort();
        let expected = taint_of(group);
        if taints.iter().copied().ne(expected.iter()) {
            problems.report_as(
                &NODES_POOLS,
                *origin,
                format!(
                    "NodePool {name} gives node group {group_name} the taints {}, but its pods tolerate {}: \
                     the pool's nodes must carry exactly the group's taint",
                    describe(&taints),
                    describe(&expected.iter().collect::<Vec<_>>())
                ),
            );
        }
    }
    // A missing pool is added beside the others: reported at the app of the first.
    let pools_app = (index.apps().iter())
        .find(|app| app.app == first_pool.app)
        .copied()
        .unwrap_or(*first_pool);
    for group in groups {
        let provided = (pools.iter()).any(|(.., pool)| {
            pool.template.metadata.labels.get(NODE_GROUP_LABEL).map(String::as_str) == Some(group.name.as_str())
        });
        if !provided {
            problems.report_as(
                &NODES_POOLS,
                pools_app,
                format!(
                    "node group {} has no NodePool labelling its nodes {NODE_GROUP_LABEL}={}: the pods pinned to \
                     it would stay Pending",
                    group.name, group.name
                ),
            );
        }
    }
}

/// The taint a group's nodes carry, as pods tolerate it (`NoSchedule`).
fn taint_of(group: &NodeGroup) -> Vec<NodeTaint> {
    (group.taint.iter())
        .map(|taint| NodeTaint {
            key: taint.key.to_string(),
            value: taint.value.to_string(),
            effect: "NoSchedule".to_owned(),
        })
        .collect()
}

fn describe(taints: &[&NodeTaint]) -> String {
    if taints.is_empty() {
        return "none".to_owned();
    }
    let each: Vec<String> = (taints.iter())
        .map(|taint| format!("{}={}:{}", taint.key, taint.value, taint.effect))
        .collect();
    each.join(", ")
}
