//! How Argo CD delivers `release/<env>/`: the repository, the projects, the sync policy.

use kumiki::crds::argocd::AutomatedSync;
use kumiki::platform::{GitOps, Project};
use kumiki::prelude::*;

use crate::namespaces;

/// The Argo CD projects. An Application can only be given one of these constants.
pub mod projects {
    use kumiki::platform::Project;
    use kumiki::prelude::*;

    /// The root and parent Applications (Argo CD's own plumbing).
    pub const ROOT: Project = Project {
        name: name!("root"),
        description: "The root of the app-of-apps tree and the team parents",
    };
    /// The app team: the services.
    pub const APP: Project = Project {
        name: name!("app"),
        description: "The app team's services",
    };
    /// The infra team: namespaces, the mesh, egress and the third-party charts.
    pub const INFRA: Project = Project {
        name: name!("infra"),
        description: "The infra team's namespaces, mesh configuration and charts",
    };
}

/// The repository holding `release/` (the seed's manifests repository).
pub const REPOSITORY: &str = "https://github.com/hiroki-it/microservices-manifests.git";

/// Argo CD in `env`: every environment follows `main`; dev and stg sync automatically,
/// pruning and healing; prd syncs automatically and heals, but never prunes: a deletion in
/// prd is a reviewed, manual sync (`cargo xtask diff` warns about every one).
pub fn gitops(env: Env) -> GitOps {
    GitOps {
        env,
        namespace: namespaces::ARGOCD,
        server: "https://kubernetes.default.svc",
        repository: REPOSITORY,
        revision: "main",
        release_root: "release",
        root_project: Project::clone(&projects::ROOT),
        automated: Some(AutomatedSync {
            prune: env != Env::Prd,
            self_heal: true,
        }),
    }
}
