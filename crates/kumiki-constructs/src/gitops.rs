//! Argo CD from the model: the app-of-apps tree, AppProjects generated from the boundaries the
//! platform declares, Helm charts as Applications, sync policy and sync waves derived from the
//! apps of an environment.
//!
//! The tree for environment `env` under `release/<env>/`:
//! - `bootstrap/` — the `root` AppProject and the `root` Application, applied once by hand
//!   (`kubectl apply -f release/<env>/bootstrap/`): an Application cannot create itself.
//! - `root/` — one AppProject per team and one parent Application `team-<project>` per team.
//! - `team-<project>/` — one child Application per app directory and per Helm chart of the team.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kumiki_core::{EnvId, Name, SourceLocation, name};
use kumiki_crds::argocd::{
    AppProject, AppProjectClusterResourceWhitelist, AppProjectDestinations, AppProjectNamespaceResourceWhitelist,
    AppProjectSpec, Application, ApplicationDestination, ApplicationSource, ApplicationSourceHelm, ApplicationSpec,
    ApplicationSyncPolicy, ApplicationSyncPolicyAutomated,
};
use kumiki_synth::{App, Authority, ReleaseLayout};

use crate::rules::{GITOPS_CHART_BOUNDARY, GITOPS_TREE};

/// The annotation Argo CD orders a sync by: lower waves are applied (and healthy) first.
pub const SYNC_WAVE_ANNOTATION: &str = "argocd.argoproj.io/sync-wave";

/// Deleting an Application deletes what it deployed (foreground cascading deletion). The
/// name with its `/foreground` path, which Argo CD reads as the bare name: the API server
/// warns on a finalizer name without a path.
pub const RESOURCES_FINALIZER: &str = "resources-finalizer.argocd.argoproj.io/foreground";

/// An API group and kind (the core group is `""`), as an AppProject lists them.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GroupKind {
    /// The API group.
    pub group: String,
    /// The kind.
    pub kind: String,
}

/// How Argo CD syncs automatically: whether it deletes what left the source (prune) and
/// reverts changes made in the cluster by hand (self-heal).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AutomatedSync {
    /// Delete objects that are no longer in the source.
    pub prune: bool,
    /// Revert changes made in the cluster by hand.
    pub self_heal: bool,
}

/// An Argo CD project: a team's boundary. Declare projects as constants in the platform; an
/// Application can only be given one of them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Project {
    /// The AppProject's name.
    pub name: Name,
    /// What it is for.
    pub description: &'static str,
    /// What its apps may write: the AppProject is generated from it, and an object outside it
    /// is a synth error at the line that added the object.
    pub boundary: Boundary,
}

pub use kumiki_synth::Kind;

/// What a team's apps may write, declared by the platform (never derived from what the apps
/// emit, so a team cannot widen its own permissions by writing more).
///
/// In a constant, pass [`Boundary::services`] (or `services_without_mesh`) a slice constant of
/// its own (`const SHOP_NAMESPACES: &[Name] = &[SHOP];`): an inline `&[SHOP]` argument fails
/// with E0493 ("destructor cannot be evaluated at compile-time"; a `Name` may own its text, and
/// a function argument's temporary is dropped after the call; `tests/ui/
/// boundary_namespaces_inline.rs`). A struct literal (`Boundary { namespaces: &[SHOP], .. }`)
/// keeps its slice for the constant's whole life and compiles. A boundary that
/// differs between environments is a function of the environment returning the `Project`
/// (`fn services(env: Env) -> Project` with [`Boundary::services_in`]), not two constants.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Boundary {
    /// The namespaces its apps may write into.
    pub namespaces: &'static [Name],
    /// The namespaced kinds its apps may write; `None` for any (a platform team's).
    pub namespaced_kinds: Option<&'static [Kind]>,
    /// The cluster-scoped kinds its apps (and charts) may write.
    pub cluster_kinds: &'static [Kind],
}

/// The namespaced kinds a Microservice lowers to where there is no mesh: its workload,
/// Service, ConfigMap, Secret (dev) or ExternalSecret, claims, autoscaler, disruption budget,
/// NetworkPolicy and ServiceAccount.
pub const SERVICE_KINDS_WITHOUT_MESH: &[Kind] = &PLAIN_KINDS;

/// What a service needs in the mesh and no more: [`SERVICE_KINDS_WITHOUT_MESH`] and the mesh
/// kinds it owns (routes, destination rules, its ingress Gateway, authorization of its
/// callers, the ServiceEntry of its managed database). Mesh-wide security
/// (PeerAuthentication, Sidecar, EnvoyFilter) is not among them.
pub const SERVICE_KINDS: &[Kind] = &concat::<12, 5, 17>(PLAIN_KINDS, MESH_KINDS);

