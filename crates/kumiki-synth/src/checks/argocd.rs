//! Checks across the Argo CD objects of one environment: every Application's project exists
//! and allows its source, destination and what it deploys; destinations are namespaces of the
//! model; Applications and app directories of `release/<env>/` match one to one.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Namespace;
use kumiki_crds::argocd::{AppProject, Application};

use super::{Entry, Index, Problems};

/// Whether a project pattern (`*`, `prefix*` or an exact value) admits `value`.
fn admits(pattern: &str, value: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => value.starts_with(prefix),
        None => pattern == value,
    }
}

/// The objects of each app, by app name.
type ByApp<'a> = BTreeMap<&'a str, Vec<Entry<'a>>>;

/// Every Argo CD problem of the environment.
pub(crate) fn check<'a>(index: &Index<'a>, problems: &mut Problems<'a>) {
    let mut by_app: ByApp = BTreeMap::new();
    let mut projects = BTreeMap::new();
    let mut namespaces = Vec::new();
    let mut applications = Vec::new();
    for entry in &index.objects {
        by_app.entry(entry.origin.app).or_default().push(*entry);
        let declared = entry.declared;
        let any = declared.object.as_any();
        if let Some(project) = any.downcast_ref::<AppProject>() {
            let key = (project.metadata.namespace.clone(), project.metadata.name.clone());
            projects.insert(key, project);
        } else if let Some(application) = any.downcast_ref::<Application>() {
            applications.push((entry.origin, application));
        } else if any.is::<Namespace>() {
            namespaces.push(declared.object.metadata().name.clone().unwrap_or_default());
        }
    }
    let layouts = &index.layouts;
    let apps = &index.apps;
    let mut synced_by: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (origin, application) in &applications {
        let name = application.metadata.name.as_deref().unwrap_or_default();
        let describe = format!(
            "Application {}/{name}",
            application.metadata.namespace.as_deref().unwrap_or_default()
        );
        let mut problem = |message: String| problems.report(*origin, format!("{describe}: {message}"));
        let spec = &application.spec;
        let destination = &spec.destination.namespace;
        if !namespaces.contains(destination) {
            problem(format!(
                "deploys to namespace \"{destination}\", which is not a Namespace of the model"
            ));
        }
        // The app directory it syncs, when it names one of this release.
        let layout = layouts.iter().find(|layout| layout.repository == spec.source.repo_url);
        let directory = match (layout, &spec.source.path) {
            (Some(layout), Some(path)) => {
                let app = (path.strip_prefix(&layout.path_prefix))
                    .and_then(|rest| rest.strip_prefix('/'))
                    .filter(|app| apps.iter().any(|known| known.app == *app));
                match app {
                    Some(app) => {
                        synced_by.entry(app.to_owned()).or_default().push(name.to_owned());
                        Some(app)
                    }
                    None => {
                        problem(format!(
                            "syncs path \"{path}\", which is not an app directory of {}",
                            layout.path_prefix
                        ));
                        None
                    }
                }
            }
            _ => None,
        };
        let key = (application.metadata.namespace.clone(), Some(spec.project.clone()));
        let Some(project) = projects.get(&key) else {
            problem(format!(
                "names project \"{}\", which no AppProject declares",
                spec.project
            ));
            continue;
        };
        let allowed = &project.spec;
        let project_name = &spec.project;
        if !allowed
            .source_repos
            .iter()
            .any(|repo| admits(repo, &spec.source.repo_url))
        {
            problem(format!(
                "project \"{project_name}\" does not allow repository {}",
                spec.source.repo_url
            ));
        }
        let allows_namespace = |namespace: &str| allowed.destinations.iter().any(|d| admits(&d.namespace, namespace));
        if !allows_namespace(destination) {
            problem(format!(
                "project \"{project_name}\" does not allow namespace \"{destination}\""
            ));
        }
        // What the app writes must lie inside its team's declared boundary: each object outside
        // it is reported at the line that added it.
        let namespaced_kinds: Option<Vec<(String, String)>> = (allowed.extra.get("namespaceResourceWhitelist"))
            .and_then(|kinds| kinds.as_array())
            .map(|kinds| {
                (kinds.iter())
                    .map(|kind| {
                        let field = |name: &str| kind.get(name).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
                        (field("group"), field("kind"))
                    })
                    .collect()
            });
        let deployed = directory.and_then(|app| by_app.get(app)).into_iter().flatten();
        for entry in deployed {
            let object = entry.declared.object.as_ref();
            let name = object.metadata().name.as_deref().unwrap_or_default();
            let outside = |what: String| {
                format!(
                    "{} {name} {what}, outside the boundary project \"{project_name}\" declares (Application {}/{})",
                    object.kind(),
                    application.metadata.namespace.as_deref().unwrap_or_default(),
                    application.metadata.name.as_deref().unwrap_or_default()
                )
            };
            match &object.metadata().namespace {
                Some(namespace) => {
                    if !allows_namespace(namespace) {
                        problems.report(entry.origin, outside(format!("is in namespace \"{namespace}\"")));
                    }
                    let kind_allowed = namespaced_kinds.as_ref().is_none_or(|kinds| {
                        (kinds.iter()).any(|(group, kind)| admits(group, object.group()) && admits(kind, object.kind()))
                    });
                    if !kind_allowed {
                        problems.report(
                            entry.origin,
                            outside(format!("is of kind {} (group \"{}\")", object.kind(), object.group())),
                        );
                    }
                }
                None if !(allowed.cluster_resource_whitelist.iter())
                    .any(|gk| admits(&gk.group, object.group()) && admits(&gk.kind, object.kind())) =>
                {
                    problems.report(
                        entry.origin,
                        outside(format!(
                            "is cluster-scoped, of kind {} (group \"{}\")",
                            object.kind(),
                            object.group()
                        )),
                    );
                }
                None => {}
            }
        }
    }
    for layout in layouts {
        for known in apps {
            let app = known.app;
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
            problems.report(*known, message);
        }
    }
}
