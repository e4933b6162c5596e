//! Rules across the Argo CD objects of one environment: every Application syncs one app
//! directory of this release, its project exists and allows its source, destination and
//! everything the app writes; destinations are namespaces of the model; Applications and app
//! directories of `release/<env>/` match one to one.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::index::{Index, Origin, Rendered};
use super::views::{ARGO_CD, AppProjectSpec, ApplicationSource, ApplicationSpec, GroupKind};
use super::{
    ARGOCD_APP_SYNCED, ARGOCD_BOUNDARY, ARGOCD_DESTINATION, ARGOCD_PROJECT, ARGOCD_SOURCE, OBJECT_SHAPE, Problems,
};

/// Whether a project pattern (`*`, `prefix*` or an exact value) admits `value`.
fn admits(pattern: &str, value: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => value.starts_with(prefix),
        None => pattern == value,
    }
}

/// What the Argo CD rules read, by kind.
struct Model<'a> {
    by_app: HashMap<&'a str, Vec<&'a Rendered<'a>>>,
    projects: BTreeMap<(Option<&'a str>, &'a str), AppProjectSpec>,
    namespaces: BTreeSet<&'a str>,
    applications: Vec<(&'a Rendered<'a>, ApplicationSpec)>,
}

/// Every Argo CD problem of the environment.
pub(crate) fn check<'a>(index: &Index<'a>, problems: &mut Problems<'a>) {
    let model = read(index, problems);
    let mut synced_by: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (object, application) in &model.applications {
        let Some(source) = single_source(application) else {
            problems.report_as(
                &ARGOCD_SOURCE,
                object.origin(),
                format!(
                    "{}: must have exactly one `source` (kumiki checks what it syncs; `sources` and \
                     `sourceHydrator` are not checked)",
                    object.describe()
                ),
            );
            continue;
        };
        let destination = application.destination.namespace.as_deref().unwrap_or_default();
        if !model.namespaces.contains(destination) {
            problems.report_as(
                &ARGOCD_DESTINATION,
                object.origin(),
                format!(
                    "{}: deploys to namespace \"{destination}\", which is not a Namespace of the model",
                    object.describe()
                ),
            );
        }
        let directory = synced_directory(index, object, source, problems);
        if let Some(app) = directory {
            synced_by.entry(app).or_default().push(object.name());
        }
        project_problems(&model, object, application, source, directory, problems);
    }
    unsynced_apps(index, &synced_by, problems);
}

fn read<'a>(index: &Index<'a>, problems: &mut Problems<'a>) -> Model<'a> {
    let mut model = Model {
        by_app: HashMap::new(),
        projects: BTreeMap::new(),
        namespaces: index.of_kind("", "Namespace").map(Rendered::name).collect(),
        applications: Vec::new(),
    };
    for object in index.objects() {
        model.by_app.entry(object.origin().app).or_default().push(object);
    }
    for object in index.of_kind(ARGO_CD, "AppProject") {
        match object.spec_view::<AppProjectSpec>() {
            Ok(project) => {
                model.projects.insert((object.namespace(), object.name()), project);
            }
            Err(error) => problems.report_as(&OBJECT_SHAPE, object.origin(), error),
        }
    }
    for object in index.of_kind(ARGO_CD, "Application") {
        match object.spec_view::<ApplicationSpec>() {
            Ok(application) => model.applications.push((object, application)),
            Err(error) => problems.report_as(&OBJECT_SHAPE, object.origin(), error),
        }
    }
    model
}

/// The one source an Application syncs; several sources or a hydrator would sync what the
/// rules never see.
fn single_source(application: &ApplicationSpec) -> Option<&ApplicationSource> {
    (application.source.as_ref()).filter(|_| application.sources.is_none() && application.source_hydrator.is_none())
}

/// The app directory of this release an Application syncs: its source must be the release's
/// repository and its path one of the release's app directories.
fn synced_directory<'a>(
    index: &Index<'a>,
    object: &Rendered<'a>,
    source: &ApplicationSource,
    problems: &mut Problems<'a>,
) -> Option<&'a str> {
    let Some(layout) = &index.facts().layout else {
        problems.report_as(
            &ARGOCD_SOURCE,
            object.origin(),
            format!(
                "{}: the platform declares no release layout (`PlatformFacts::layout`), so what it syncs cannot be \
                 checked",
                object.describe()
            ),
        );
        return None;
    };
    if layout.repository != source.repo_url {
        return None;
    }
    let path = source.path.as_deref().unwrap_or_default();
    let app = (path.strip_prefix(&layout.path_prefix))
        .and_then(|rest| rest.strip_prefix('/'))
        .and_then(|app| index.app(app));
    if app.is_none() {
        problems.report_as(
            &ARGOCD_SOURCE,
            object.origin(),
            format!(
                "{}: syncs path \"{path}\", which is not an app directory of {}",
                object.describe(),
                layout.path_prefix
            ),
        );
    }
    app.map(|app| app.app)
}