const PLAIN_KINDS: [Kind; 12] = [
    Kind::new("", "ConfigMap"),
    Kind::new("", "PersistentVolumeClaim"),
    Kind::new("", "Secret"),
    Kind::new("", "Service"),
    Kind::new("", "ServiceAccount"),
    Kind::new("apps", "Deployment"),
    Kind::new("apps", "StatefulSet"),
    Kind::new("autoscaling", "HorizontalPodAutoscaler"),
    Kind::new("external-secrets.io", "ExternalSecret"),
    Kind::new("monitoring.coreos.com", "ServiceMonitor"),
    Kind::new("networking.k8s.io", "NetworkPolicy"),
    Kind::new("policy", "PodDisruptionBudget"),
];

const MESH_KINDS: [Kind; 5] = [
    Kind::new("networking.istio.io", "DestinationRule"),
    Kind::new("networking.istio.io", "Gateway"),
    Kind::new("networking.istio.io", "ServiceEntry"),
    Kind::new("networking.istio.io", "VirtualService"),
    Kind::new("security.istio.io", "AuthorizationPolicy"),
];

/// `first` then `second` (`C` = `A` + `B`, or the constant does not compile).
const fn concat<const A: usize, const B: usize, const C: usize>(first: [Kind; A], second: [Kind; B]) -> [Kind; C] {
    assert!(A + B == C, "C must be A + B");
    let mut all = [Kind::new("", ""); C];
    let mut i = 0;
    while i < A {
        all[i] = first[i];
        i += 1;
    }
    while i < C {
        all[i] = second[i - A];
        i += 1;
    }
    all
}

impl Boundary {
    /// A service team's: `namespaces`, the [`SERVICE_KINDS`], nothing cluster-scoped.
    pub const fn services(namespaces: &'static [Name]) -> Boundary {
        Boundary {
            namespaces,
            namespaced_kinds: Some(SERVICE_KINDS),
            cluster_kinds: &[],
        }
    }

    /// A service team's on a cluster without a mesh: `namespaces`, the
    /// [`SERVICE_KINDS_WITHOUT_MESH`], nothing cluster-scoped.
    pub const fn services_without_mesh(namespaces: &'static [Name]) -> Boundary {
        Boundary {
            namespaces,
            namespaced_kinds: Some(SERVICE_KINDS_WITHOUT_MESH),
            cluster_kinds: &[],
        }
    }

    /// A service team's in `environment`: [`Boundary::services`] where it has a mesh,
    /// [`Boundary::services_without_mesh`] where not. One project function serves a platform
    /// whose environments differ (`fn services(env: Env) -> Project`), with no constant per
    /// case and no branch.
    pub fn services_in(environment: &crate::Environment, namespaces: &'static [Name]) -> Boundary {
        match environment.mesh {
            Some(_) => Boundary::services(namespaces),
            None => Boundary::services_without_mesh(namespaces),
        }
    }

    /// What every service crate may write, as the platform's [`Authority`]: this boundary's
    /// namespaces and kinds (a service team's boundary, the one its project syncs), with no
    /// export beyond, no reserved node group and no grant yet. A boundary that allows any
    /// namespaced kind (a platform team's) gives services none of them.
    pub fn authority(&self) -> Authority {
        let namespaced = self.namespaced_kinds.unwrap_or_default();
        Authority {
            namespaces: self.namespaces.to_vec(),
            kinds: namespaced.iter().chain(self.cluster_kinds).copied().collect(),
            ..Authority::default()
        }
    }

    fn group_kinds(kinds: &[Kind]) -> Vec<GroupKind> {
        let mut kinds: Vec<GroupKind> = (kinds.iter())
            .map(|kind| GroupKind {
                group: kind.group.to_owned(),
                kind: kind.kind.to_owned(),
            })
            .collect();
        kinds.sort();
        kinds.dedup();
        kinds
    }
}

/// A pinned Helm chart version (`major.minor.patch`): a range cannot be written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ChartVersion {
    major: u16,
    minor: u16,
    patch: u16,
}

impl ChartVersion {
    /// Version `major.minor.patch`.
    pub const fn new(major: u16, minor: u16, patch: u16) -> ChartVersion {
        ChartVersion { major, minor, patch }
    }
}

