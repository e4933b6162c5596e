//! Checking a whole environment and rendering it.

use std::collections::BTreeMap;

use kumiki_core::{Env, Rule, SourceLocation};

use crate::app::{App, Declared};
use crate::error::{SynthError, SynthErrors};
use crate::object::{Identity, Object};
use crate::provided::{ProvidedService, ReleaseLayout};
use crate::release::Release;
use crate::render::header;
use crate::{argocd_checks, checks, mesh_checks, parallel, secret_checks};

/// Directory-name marker for cluster-scoped objects, in place of a namespace; `_` cannot
/// start a namespace name, so it never collides with one.
pub const CLUSTER_SCOPE_MARKER: &str = "_cluster";

/// Checks every app of `env` together and renders them, or returns every error found.
///
/// The result does not depend on the order of `apps`. Checks: app names are unique; every
/// object has a valid name and labels; namespaced objects have a namespace and
/// cluster-scoped ones none; identities (group, kind, namespace, name) and output paths are
/// unique in the environment; and the cross-object checks of the `checks` module (selectors
/// match pods, Service target ports exist, StatefulSets name a headless Service, disruption
/// budgets and autoscalers fit their workloads, requests stay within limits, pods mount only
/// declared volumes and repeat no container, port or volume name), the mesh and Argo CD
/// checks, and the secret checks (no Secret value outside dev; every `secretKeyRef` and
/// ExternalSecret store resolves).
pub fn synthesize(env: Env, mut apps: Vec<App>) -> Result<Release, SynthErrors> {
    apps.sort_by(|a, b| a.name().cmp(b.name()).then(a.declared_at().cmp(&b.declared_at())));
    let mut errors = Vec::new();
    let mut app_names: BTreeMap<&str, SourceLocation> = BTreeMap::new();
    let mut identities: BTreeMap<Identity, (SourceLocation, &str)> = BTreeMap::new();
    let mut paths: BTreeMap<String, (SourceLocation, Identity)> = BTreeMap::new();
    let mut files = BTreeMap::new();
    let mut to_render: Vec<(String, &Declared, Identity, &str)> = Vec::new();
    let mut checked: Vec<(&Declared, &str)> = Vec::new();

    for app in &apps {
        let app_name = app.name().as_str();
        let construct_path = format!("{env}/{app_name}");
        let mut error = |location: SourceLocation, message: String| {
            errors.push(SynthError {
                location,
                path: construct_path.clone(),
                message,
            });
        };
        if let Some(first) = app_names.insert(app_name, app.declared_at()) {
            error(
                app.declared_at(),
                format!("app \"{app_name}\" is declared twice; also declared at {first}"),
            );
        }
        for (location, message) in app.problems() {
            error(*location, message.clone());
        }
        for declared in app.objects() {
            let Declared { object, location } = declared;
            let object = object.as_ref();
            let identity = Identity::of(object);
            let problems = object_problems(object, &identity);
            let valid = problems.is_empty();
            for problem in problems {
                error(*location, format!("{identity}: {problem}"));
            }
            if let Some((first, first_app)) = identities.get(&identity) {
                error(
                    *location,
                    format!("{identity} is declared twice; also declared at {first} (app {first_app})"),
                );
                continue;
            }
            identities.insert(identity.clone(), (*location, app_name));
            if !valid {
                continue;
            }
            checked.push((declared, app_name));
            let path = output_path(app_name, &identity);
            if let Some((first, other)) = paths.get(&path) {
                error(
                    *location,
                    format!("{identity} would be written to {path}, which {other} declared at {first} already uses"),
                );
                continue;
            }
            paths.insert(path.clone(), (*location, identity.clone()));
            to_render.push((path, declared, identity, app_name));
        }
    }

    // Rendering is independent per object, and the largest part of the work: all cores.
    let header = header(env);
    let rendered = parallel::map_chunks(&to_render, |chunk| {
        (chunk.iter())
            .map(|(_, declared, _, _)| {
                let mut file = header.clone();
                declared.object.render_into(&mut file).map(|()| file)
            })
            .collect::<Vec<_>>()
    });
    for ((path, declared, identity, app_name), file) in to_render.into_iter().zip(rendered.into_iter().flatten()) {
        match file {
            Ok(file) => {
                files.insert(path, file);
            }
            Err(cause) => errors.push(SynthError {
                location: declared.location,
                path: format!("{env}/{app_name}"),
                message: format!("{identity}: cannot be rendered as YAML: {cause}"),
            }),
        }
    }

    let declared_apps = apps.iter().map(|app| (app.declared_at(), app.name().as_str()));
    let app_of: BTreeMap<SourceLocation, &str> = (declared_apps)
        .chain(checked.iter().map(|(d, app)| (d.location, *app)))
        .collect();
    let provided: Vec<&ProvidedService> = apps.iter().flat_map(App::published::<ProvidedService>).collect();
    let mesh_problems = mesh_checks::check(&checked, &provided);
    let layouts: Vec<&ReleaseLayout> = apps.iter().flat_map(App::published::<ReleaseLayout>).collect();
    let app_locations: Vec<(&str, SourceLocation)> = apps
        .iter()
        .map(|app| (app.name().as_str(), app.declared_at()))
        .collect();
    let argocd_problems = argocd_checks::check(&checked, &layouts, &app_locations);
    for problem in (checks::check(&checked).into_iter())
        .chain(mesh_problems)
        .chain(argocd_problems)
        .chain(secret_checks::check(env, &checked))
    {
        let app = app_of.get(&problem.location).copied().unwrap_or_default();
        errors.push(SynthError {
            location: problem.location,
            path: format!("{env}/{app}"),
            message: problem.message,
        });
    }

    if errors.is_empty() {
        Ok(Release { env, files })
    } else {
        errors.sort();
        Err(SynthErrors(errors))
    }
}

/// `<app>/<namespace>.<kind>.<name>.yaml`, with [`CLUSTER_SCOPE_MARKER`] for cluster-scoped objects.
fn output_path(app: &str, identity: &Identity) -> String {
    let scope = identity.namespace.as_deref().unwrap_or(CLUSTER_SCOPE_MARKER);
    format!(
        "{app}/{scope}.{}.{}.yaml",
        identity.kind.to_ascii_lowercase(),
        identity.name
    )
}

/// What is wrong with one object on its own.
fn object_problems(object: &dyn Object, identity: &Identity) -> Vec<String> {
    let metadata = object.metadata();
    let mut problems = Vec::new();
    match &metadata.name {
        None => problems.push("has no metadata.name".to_owned()),
        Some(name) => problems.extend(Rule::Subdomain.validate(name).err().map(|v| v.to_string())),
    }
    match (&identity.namespace, object.is_namespaced()) {
        (None, true) => problems.push(format!("{} is namespaced but has no metadata.namespace", identity.kind)),
        (Some(namespace), false) => problems.push(format!(
            "{} is cluster-scoped but has metadata.namespace \"{namespace}\"",
            identity.kind
        )),
        (Some(namespace), true) => {
            problems.extend(Rule::Name.validate(namespace).err().map(|v| format!("namespace: {v}")));
        }
        (None, false) => {}
    }
    for (key, value) in metadata.labels.iter().flatten() {
        problems.extend(Rule::LabelKey.validate(key).err().map(|v| v.to_string()));
        problems.extend(
            Rule::LabelValue
                .validate(value)
                .err()
                .map(|v| format!("label {key}: {v}")),
        );
    }
    problems
}
