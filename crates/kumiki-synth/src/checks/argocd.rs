//! Checks across the Argo CD objects of one environment: every Application's project exists
//! and allows its source, destination and what it deploys; destinations are namespaces of the
//! model; Applications and app directories of `release/<env>/` match one to one.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Namespace;

use super::views::{ARGO_CD, AppProjectSpec, ApplicationSpec, read};
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
        let metadata = declared.object.metadata();
        let name = (
            metadata.namespace.as_deref(),
            metadata.name.as_deref().unwrap_or_default(),
        );
        if let Some(project) = read::<AppProjectSpec>(entry, ARGO_CD, "AppProject") {
            match project {
                Ok(project) => {
                    projects.insert(name, project);
                }
                Err(error) => problems.report(entry.origin, error),
            }
        } else if let Some(application) = read::<ApplicationSpec>(entry, ARGO_CD, "Application") {
            match application {
                Ok(application) => applications.push((entry.origin, name, application)),
                Err(error) => problems.report(entry.origin, error),
            }
        } else if declared.object.as_any().is::<Namespace>() {
            namespaces.push(name.1.to_owned());
        }
    }
    let layouts = &index.layouts;
    let apps = &index.apps;
    let mut synced_by: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (origin, (application_namespace, name), spec) in &applications {
        let name = *name;
        let describe = format!("Application {}/{name}", application_namespace.unwrap_or_default());
        let mut problem = |message: String| problems.report(*origin, format!("{describe}: {message}"));
        // Several sources or a hydrator would sync what the checks below never see.
        let Some(source) = spec
            .source
            .as_ref()
            .filter(|_| spec.sources.is_none() && spec.source_hydrator.is_none())
        else {
            problem(
                "must have exactly one `source` (kumiki checks what it syncs; `sources` and `sourceHydrator` are not checked)"
                    .to_owned(),
            );
            continue;
        };
        let destination = spec.destination.namespace.as_deref().unwrap_or_default();
        if !namespaces.iter().any(|namespace| namespace == destination) {
            problem(format!(
                "deploys to namespace \"{destination}\", which is not a Namespace of the model"
            ));
        }
        // The app directory it syncs, when it names one of this release.
        let layout = layouts.iter().find(|layout| layout.repository == source.repo_url);
        let directory = match (layout, &source.path) {
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
        let Some(project) = projects.get(&(*application_namespace, spec.project.as_str())) else {
            problem(format!(
                "names project \"{}\", which no AppProject declares",
                spec.project
            ));
            continue;
        };
        let allowed = project;
        let project_name = &spec.project;
        if !(allowed.source_repos.iter()).any(|repo| admits(repo, &source.repo_url)) {
            problem(format!(
                "project \"{project_name}\" does not allow repository {}",
                source.repo_url
            ));
        }
        let allows_namespace = |namespace: &str| {
            (allowed.destinations.iter())
                .filter_map(|allowed| allowed.namespace.as_deref())
                .any(|pattern| admits(pattern, namespace))
        };
        if !allows_namespace(destination) {
            problem(format!(
                "project \"{project_name}\" does not allow namespace \"{destination}\""
            ));
        }
        // What the app writes must lie inside its team's declared boundary: each object outside
        // it is reported at the line that added it. No namespaced whitelist admits every kind
        // (Argo CD's rule), a blacklist takes kinds out; no cluster whitelist admits none.
        let namespaced_kinds: Option<Vec<(String, String)>> = (allowed.namespace_resource_whitelist.as_ref())
            .map(|kinds| kinds.iter().map(|gk| (gk.group.clone(), gk.kind.clone())).collect());
        let namespaced_denied = (allowed.namespace_resource_blacklist.iter())
            .map(|gk| (gk.group.clone(), gk.kind.clone()))
            .collect::<Vec<_>>();
        let cluster_kinds = (allowed.cluster_resource_whitelist.iter())
            .map(|gk| (gk.group.clone(), gk.kind.clone()))
            .collect::<Vec<_>>();
        let matches = |kinds: &[(String, String)], object: &dyn crate::Object| {
            (kinds.iter()).any(|(group, kind)| admits(group, object.group()) && admits(kind, object.kind()))
        };
        let deployed = directory.and_then(|app| by_app.get(app)).into_iter().flatten();
        for entry in deployed {
            let object = entry.declared.object.as_ref();
            let object_name = object.metadata().name.as_deref().unwrap_or_default();
            let outside = |what: String| {
                format!(
                    "{} {object_name} {what}, outside the boundary project \"{project_name}\" declares ({describe})",
                    object.kind(),
                )
            };
            match &object.metadata().namespace {
                Some(namespace) => {
                    if !allows_namespace(namespace) {
                        problems.report(entry.origin, outside(format!("is in namespace \"{namespace}\"")));
                    }
                    let kind_allowed = namespaced_kinds.as_ref().is_none_or(|kinds| matches(kinds, object))
                        && !matches(&namespaced_denied, object);
                    if !kind_allowed {
                        problems.report(
                            entry.origin,
                            outside(format!("is of kind {} (group \"{}\")", object.kind(), object.group())),
                        );
                    }
                }
                None if !matches(&cluster_kinds, object) => {
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