impl ChartVersion {
    /// `major-minor-patch`, the form Istio uses for revision names.
    pub fn hyphenated(&self) -> String {
        format!("{}-{}-{}", self.major, self.minor, self.patch)
    }
}

impl fmt::Display for ChartVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// A third-party Helm chart installed by an Application of its own.
#[derive(Clone, Debug, PartialEq)]
pub struct HelmChart {
    /// The Application's name, which is also the Helm release name.
    pub name: Name,
    /// The Helm repository URL.
    pub repository: &'static str,
    /// The chart's name in that repository.
    pub chart: &'static str,
    /// The pinned version.
    pub version: ChartVersion,
    /// The namespace it is installed in.
    pub namespace: Name,
    /// Its values, as structured data.
    pub values: serde_json::Value,
    /// Cluster-scoped kinds it installs; its project whitelists exactly these.
    pub cluster_kinds: Vec<GroupKind>,
    /// API groups whose CRDs it installs; whatever uses them syncs after it.
    pub provides_api_groups: Vec<&'static str>,
    /// API groups whose CRDs its software needs installed first (by an app or another chart).
    pub uses_api_groups: Vec<&'static str>,
    /// Charts of the same team it must follow (e.g. gateways after istiod, which injects them).
    pub after: Vec<Name>,
    /// Where it was declared: its Application's errors point there.
    pub declared_at: SourceLocation,
}

impl HelmChart {
    /// `chart` at `version` from `repository`, released as `name` in `namespace` with `values`;
    /// no cluster-scoped kinds, CRD groups or ordering until set. Problems with its
    /// Application point at the caller.
    #[track_caller]
    pub fn new(
        name: Name,
        repository: &'static str,
        chart: &'static str,
        version: ChartVersion,
        namespace: Name,
        values: serde_json::Value,
    ) -> HelmChart {
        HelmChart {
            name,
            repository,
            chart,
            version,
            namespace,
            values,
            cluster_kinds: Vec::new(),
            provides_api_groups: Vec::new(),
            uses_api_groups: Vec::new(),
            after: Vec::new(),
            declared_at: SourceLocation::caller(),
        }
    }
}

/// A team: its project, the app directories it owns and the charts it installs.
pub struct Team<'a> {
    /// Its project.
    pub project: &'a Project,
    /// Its apps, each synced from `release/<env>/<app>/`.
    pub apps: Vec<&'a App>,
    /// Its charts.
    pub charts: Vec<HelmChart>,
}

/// How Argo CD reaches the cluster and the repository, and how it syncs, in one environment.
#[derive(Clone, Debug)]
pub struct GitOps {
    /// The environment.
    pub env: EnvId,
    /// Where Argo CD and its Applications live.
    pub namespace: Name,
    /// The API server Applications deploy to.
    pub server: &'static str,
    /// The git repository holding `release/`.
    pub repository: &'static str,
    /// The revision Argo CD follows in it.
    pub revision: &'static str,
    /// The directory of `release/` in the repository.
    pub release_root: &'static str,
    /// The project of the root and parent Applications.
    pub root_project: Project,
    /// Automated sync (with prune and self-heal as chosen) or, when `None`, manual syncs.
    pub automated: Option<AutomatedSync>,
}

/// What one child Application provides to and needs from the others, for sync waves.
struct Child {
    name: String,
    declared_at: SourceLocation,
    provides: BTreeSet<String>,
    needs: BTreeSet<String>,
}

/// Longest-chain depth of each node in a dependency graph (`deps[i]` are the nodes `i`
/// follows); `Err(node)` with a node on a cycle when there is one.
fn waves(deps: &[BTreeSet<usize>]) -> Result<Vec<i32>, usize> {
    fn depth(
        node: usize,
        deps: &[BTreeSet<usize>],
        memo: &mut [Option<i32>],
        visiting: &mut [bool],
    ) -> Result<i32, usize> {
        if let Some(known) = memo[node] {
            return Ok(known);
        }
        if visiting[node] {
            return Err(node);
        }
        visiting[node] = true;
        let mut wave = 0;
        for &dep in &deps[node] {
            wave = wave.max(depth(dep, deps, memo, visiting)? + 1);
        }
        visiting[node] = false;
        memo[node] = Some(wave);
        Ok(wave)
    }
    let mut memo = vec![None; deps.len()];
    let mut visiting = vec![false; deps.len()];
    (0..deps.len())
        .map(|node| depth(node, deps, &mut memo, &mut visiting))
        .collect()
}