/// The project exists, allows the source and destination, and every object of the synced app
/// lies inside its boundary.
fn project_problems<'a>(
    model: &Model<'a>,
    object: &Rendered<'a>,
    application: &ApplicationSpec,
    source: &ApplicationSource,
    directory: Option<&str>,
    problems: &mut Problems<'a>,
) {
    let describe = object.describe();
    let project_name = &application.project;
    let Some(project) = model.projects.get(&(object.namespace(), project_name.as_str())) else {
        problems.report_as(
            &ARGOCD_PROJECT,
            object.origin(),
            format!("{describe}: names project \"{project_name}\", which no AppProject declares"),
        );
        return;
    };
    if !(project.source_repos.iter()).any(|repo| admits(repo, &source.repo_url)) {
        problems.report_as(
            &ARGOCD_PROJECT,
            object.origin(),
            format!(
                "{describe}: project \"{project_name}\" does not allow repository {}",
                source.repo_url
            ),
        );
    }
    let destination = application.destination.namespace.as_deref().unwrap_or_default();
    if !allows_namespace(project, destination) {
        problems.report_as(
            &ARGOCD_PROJECT,
            object.origin(),
            format!("{describe}: project \"{project_name}\" does not allow namespace \"{destination}\""),
        );
    }
    let deployed = directory.and_then(|app| model.by_app.get(app)).into_iter().flatten();
    for written in deployed {
        if let Some(what) = outside_boundary(project, written) {
            problems.report_as(
                &ARGOCD_BOUNDARY,
                written.origin(),
                format!(
                    "{} {} {what}, outside the boundary project \"{project_name}\" declares ({describe})",
                    written.kind(),
                    written.name()
                ),
            );
        }
    }
}

fn allows_namespace(project: &AppProjectSpec, namespace: &str) -> bool {
    (project.destinations.iter())
        .filter_map(|allowed| allowed.namespace.as_deref())
        .any(|pattern| admits(pattern, namespace))
}

/// What puts `object` outside the project's boundary, if anything. No namespaced whitelist
/// admits every kind (Argo CD's rule), a blacklist takes kinds out; no cluster whitelist
/// admits none.
fn outside_boundary(project: &AppProjectSpec, object: &Rendered) -> Option<String> {
    let matches = |kinds: &[GroupKind]| {
        (kinds.iter()).any(|allowed| admits(&allowed.group, object.group()) && admits(&allowed.kind, object.kind()))
    };
    let kind = format!("of kind {} (group \"{}\")", object.kind(), object.group());
    match object.namespace() {
        Some(namespace) if !allows_namespace(project, namespace) => Some(format!("is in namespace \"{namespace}\"")),
        Some(_) => {
            let allowed = (project.namespace_resource_whitelist.as_deref()).is_none_or(matches)
                && !matches(&project.namespace_resource_blacklist);
            (!allowed).then(|| format!("is {kind}"))
        }
        None => (!matches(&project.cluster_resource_whitelist)).then(|| format!("is cluster-scoped, {kind}")),
    }
}

/// Every app directory but those applied by hand is synced by exactly one Application.
fn unsynced_apps<'a>(index: &Index<'a>, synced_by: &BTreeMap<&str, Vec<&str>>, problems: &mut Problems<'a>) {
    let Some(layout) = &index.facts().layout else {
        return;
    };
    for known in index.apps() {
        let app: &str = known.app;
        if layout.applied_by_hand.iter().any(|by_hand| by_hand == app) {
            continue;
        }
        let path = format!("{}/{app}", layout.path_prefix);
        let message = match synced_by.get(app).map(Vec::as_slice) {
            None | Some([]) => format!("app directory {path} is synced by no Application"),
            Some([_]) => continue,
            Some(several) => format!(
                "app directory {path} is synced by {} Applications: {}",
                several.len(),
                several.join(", ")
            ),
        };
        let origin: Origin = *known;
        problems.report_as(&ARGOCD_APP_SYNCED, origin, message);
    }
}
