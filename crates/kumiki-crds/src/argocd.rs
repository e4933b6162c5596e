//! Argo CD 3.5 custom resources (`argoproj.io/v1alpha1`): Application and AppProject.

use k8s_openapi::NamespaceResourceScope;
use serde::Serialize;

use crate::{Extra, custom_resource};

custom_resource! {
    /// A set of manifests (a directory of a git repository or a Helm chart) Argo CD keeps
    /// in sync with a cluster.
    #[derive(Clone, Debug, Default, PartialEq)]
    Application(ApplicationSpec): group = "argoproj.io", version = "v1alpha1", plural = "applications",
        scope = NamespaceResourceScope
}

/// `Application.spec`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationSpec {
    /// The AppProject the application belongs to; it bounds sources, destinations and kinds.
    pub project: String,
    /// Where the manifests come from.
    pub source: ApplicationSource,
    /// Where they are applied.
    pub destination: ApplicationDestination,
    /// When and how Argo CD syncs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync_policy: Option<SyncPolicy>,
    /// Any other field of the schema (`ignoreDifferences`, `revisionHistoryLimit`, `info`, ...).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `Application.spec.source`: a git directory (`path`) or a Helm chart (`chart`).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationSource {
    /// The git repository or Helm repository URL.
    #[serde(rename = "repoURL")]
    pub repo_url: String,
    /// The directory in a git repository.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The chart name in a Helm repository.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chart: Option<String>,
    /// A git revision, or a chart version.
    pub target_revision: String,
    /// Helm settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub helm: Option<HelmSource>,
    /// Any other field of the schema (`directory`, `kustomize`, `plugin`, `ref`, ...).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `Application.spec.source.helm`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HelmSource {
    /// The Helm release name.
    pub release_name: String,
    /// Values, as structured data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values_object: Option<serde_json::Value>,
    /// Any other field of the schema (`valueFiles`, `parameters`, `skipCrds`, ...).
    #[serde(flatten)]
    pub extra: Extra,
}

/// A cluster and namespace.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ApplicationDestination {
    /// The API server URL.
    pub server: String,
    /// The namespace namespaced objects without one go to (also what a project allows).
    pub namespace: String,
}

/// `Application.spec.syncPolicy`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncPolicy {
    /// Sync automatically on every change; `None` means manual syncs only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub automated: Option<AutomatedSync>,
    /// Options such as `CreateNamespace=false`, `PrunePropagationPolicy=foreground`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sync_options: Vec<String>,
    /// Any other field of the schema (`retry`, `managedNamespaceMetadata`).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `Application.spec.syncPolicy.automated`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AutomatedSync {
    /// Delete objects that are no longer in the source.
    pub prune: bool,
    /// Revert changes made in the cluster by hand.
    pub self_heal: bool,
}

custom_resource! {
    /// A boundary for Applications: which repositories, destinations and kinds they may use.
    #[derive(Clone, Debug, Default, PartialEq)]
    AppProject(AppProjectSpec): group = "argoproj.io", version = "v1alpha1", plural = "appprojects",
        scope = NamespaceResourceScope
}

/// `AppProject.spec`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppProjectSpec {
    /// What the project is for.
    pub description: String,
    /// Repositories member applications may use.
    pub source_repos: Vec<String>,
    /// Clusters and namespaces member applications may deploy to.
    pub destinations: Vec<ApplicationDestination>,
    /// Cluster-scoped kinds member applications may deploy; none when empty.
    pub cluster_resource_whitelist: Vec<GroupKind>,
    /// Any other field of the schema (`namespaceResourceWhitelist`, `roles`, `syncWindows`, ...).
    #[serde(flatten)]
    pub extra: Extra,
}

/// An API group and kind (the core group is `""`).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct GroupKind {
    /// The API group.
    pub group: String,
    /// The kind.
    pub kind: String,
}