/// Each group's dependencies: the other groups providing something one of its members needs
/// (a group is one child, or all the children of a team).
fn dependencies(groups: &[&[Child]]) -> Vec<BTreeSet<usize>> {
    let needs = |group: &[Child], provider: &Child| group.iter().any(|c| !provider.provides.is_disjoint(&c.needs));
    (groups.iter().enumerate())
        .map(|(index, group)| {
            (groups.iter().enumerate())
                .filter(|(other, providers)| *other != index && providers.iter().any(|p| needs(group, p)))
                .map(|(other, _)| other)
                .collect()
        })
        .collect()
}

/// What an app directory provides (the namespaces it creates, the API groups of the CRDs it
/// defines) and needs (the namespaces it writes into, the API groups of its kinds).
fn app_child(app: &App) -> Child {
    let mut provides = BTreeSet::new();
    let mut needs = BTreeSet::new();
    for declared in app.objects() {
        let object = declared.object.as_ref();
        if object.kind() == "Namespace" && object.group().is_empty() {
            provides.insert(format!(
                "namespace/{}",
                object.metadata().name.as_deref().unwrap_or_default()
            ));
        }
        if let Some(definition) = object.as_any().downcast_ref::<CustomResourceDefinition>() {
            provides.insert(format!("group/{}", definition.spec.group));
        }
        if let Some(namespace) = &object.metadata().namespace {
            needs.insert(format!("namespace/{namespace}"));
        }
        needs.insert(format!("group/{}", object.group()));
    }
    Child {
        name: app.name().to_string(),
        declared_at: app.declared_at(),
        provides,
        needs,
    }
}

fn chart_child(chart: &HelmChart) -> Child {
    let provides = (chart.provides_api_groups.iter()).map(|group| format!("group/{group}"));
    let needs = std::iter::once(format!("namespace/{}", chart.namespace))
        .chain(chart.uses_api_groups.iter().map(|group| format!("group/{group}")))
        .chain(chart.after.iter().map(|name| format!("chart/{name}")));
    Child {
        name: chart.name.to_string(),
        declared_at: chart.declared_at,
        provides: provides.chain([format!("chart/{}", chart.name)]).collect(),
        needs: needs.collect(),
    }
}

/// The namespace an app's Application points at: the first one its objects live in, else the
/// first one it creates. None for an app of other cluster-scoped objects only.
fn destination_namespace(app: &App) -> Option<String> {
    let objects = app.objects().iter().map(|declared| declared.object.as_ref());
    let namespaced = objects.clone().find_map(|object| object.metadata().namespace.clone());
    namespaced.or_else(|| {
        objects
            .filter(|object| object.kind() == "Namespace" && object.group().is_empty())
            .find_map(|object| object.metadata().name.clone())
    })
}

impl GitOps {
    fn path(&self, app: &str) -> String {
        format!("{}/{}/{app}", self.release_root, self.env)
    }

    fn metadata(&self, name: &str, wave: Option<i32>, finalize: bool) -> ObjectMeta {
        ObjectMeta {
            name: Some(name.to_owned()),
            namespace: Some(self.namespace.to_string()),
            labels: Some(BTreeMap::from([
                ("app.kubernetes.io/managed-by".to_owned(), "kumiki".to_owned()),
                ("env".to_owned(), self.env.to_string()),
            ])),
            annotations: wave.map(|wave| BTreeMap::from([(SYNC_WAVE_ANNOTATION.to_owned(), wave.to_string())])),
            finalizers: finalize.then(|| vec![RESOURCES_FINALIZER.to_owned()]),
            ..Default::default()
        }
    }

    fn destination(&self, namespace: String) -> ApplicationDestination {
        ApplicationDestination {
            server: Some(self.server.to_owned()),
            namespace: Some(namespace),
            ..Default::default()
        }
    }

    fn sync_policy(&self) -> ApplicationSyncPolicy {
        ApplicationSyncPolicy {
            automated: self.automated.map(|automated| ApplicationSyncPolicyAutomated {
                prune: Some(automated.prune),
                self_heal: Some(automated.self_heal),
                ..Default::default()
            }),
            // Namespaces are objects of the model, never created on the side.
            sync_options: Some(vec!["CreateNamespace=false".to_owned()]),
            ..Default::default()
        }
    }

