//! Node pools: in stg and prd every node group yields a Karpenter NodePool whose nodes carry
//! exactly the label and taint the pinned pods' affinities and tolerations name; synth refuses
//! a pool that does not, and a node group no pool provides.

use kumiki::platform::{NODE_GROUP_LABEL, node_affinity, toleration};
use kumiki_tests::{app, app_mut, errors, find, take};
use platform::Env;
use platform::karpenter::node_pool::{NodePool, NodePoolTemplateSpecTaints, NodePoolTemplateSpecTaintsEffect};

#[test]
fn every_node_group_has_a_pool_whose_nodes_match_what_pods_are_pinned_with() {
    for env in [Env::Stg, Env::Prd] {
        let apps = xtask::model(env);
        let pools = app(&apps, "node-pools");
        let groups = platform::environment(env).node_groups;
        assert_eq!(
            pools
                .objects()
                .iter()
                .filter(|declared| declared.object.kind() == "NodePool")
                .count(),
            groups.len()
        );
        for group in &groups {
            let pool = find::<NodePool>(pools, group.name.as_str());
            let template = &pool.spec.template;
            // The label the pods' required affinity asks for.
            let affinity = node_affinity(group);
            let required = affinity
                .node_affinity
                .unwrap()
                .required_during_scheduling_ignored_during_execution
                .unwrap();
            let term = &required.node_selector_terms[0].match_expressions.as_ref().unwrap()[0];
            let labels = template.metadata.as_ref().unwrap().labels.as_ref().unwrap();
            assert_eq!(
                labels.get(&term.key),
                term.values.as_ref().unwrap().first(),
                "{env}/{}",
                group.name
            );
            assert_eq!(term.key, NODE_GROUP_LABEL);
            // The taint the pods tolerate, and no other.
            let taints: Vec<(String, Option<String>, &str)> = (template.spec.taints.iter().flatten())
                .map(|taint| {
                    let effect = match taint.effect {
                        NodePoolTemplateSpecTaintsEffect::NoSchedule => "NoSchedule",
                        _ => "other",
                    };
                    (taint.key.clone(), taint.value.clone(), effect)
                })
                .collect();
            let tolerated: Vec<(String, Option<String>, &str)> = (toleration(group).into_iter())
                .map(|toleration| (toleration.key.unwrap(), toleration.value, "NoSchedule"))
                .collect();
            assert_eq!(taints, tolerated, "{env}/{}", group.name);
        }
        assert!(kumiki::synth::synthesize(apps).is_ok());
    }
    // dev labels its one machine by hand: no pools.
    assert!(
        !xtask::model(Env::Dev)
            .apps
            .iter()
            .any(|app| app.name().as_str() == "node-pools")
    );
}

#[test]
fn a_pool_whose_taint_differs_from_its_group_is_refused_at_its_line() {
    let mut apps = xtask::model(Env::Prd);
    let pools = app_mut(&mut apps, "node-pools");
    let mut pool = take::<NodePool>(pools, "deploy");
    pool.spec.template.spec.taints = Some(vec![NodePoolTemplateSpecTaints {
        key: NODE_GROUP_LABEL.to_owned(),
        value: Some("deploy".to_owned()),
        effect: NodePoolTemplateSpecTaintsEffect::NoExecute,
        time_added: None,
    }]);
    let line = line!() + 1;
    pools.add(pool);
    assert_eq!(
        errors(apps),
        [format!(
            "{}:{line}: prd/node-pools: NodePool deploy gives node group deploy the taints \
             node.kubernetes.io/nodegroup=deploy:NoExecute, but its pods tolerate \
             node.kubernetes.io/nodegroup=deploy:NoSchedule: the pool's nodes must carry exactly the group's taint [rule: nodes.pools]",
            file!()
        )]
    );
}

#[test]
fn a_node_group_without_a_pool_and_a_pool_of_no_group_are_refused() {
    let mut apps = xtask::model(Env::Prd);
    let pools = app_mut(&mut apps, "node-pools");
    let mut pool = take::<NodePool>(pools, "ingress");
    let labels = pool.spec.template.metadata.as_mut().unwrap().labels.as_mut().unwrap();
    labels.insert(NODE_GROUP_LABEL.to_owned(), "edge".to_owned());
    let line = line!() + 1;
    pools.add(pool);
    let errors = errors(apps);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(
        errors[1],
        format!(
            "{}:{line}: prd/node-pools: NodePool ingress labels its nodes node.kubernetes.io/nodegroup=edge, a node \
             group the platform does not declare [rule: nodes.pools]",
            file!()
        )
    );
    // Reported at the app of the pools, where the missing one goes.
    assert!(
        errors[0].starts_with("platform/src/node_pools.rs:")
            && errors[0].ends_with(
                "prd/node-pools: node group ingress has no NodePool labelling its nodes \
                 node.kubernetes.io/nodegroup=ingress: the pods pinned to it would stay Pending [rule: nodes.pools]"
            ),
        "{errors:?}"
    );
}

#[test]
fn the_dev_labelling_script_labels_exactly_the_groups_dev_declares() {
    let script = std::fs::read_to_string(xtask::workspace_root().join("scripts/label-dev-nodes.sh")).unwrap();
    let mut labelled: Vec<(String, String)> = (script.lines())
        .filter(|line| line.trim_start().starts_with("kubectl"))
        .filter_map(|line| line.split_once(" label nodes --all "))
        .filter_map(|(_, rest)| rest.split_whitespace().next()?.split_once('='))
        .map(|(key, value)| (key.to_owned(), value.to_owned()))
        .collect();
    labelled.sort();
    let groups = platform::environment(Env::Dev).node_groups;
    let mut declared: Vec<(String, String)> = (groups.iter())
        .map(|group| (NODE_GROUP_LABEL.to_owned(), group.name.to_string()))
        .collect();
    declared.sort();
    assert_eq!(labelled, declared, "scripts/label-dev-nodes.sh");
    // The script taints nothing, so dev's groups carry no taint.
    assert!(groups.iter().all(|group| group.taint.is_none()) && !script.contains("kubectl taint"));
}
