//! Nodes for the node groups, in stg and prd (EKS): each [`node_groups`] constant yields a
//! Karpenter NodePool whose nodes carry the group's label and taint (the very ones the pods'
//! affinities and tolerations name, from the same constant) and the EC2NodeClass they launch
//! from. Synth holds the pools to the node groups the environment declares.
//!
//! dev runs on one local machine, labelled by hand (`scripts/label-dev-nodes.sh`).

use kumiki::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kumiki::platform::NODE_GROUP_LABEL;
use kumiki::prelude::*;

use crate::karpenter::ec2_node_class::{
    EC2NodeClass, Ec2NodeClassAmiSelectorTerms, Ec2NodeClassSecurityGroupSelectorTerms, Ec2NodeClassSpec,
    Ec2NodeClassSubnetSelectorTerms,
};
use crate::karpenter::node_pool::{
    NodePool, NodePoolSpec, NodePoolTemplate, NodePoolTemplateMetadata, NodePoolTemplateSpec,
    NodePoolTemplateSpecNodeClassRef, NodePoolTemplateSpecRequirements, NodePoolTemplateSpecRequirementsOperator,
    NodePoolTemplateSpecTaints, NodePoolTemplateSpecTaintsEffect,
};
use crate::{Env, PART_OF, environment};

/// The EKS cluster of `env`: subnets and security groups are found by its discovery tag.
pub fn cluster_name(env: Env) -> String {
    format!("{PART_OF}-{env}")
}

/// The Amazon Linux 2023 EKS-optimized image, pinned: a new one is a reviewed change (nodes
/// are replaced when it changes). A placeholder: set the release the cluster was tested with.
pub const AMI_ALIAS: &str = "al2023@v20250920";

/// The app of the NodePools and EC2NodeClasses (stg, prd).
pub fn app(env: Env) -> Option<App> {
    if env == Env::Dev {
        return None;
    }
    let mut app = App::new(name!("node-pools"));
    for group in environment(env).node_groups {
        app.add(node_class(env, &group));
        app.add(node_pool(env, &group));
    }
    Some(app)
}

fn metadata(env: Env, group: &NodeGroup) -> ObjectMeta {
    ObjectMeta {
        name: Some(group.name.to_string()),
        labels: Some(environment(env).labels()),
        ..Default::default()
    }
}

/// The nodes of `group`: its label, its taint (`NoSchedule`, as pods tolerate it), on-demand
/// x86 instances of the general-purpose families, replaced after 30 days.
fn node_pool(env: Env, group: &NodeGroup) -> NodePool {
    let requirement = |key: &str, values: &[&str]| NodePoolTemplateSpecRequirements {
        key: key.to_owned(),
        operator: NodePoolTemplateSpecRequirementsOperator::In,
        values: Some(values.iter().map(|value| (*value).to_owned()).collect()),
        min_values: None,
    };
    NodePool {
        metadata: metadata(env, group),
        spec: NodePoolSpec {
            template: NodePoolTemplate {
                metadata: Some(NodePoolTemplateMetadata {
                    labels: Some([(NODE_GROUP_LABEL.to_owned(), group.name.to_string())].into()),
                    annotations: None,
                }),
                spec: NodePoolTemplateSpec {
                    node_class_ref: NodePoolTemplateSpecNodeClassRef {
                        group: "karpenter.k8s.aws".to_owned(),
                        kind: "EC2NodeClass".to_owned(),
                        name: group.name.to_string(),
                    },
                    taints: group.taint.as_ref().map(|taint| {
                        vec![NodePoolTemplateSpecTaints {
                            key: taint.key.to_string(),
                            value: Some(taint.value.to_string()),
                            effect: NodePoolTemplateSpecTaintsEffect::NoSchedule,
                            time_added: None,
                        }]
                    }),
                    requirements: vec![
                        requirement("karpenter.sh/capacity-type", &["on-demand"]),
                        requirement("kubernetes.io/arch", &["amd64"]),
                        requirement("karpenter.k8s.aws/instance-category", &["c", "m", "r"]),
                    ],
                    expire_after: Some("720h".to_owned()),
                    ..Default::default()
                },
            },
            ..Default::default()
        },
    }
}

/// How `group`'s nodes launch: the pinned image, the cluster's node role, the subnets and
/// security groups tagged for the cluster.
fn node_class(env: Env, group: &NodeGroup) -> EC2NodeClass {
    let cluster = cluster_name(env);
    let discovery = || Some([("karpenter.sh/discovery".to_owned(), cluster.clone())].into());
    EC2NodeClass {
        metadata: metadata(env, group),
        spec: Ec2NodeClassSpec {
            ami_selector_terms: vec![Ec2NodeClassAmiSelectorTerms {
                alias: Some(AMI_ALIAS.to_owned()),
                ..Default::default()
            }],
            role: Some(format!("KarpenterNodeRole-{cluster}")),
            subnet_selector_terms: vec![Ec2NodeClassSubnetSelectorTerms {
                tags: discovery(),
                ..Default::default()
            }],
            security_group_selector_terms: vec![Ec2NodeClassSecurityGroupSelectorTerms {
                tags: discovery(),
                ..Default::default()
            }],
            ..Default::default()
        },
    }
}