    /// An Application syncing `release/<env>/<app>/` from the repository.
    fn directory_application(&self, app: &str, project: &Name, namespace: String, wave: Option<i32>) -> Application {
        Application {
            metadata: self.metadata(app, wave, true),
            spec: ApplicationSpec {
                project: project.to_string(),
                source: Some(ApplicationSource {
                    repo_url: self.repository.to_owned(),
                    path: Some(self.path(app)),
                    target_revision: Some(self.revision.to_owned()),
                    ..Default::default()
                }),
                destination: self.destination(namespace),
                sync_policy: Some(self.sync_policy()),
                ..Default::default()
            },
        }
    }

    fn chart_application(&self, chart: &HelmChart, project: &Name, wave: i32) -> Application {
        Application {
            metadata: self.metadata(chart.name.as_str(), Some(wave), true),
            spec: ApplicationSpec {
                project: project.to_string(),
                source: Some(ApplicationSource {
                    repo_url: chart.repository.to_owned(),
                    chart: Some(chart.chart.to_owned()),
                    target_revision: Some(chart.version.to_string()),
                    helm: Some(ApplicationSourceHelm {
                        release_name: Some(chart.name.to_string()),
                        values_object: (chart.values.as_object())
                            .map(|values| values.iter().map(|(key, value)| (key.clone(), value.clone())).collect()),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
                destination: self.destination(chart.namespace.to_string()),
                sync_policy: Some(self.sync_policy()),
                ..Default::default()
            },
        }
    }

    /// The AppProject of `project`, generated from its boundary.
    fn project(&self, project: &Project, repos: BTreeSet<String>) -> AppProject {
        let boundary = &project.boundary;
        let namespaces: BTreeSet<String> = boundary.namespaces.iter().map(Name::to_string).collect();
        let namespaced_kinds = (boundary.namespaced_kinds).map(|kinds| {
            (Boundary::group_kinds(kinds).into_iter())
                .map(|GroupKind { group, kind }| AppProjectNamespaceResourceWhitelist { group, kind })
                .collect()
        });
        // An empty cluster whitelist is written out: it is what denies every cluster-scoped kind.
        let cluster_kinds = (Boundary::group_kinds(boundary.cluster_kinds).into_iter())
            .map(|GroupKind { group, kind }| AppProjectClusterResourceWhitelist {
                group,
                kind,
                ..Default::default()
            })
            .collect();
        AppProject {
            metadata: self.metadata(project.name.as_str(), None, false),
            spec: AppProjectSpec {
                description: Some(project.description.to_owned()),
                source_repos: Some(repos.into_iter().collect()),
                destinations: Some(
                    (namespaces.into_iter())
                        .map(|namespace| AppProjectDestinations {
                            server: Some(self.server.to_owned()),
                            namespace: Some(namespace),
                            ..Default::default()
                        })
                        .collect(),
                ),
                cluster_resource_whitelist: Some(cluster_kinds),
                namespace_resource_whitelist: namespaced_kinds,
                ..Default::default()
            },
        }
    }

    /// Where the tree's release lives, for the platform's facts
    /// ([`PlatformFacts::layout`](kumiki_synth::PlatformFacts)): synth checks that every
    /// Application syncs an app directory of it and every directory but `bootstrap` (applied by
    /// hand) is synced by one Application.
    pub fn layout(&self) -> ReleaseLayout {
        ReleaseLayout {
            repository: self.repository.to_owned(),
            path_prefix: format!("{}/{}", self.release_root, self.env),
            applied_by_hand: vec!["bootstrap".to_owned()],
        }
    }

    /// The whole tree: `bootstrap`, `root` and one `team-<project>` app per team. Waves are
    /// derived from what each child creates and uses (namespaces, CRD groups, declared chart
    /// order); a cycle is reported on the `root` app.
    #[track_caller]
    pub fn tree(&self, teams: &[Team]) -> Vec<App> {
        let at = SourceLocation::caller();
        let mut root = App::new(name!("root"));
        let mut team_apps = Vec::new();
        let mut team_children: Vec<Vec<Child>> = Vec::new();
        for team in teams {
            if let Some((parent, children)) = self.team_parent(team, at, &mut root) {
                team_apps.push(parent);
                team_children.push(children);
            }
        }
        // A team follows the teams whose children provide what its children need.
        let teams_children: Vec<&[Child]> = team_children.iter().map(Vec::as_slice).collect();
        let team_waves = waves(&dependencies(&teams_children)).unwrap_or_else(|node| {
            root.report(
                at,
                &GITOPS_TREE,
                format!(
                    "{} needs, through other teams, what its own apps provide: the parents cannot be ordered",
                    team_apps[node].name()
                ),
            );
            vec![0; team_apps.len()]
        });
        for (parent, wave) in team_apps.iter().zip(team_waves) {
            let root_project = &self.root_project.name;
            let application = self.directory_application(
                parent.name().as_str(),
                root_project,
                self.namespace.to_string(),
                Some(wave),
            );
            root.add_at(application, at);
        }
        let mut apps = vec![self.bootstrap(at), root];
        apps.extend(team_apps);
        apps
    }

    /// The parent app `team-<project>` of one team, with an Application per app and chart in
    /// their waves, and the team's AppProject added to `root`; `None` when the project's name
    /// makes no app name (reported on `root`).
    fn team_parent(&self, team: &Team, at: SourceLocation, root: &mut App) -> Option<(App, Vec<Child>)> {
        let dir = format!("team-{}", team.project.name);
        let Ok(parent_name) = Name::try_from(dir.as_str()) else {
            root.report(
                at,
                &GITOPS_TREE,
                format!(
                    "project {}: its parent app name \"{dir}\" is longer than 63 characters",
                    team.project.name
                ),
            );
            return None;
        };
        let children: Vec<Child> = (team.apps.iter().map(|app| app_child(app)))
            .chain(team.charts.iter().map(chart_child))
            .collect();
        let singles: Vec<&[Child]> = children.iter().map(std::slice::from_ref).collect();
        let child_waves = waves(&dependencies(&singles)).unwrap_or_else(|node| {
            root.report(
                children[node].declared_at,
                &GITOPS_TREE,
                format!(
                    "{} of project {} needs, through other apps, what it provides itself: sync waves cannot order them (move what the others need into an app of its own)",
                    children[node].name, team.project.name
                ),
            );
            vec![0; children.len()]
        });
        let mut parent = App::new(parent_name);
        let project = &team.project.name;
        for (app, wave) in team.apps.iter().zip(&child_waves) {
            // Cluster-scoped objects ignore the destination namespace: Argo CD's own will do.
            let namespace = match destination_namespace(app) {
                Some(namespace) => namespace,
                None if !app.objects().is_empty() => self.namespace.to_string(),
                None => {
                    parent.report(
                        app.declared_at(),
                        &GITOPS_TREE,
                        format!("app {} has no object to deploy", app.name()),
                    );
                    continue;
                }
            };
            // The Application's problems come from what the app holds: they point at the app.
            parent.add_at(
                self.directory_application(app.name().as_str(), project, namespace, Some(*wave)),
                app.declared_at(),
            );
        }
        let mut repos = BTreeSet::from([self.repository.to_owned()]);
        for (chart, wave) in team.charts.iter().zip(&child_waves[team.apps.len()..]) {
            repos.insert(chart.repository.to_owned());
            chart_boundary_problems(team, chart, &mut parent);
            parent.add_at(self.chart_application(chart, project, *wave), chart.declared_at);
        }
        root.add_at(self.project(team.project, repos), at);
        Some((parent, children))
    }

    /// `bootstrap`: the root project and the root Application, applied by hand once.
    fn bootstrap(&self, at: SourceLocation) -> App {
        let mut bootstrap = App::new(name!("bootstrap"));
        let repos = BTreeSet::from([self.repository.to_owned()]);
        bootstrap.add_at(self.project(&self.root_project, repos), at);
        let mut root_application =
            self.directory_application("root", &self.root_project.name, self.namespace.to_string(), None);
        // Deleting the root by hand must not cascade through the whole platform.
        root_application.metadata.finalizers = None;
        bootstrap.add_at(root_application, at);
        bootstrap
    }
}

/// A chart outside its team's boundary (namespace, cluster-scoped kinds) is reported at its
/// declaration.
fn chart_boundary_problems(team: &Team, chart: &HelmChart, parent: &mut App) {
    let boundary = &team.project.boundary;
    let project = &team.project.name;
    if !boundary.namespaces.contains(&chart.namespace) {
        parent.report(
            chart.declared_at,
            &GITOPS_CHART_BOUNDARY,
            format!(
                "chart {} installs into namespace {}, outside project {}'s boundary",
                chart.name, chart.namespace, project
            ),
        );
    }
    let allowed = Boundary::group_kinds(boundary.cluster_kinds);
    for kind in chart.cluster_kinds.iter().filter(|kind| !allowed.contains(kind)) {
        parent.report(
            chart.declared_at,
            &GITOPS_CHART_BOUNDARY,
            format!(
                "chart {} installs cluster-scoped kind {} (group \"{}\"), outside project {}'s boundary",
                chart.name, kind.kind, kind.group, project
            ),
        );
    }
}
