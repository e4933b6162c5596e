//! Checking a whole environment and rendering it.

use std::collections::hash_map;
use std::collections::{BTreeMap, HashMap};

use kumiki_core::{EnvId, Rule, SourceLocation};

use crate::app::{App, Declared};
use crate::checks::{self, Entry, Index, Origin};
use crate::error::{SynthError, SynthErrors};
use crate::object::{Identity, Object};
use crate::parallel;
use crate::provided::GeneratedBy;
use crate::release::Release;
use crate::render::header;

/// Directory-name marker for cluster-scoped objects, in place of a namespace; `_` cannot
/// start a namespace name, so it never collides with one.
pub const CLUSTER_SCOPE_MARKER: &str = "_cluster";

/// The largest object Argo CD can apply: client-side apply stores the object in the
/// `kubectl.kubernetes.io/last-applied-configuration` annotation, and all annotations of an
/// object together may hold 256 KiB.
const MAX_OBJECT_BYTES: usize = 262_144;

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
pub fn synthesize(env: impl Into<EnvId>, apps: Vec<App>) -> Result<Release, SynthErrors> {
    synthesize_borrowed(env.into(), &apps)
}

/// [`synthesize`], leaving the apps to the caller: a command that exits right after writing
/// can skip freeing a large model (the operating system reclaims it at once).
pub fn synthesize_borrowed(env: EnvId, apps: &[App]) -> Result<Release, SynthErrors> {
    let mut apps: Vec<&App> = apps.iter().collect();
    apps.sort_by(|a, b| a.name().cmp(b.name()).then(a.declared_at().cmp(&b.declared_at())));
    // Two apps with one name (two services with one name) would repeat every object of one in
    // the other and in the Argo CD tree: the root cause is reported alone.
    let twins = duplicate_app_names(env, &apps);
    if !twins.is_empty() {
        return Err(SynthErrors(twins));
    }
    let mut errors = Vec::new();
    let mut identities: HashMap<IdentityKey, (SourceLocation, &str)> = HashMap::new();
    let mut outputs: Vec<Output> = Vec::new();
    let mut checked: Vec<Entry> = Vec::new();

    for app in &apps {
        let app_name = app.name().as_str();
        let mut error = |location: SourceLocation, rule: &'static str, message: String| {
            errors.push(SynthError {
                location,
                path: format!("{env}/{app_name}"),
                message,
                rule,
            });
        };
        for (location, message) in app.problems() {
            error(*location, "construct", message.clone());
        }
        for declared in app.objects() {
            let Declared { object, location } = declared;
            let object = object.as_ref();
            let problems = object_problems(object);
            let valid = problems.is_empty();
            for problem in problems {
                error(*location, "object", format!("{}: {problem}", Identity::of(object)));
            }
            match identities.entry(IdentityKey::of(object)) {
                hash_map::Entry::Occupied(first) => {
                    let (first, first_app) = first.get();
                    error(
                        *location,
                        "identity",
                        format!(
                            "{} is declared twice; also declared at {first} (app {first_app})",
                            Identity::of(object)
                        ),
                    );
                    continue;
                }
                hash_map::Entry::Vacant(entry) => {
                    entry.insert((*location, app_name));
                }
            }
            if valid {
                checked.push(Entry {
                    declared,
                    origin: Origin {
                        app: app_name,
                        location: *location,
                    },
                });
                outputs.push(Output {
                    path: output_path(app_name, object),
                    declared,
                    app: app_name,
                });
            }
        }
    }

    // Objects whose identities differ only in API group would share a file. The sort is
    // stable: of two objects with one path, the one declared first keeps it.
    outputs.sort_by(|a, b| a.path.cmp(&b.path));
    outputs.dedup_by(|later, first| {
        let clash = later.path == first.path;
        if clash {
            errors.push(SynthError {
                location: later.declared.location,
                path: format!("{env}/{}", later.app),
                message: format!(
                    "{} would be written to {}, which {} declared at {} already uses",
                    Identity::of(later.declared.object.as_ref()),
                    later.path,
                    Identity::of(first.declared.object.as_ref()),
                    first.declared.location
                ),
                rule: "identity",
            });
        }
        clash
    });

    // Rendering is independent per object and the largest part of the work: it runs on every
    // core, while this thread first runs the checks across objects, which read the same model.
    let command = apps
        .iter()
        .find_map(|app| app.published::<GeneratedBy>().next())
        .map(|generated| generated.command);
    let header = header(env, command);
    let render = |output: &Output| -> Result<String, serde_saphyr::ser::Error> {
        // Room for most objects up front, the rest given back after: no reallocation copies,
        // and the release holds no spare capacity.
        let mut file = String::with_capacity(4096);
        file.push_str(&header);
        output.declared.object.render_into(&mut file)?;
        file.shrink_to_fit();
        Ok(file)
    };
    let index = Index::new(env, &apps, checked);
    let (rendered, problems) = parallel::map_while(&outputs, render, || checks::check(&index));
    // Each problem names the app of the object it is about, whatever line declared it.
    for problem in problems {
        errors.push(SynthError {
            location: problem.origin.location,
            path: format!("{env}/{}", problem.origin.app),
            message: problem.message,
            rule: problem.rule,
        });
    }

    let mut files = BTreeMap::new();
    for (output, file) in outputs.into_iter().zip(rendered) {
        match file {
            Ok(file) => {
                if let Some(key) = repeated_key(output.declared.object.as_ref(), &file) {
                    errors.push(SynthError {
                        location: output.declared.location,
                        path: format!("{env}/{}", output.app),
                        message: format!(
                            "{}: writes key `{key}` twice in one mapping (a field and a flattened map?); \
                             the API server would keep only one of them",
                            Identity::of(output.declared.object.as_ref())
                        ),
                        rule: "render",
                    });
                }
                let size = file.len() - header.len();
                if size > MAX_OBJECT_BYTES {
                    errors.push(SynthError {
                        location: output.declared.location,
                        path: format!("{env}/{}", output.app),
                        message: format!(
                            "{}: is {size} bytes of YAML; Argo CD's apply keeps a copy in an annotation limited to \
                             {MAX_OBJECT_BYTES} bytes: split it (a ConfigMap per file, say)",
                            Identity::of(output.declared.object.as_ref())
                        ),
                        rule: "render",
                    });
                }
                files.insert(output.path, file);
            }
            Err(cause) => errors.push(SynthError {
                location: output.declared.location,
                path: format!("{env}/{}", output.app),
                message: format!(
                    "{}: cannot be rendered as YAML: {cause}",
                    Identity::of(output.declared.object.as_ref())
                ),
                rule: "render",
            }),
        }
    }

    if errors.is_empty() {
        Ok(Release { env, files })
    } else {
        errors.sort();
        Err(SynthErrors(errors))
    }
}

