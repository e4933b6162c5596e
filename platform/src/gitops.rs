//! How Argo CD delivers `release/<env>/`: the repository, the projects, the sync policy.

use kumiki::platform::AutomatedSync;
use kumiki::platform::{GitOps, Project};

use crate::{Env, namespaces};

/// The Argo CD projects and what each team may write. An Application can only be given one
/// of these constants; each AppProject is generated from its `boundary`, so a team cannot
/// widen its own permissions by emitting more.
pub mod projects {
    use kumiki::platform::{Boundary, Kind, Project};
    use kumiki::prelude::*;

    use crate::namespaces;

    /// The root and parent Applications (Argo CD's own plumbing), in Argo CD's namespace.
    pub const ROOT: Project = Project {
        name: name!("root"),
        description: "The root of the app-of-apps tree and the team parents",
        boundary: Boundary {
            namespaces: &[namespaces::ARGOCD],
            namespaced_kinds: Some(&[
                Kind::new("argoproj.io", "AppProject"),
                Kind::new("argoproj.io", "Application"),
            ]),
            cluster_kinds: &[],
        },
    };
    /// The app team: the services, in their namespaces, with the kinds a service needs.
    pub const APP: Project = Project {
        name: name!("app"),
        description: "The app team's services",
        boundary: Boundary::services(namespaces::SERVICE_NAMESPACES),
    };

    /// The infra team: namespaces, the mesh, egress, secrets and the third-party charts. It
    /// runs the platform, so any namespaced kind, and the cluster-scoped kinds its charts and
    /// apps install.
    pub const INFRA: Project = Project {
        name: name!("infra"),
        description: "The infra team's namespaces, mesh configuration and charts",
        boundary: Boundary {
            namespaces: &[
                namespaces::ARGOCD,
                namespaces::EXTERNAL_SECRETS,
                namespaces::FLUENT_BIT,
                namespaces::ISTIO_EGRESS,
                namespaces::ISTIO_INGRESS,
                namespaces::ISTIO_SYSTEM,
                namespaces::JAEGER,
                namespaces::KARPENTER,
                namespaces::ORCHESTRATION,
                namespaces::PROMETHEUS,
                namespaces::SERVICES,
            ],
            namespaced_kinds: None,
            cluster_kinds: &[
                Kind::new("", "Namespace"),
                Kind::new("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
                Kind::new("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
                Kind::new("apiextensions.k8s.io", "CustomResourceDefinition"),
                Kind::new("karpenter.k8s.aws", "EC2NodeClass"),
                Kind::new("karpenter.sh", "NodePool"),
                Kind::new("rbac.authorization.k8s.io", "ClusterRole"),
                Kind::new("rbac.authorization.k8s.io", "ClusterRoleBinding"),
            ],
        },
    };
}

/// The repository holding `release/` (the seed's manifests repository).
pub const REPOSITORY: &str = "https://github.com/hiroki-it/microservices-manifests.git";

/// Argo CD in `env`: every environment follows `main`; dev and stg sync automatically,
/// pruning and healing; prd syncs automatically and heals, but never prunes: a deletion in
/// prd is a reviewed, manual sync (`cargo xtask diff` warns about every one).
pub fn gitops(env: Env) -> GitOps {
    GitOps {
        env: env.id(),
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
