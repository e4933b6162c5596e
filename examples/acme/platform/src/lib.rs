//! Acme's platform, owned by its platform team: three environments of its own, images from
//! GitHub's registry, no service mesh (plain Services and NetworkPolicies), one namespace for
//! the shop, and an Argo CD app-of-apps tree.

use kumiki::images::{Promotion, ReleasePolicy, VersionPolicy};
use kumiki::k8s_openapi::api::core::v1::Namespace;
use kumiki::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kumiki::platform::{
    Boundary, Environment, GitOps, Kind, PlatformFacts, Policy, Project, PullPolicy, Rollout, Seccomp, SecurityPolicy,
    Team,
};
use kumiki::prelude::*;

environments! {
    /// Acme's environments, in promotion order: a change reaches Europe before America.
    pub enum Env, stage Stage {
        /// The shared QA cluster: floating images allowed.
        Qa = development("qa"),
        /// Production in Europe.
        ProdEu = production("prod-eu"),
        /// Production in America.
        ProdUs = production("prod-us"),
    }
}

/// How versions reach the environments: qa floats; a release reaches Europe first, and
/// America runs what Europe ran.
pub const RELEASE: ReleasePolicy = ReleasePolicy {
    promotions: &[Promotion {
        from: Env::ProdEu.id(),
        to: Env::ProdUs.id(),
    }],
    versions: VersionPolicy::VERSIONS,
};

/// Where the shop's services run.
pub const SHOP: Name = name!("shop");
/// Argo CD and its Applications.
pub const ARGOCD: Name = name!("argocd");

/// The one node group of every cluster.
pub const GENERAL: NodeGroup = NodeGroup::new(label_value!("general"));

/// Acme's images: GitHub's container registry, under the organisation.
pub fn registry() -> Registry {
    Registry::Host(registry!("ghcr.io/acme"))
}

/// The environment every service of `env` is built in. There is no mesh.
pub fn environment(env: Env) -> Environment {
    let policy = Policy::builder()
        .default_resources(Resources::guaranteed(200, 256))
        .security(SecurityPolicy {
            run_as_user: 1000,
            run_as_group: 1000,
            run_as_non_root: true,
            seccomp: Seccomp::RuntimeDefault,
            read_only_root_filesystem: true,
            allow_privilege_escalation: false,
            drop_capabilities: &["ALL"],
        })
        .automount_service_account_token(false)
        .rollout(Rollout {
            max_surge: 1,
            max_unavailable: 0,
        })
        .image_pull_policy(PullPolicy::IfNotPresent)
        .pre_stop_sleep_seconds(3)
        .termination_grace_period_seconds(20)
        .revision_history_limit(3)
        .default_replicas(match env {
            Env::Qa => 1,
            Env::ProdEu | Env::ProdUs => 3,
        })
        .build();
    // No `.mesh(..)`: the clusters run none.
    Environment::builder()
        .env(env.id())
        .namespace(SHOP)
        .node_groups(vec![GENERAL])
        .part_of(label_value!("acme-shop"))
        .policy(policy)
        .build()
}

/// The Argo CD projects.
pub mod projects {
    use kumiki::platform::{Boundary, Kind, Project};
    use kumiki::prelude::*;

    /// The root and the team parents.
    pub const ROOT: Project = Project {
        name: name!("root"),
        description: "The app-of-apps root and the team parents",
        boundary: Boundary {
            namespaces: &[super::ARGOCD],
            namespaced_kinds: Some(&[
                Kind::new("argoproj.io", "AppProject"),
                Kind::new("argoproj.io", "Application"),
            ]),
            cluster_kinds: &[],
        },
    };
    /// The shop's services.
    pub const SHOP: Project = Project {
        name: name!("shop"),
        description: "The shop's services",
        boundary: Boundary::services_without_mesh(SHOP_NAMESPACES),
    };

    /// Where the shop runs.
    const SHOP_NAMESPACES: &[Name] = &[super::SHOP];
}

/// The platform team's own project: namespaces.
const PLATFORM: Project = Project {
    name: name!("platform"),
    description: "Acme's namespaces",
    boundary: Boundary {
        // The Application's destination; it writes no namespaced object.
        namespaces: &[SHOP],
        namespaced_kinds: Some(&[]),
        cluster_kinds: &[Kind::new("", "Namespace")],
    },
};

fn namespace(env: Env, name: &Name) -> Namespace {
    Namespace {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            labels: Some(environment(env).labels()),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// The platform's facts (its node group, the release layout) and its apps around the
/// services' apps: `namespaces`, and the Argo CD tree.
pub fn apps(env: Env, services: &[App]) -> (PlatformFacts, Vec<App>) {
    let mut namespaces = App::new(name!("namespaces"));
    namespaces.add(namespace(env, &SHOP)).add(namespace(env, &ARGOCD));
    let gitops = GitOps {
        env: env.id(),
        namespace: ARGOCD,
        server: "https://kubernetes.default.svc",
        repository: "https://github.com/acme/platform.git",
        revision: "main",
        release_root: "release",
        root_project: Project::clone(&projects::ROOT),
        automated: Some(kumiki::platform::AutomatedSync {
            prune: true,
            self_heal: true,
        }),
    };
    let tree = gitops.tree(&[
        Team {
            project: &PLATFORM,
            apps: vec![&namespaces],
            charts: Vec::new(),
        },
        Team {
            project: &projects::SHOP,
            apps: services.iter().collect(),
            charts: Vec::new(),
        },
    ]);
    let facts = PlatformFacts::builder()
        .node_groups(vec![GENERAL])
        .layout(gitops.layout())
        // The shop's services write what their Argo CD project syncs, and nothing else.
        .authority(projects::SHOP.boundary.authority())
        .build();
    let mut apps = vec![namespaces];
    apps.extend(tree);
    (facts, apps)
}