/// An object that passed its own checks, and the file it goes to.
struct Output<'a> {
    path: String,
    declared: &'a Declared,
    app: &'a str,
}

/// [`Identity`], borrowed from the object: one per object is kept while checking.
#[derive(PartialEq, Eq, Hash)]
struct IdentityKey<'a> {
    group: &'static str,
    kind: &'static str,
    namespace: Option<&'a str>,
    name: &'a str,
}

impl<'a> IdentityKey<'a> {
    fn of(object: &'a dyn Object) -> IdentityKey<'a> {
        let metadata = object.metadata();
        IdentityKey {
            group: object.group(),
            kind: object.kind(),
            namespace: metadata.namespace.as_deref(),
            name: metadata.name.as_deref().unwrap_or_default(),
        }
    }
}

/// The key a rendered object repeats within one mapping, if any. Only types other than
/// k8s-openapi's and kumiki's own custom resources can (a flattened map beside typed fields);
/// they are read back to find out. (kumiki's custom resources write their spec through a JSON
/// map, which holds each key once.)
fn repeated_key(object: &dyn Object, rendered: &str) -> Option<String> {
    let type_name = object.type_name();
    if type_name.starts_with("k8s_openapi::") || type_name.starts_with("kumiki_crds::") {
        return None;
    }
    let error = serde_saphyr::from_str::<serde::de::IgnoredAny>(rendered)
        .err()?
        .to_string();
    let (_, rest) = error.split_once("duplicate mapping key: ")?;
    Some(rest.split([',', '\n', ' ']).next().unwrap_or_default().to_owned())
}

/// One error per app whose name an earlier app already has, naming both declarations.
fn duplicate_app_names(env: EnvId, apps: &[&App]) -> Vec<SynthError> {
    let mut first_of: BTreeMap<&str, SourceLocation> = BTreeMap::new();
    let mut errors = Vec::new();
    for app in apps {
        let name = app.name().as_str();
        if let Some(first) = first_of.insert(name, app.declared_at()) {
            errors.push(SynthError {
                location: app.declared_at(),
                path: format!("{env}/{name}"),
                message: format!(
                    "app \"{name}\" is declared twice; also declared at {first} \
                     (two services with one name?); no other check ran until names are unique"
                ),
                rule: "apps",
            });
        }
    }
    errors
}

/// `<app>/<namespace>.<kind>.<name>.yaml`, with [`CLUSTER_SCOPE_MARKER`] for cluster-scoped objects.
fn output_path(app: &str, object: &dyn Object) -> String {
    let metadata = object.metadata();
    let scope = metadata.namespace.as_deref().unwrap_or(CLUSTER_SCOPE_MARKER);
    let name = metadata.name.as_deref().unwrap_or_default();
    format!("{app}/{scope}.{}.{name}.yaml", object.kind().to_ascii_lowercase())
}

/// What is wrong with one object on its own.
fn object_problems(object: &dyn Object) -> Vec<String> {
    let metadata = object.metadata();
    let kind = object.kind();
    let mut problems = Vec::new();
    match &metadata.name {
        None => problems.push("has no metadata.name".to_owned()),
        Some(name) => problems.extend(Rule::Subdomain.validate(name).err().map(|v| v.to_string())),
    }
    match (&metadata.namespace, object.is_namespaced()) {
        (None, true) => problems.push(format!("{kind} is namespaced but has no metadata.namespace")),
        (Some(namespace), false) => problems.push(format!(
            "{kind} is cluster-scoped but has metadata.namespace \"{namespace}\""
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
