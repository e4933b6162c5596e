//! `kumiki import-yaml`: Kubernetes YAML (files, directories, or `helm template` output on
//! stdin) as a Rust module of kumiki apps, to start a platform from what a team already runs.
//!
//! Each object becomes one `app.add(..)` line holding its YAML: kinds with a k8s-openapi type
//! are read into it (`kumiki::import::typed`), so a field the type lacks fails at that line;
//! other kinds (custom resources) are held as JSON (`kumiki::import::Imported`). A directory's
//! files are grouped into apps by their first directory (a kumiki `release/<env>` reads back
//! as its apps); anything else goes to one app (`--app`). What cannot be imported is reported.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use heck::ToSnakeCase;
use kumiki::values::Name;
use serde_json::Value;

use crate::Failure;

mod constructs;

/// One YAML text to import, and the app its objects go to.
#[derive(Clone, Debug)]
pub struct Source {
    /// Where it was read (a path, or `-` for stdin).
    pub label: String,
    /// The app its objects join.
    pub app: String,
    /// The YAML, possibly several documents.
    pub text: String,
}

/// The generated module and what the import did.
#[derive(Clone, Debug, Default)]
pub struct Imported {
    /// The Rust module.
    pub code: String,
    /// Objects imported with a Rust type.
    pub typed: usize,
    /// Objects held as JSON, by kind.
    pub untyped: BTreeMap<String, usize>,
    /// What was not imported, and why.
    pub skipped: Vec<String>,
    /// With constructs: the Deployments written as Microservices, and what each leaves to the
    /// platform.
    pub microservices: Vec<String>,
    /// With constructs: the Deployments that stayed objects, and why.
    pub not_recognized: Vec<String>,
}

/// The k8s-openapi kinds objects are read into: (apiVersion, kind, module path).
const TYPED: &[(&str, &str, &str)] = &[
    ("v1", "ConfigMap", "core::v1"),
    ("v1", "Secret", "core::v1"),
    ("v1", "Service", "core::v1"),
    ("v1", "ServiceAccount", "core::v1"),
    ("v1", "Namespace", "core::v1"),
    ("v1", "PersistentVolumeClaim", "core::v1"),
    ("v1", "LimitRange", "core::v1"),
    ("v1", "ResourceQuota", "core::v1"),
    ("apps/v1", "Deployment", "apps::v1"),
    ("apps/v1", "StatefulSet", "apps::v1"),
    ("apps/v1", "DaemonSet", "apps::v1"),
    ("batch/v1", "Job", "batch::v1"),
    ("batch/v1", "CronJob", "batch::v1"),
    ("policy/v1", "PodDisruptionBudget", "policy::v1"),
    ("autoscaling/v2", "HorizontalPodAutoscaler", "autoscaling::v2"),
    ("networking.k8s.io/v1", "NetworkPolicy", "networking::v1"),
    ("networking.k8s.io/v1", "Ingress", "networking::v1"),
    ("networking.k8s.io/v1", "IngressClass", "networking::v1"),
    ("rbac.authorization.k8s.io/v1", "Role", "rbac::v1"),
    ("rbac.authorization.k8s.io/v1", "RoleBinding", "rbac::v1"),
    ("rbac.authorization.k8s.io/v1", "ClusterRole", "rbac::v1"),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "rbac::v1"),
    ("scheduling.k8s.io/v1", "PriorityClass", "scheduling::v1"),
    ("storage.k8s.io/v1", "StorageClass", "storage::v1"),
];

/// The texts to import: each path a file or a directory (its `*.yaml` and `*.yml` files,
/// grouped into apps by their first directory below it), `-` for stdin. `app` names the app of
/// everything not grouped by directory.
pub fn read_sources(inputs: &[PathBuf], app: &str) -> Result<Vec<Source>, Failure> {
    Name::try_from(app).map_err(|error| Failure::Refused(format!("--app: {error}")))?;
    let mut sources = Vec::new();
    for input in inputs {
        if input.as_os_str() == "-" {
            let text = std::io::read_to_string(std::io::stdin()).map_err(|error| Failure::Io(input.clone(), error))?;
            sources.push(Source {
                label: "-".to_owned(),
                app: app.to_owned(),
                text,
            });
        } else if input.is_dir() {
            let mut files = Vec::new();
            yaml_files(input, &mut files)?;
            files.sort();
            for file in files {
                let relative = file.strip_prefix(input).unwrap_or(&file);
                let group = relative.components().count() > 1;
                let first = relative
                    .components()
                    .next()
                    .map(|part| part.as_os_str().to_string_lossy().into_owned());
                sources.push(Source {
                    label: file.display().to_string(),
                    app: first.filter(|_| group).unwrap_or_else(|| app.to_owned()),
                    text: std::fs::read_to_string(&file).map_err(|error| Failure::Io(file.clone(), error))?,
                });
            }
        } else {
            sources.push(Source {
                label: input.display().to_string(),
                app: app.to_owned(),
                text: std::fs::read_to_string(input).map_err(|error| Failure::Io(input.clone(), error))?,
            });
        }
    }
    Ok(sources)
}

fn yaml_files(dir: &Path, found: &mut Vec<PathBuf>) -> Result<(), Failure> {
    let entries = std::fs::read_dir(dir).map_err(|error| Failure::Io(dir.to_path_buf(), error))?;
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            yaml_files(&path, found)?;
        } else if name.ends_with(".yaml") || name.ends_with(".yml") {
            found.push(path);
        }
    }
    Ok(())
}

/// The Rust module importing every object of `sources`, named in its header by `command`;
/// with `constructs`, each Deployment and the Service selecting its pods as a Microservice
/// where they fit one.
pub fn generate(sources: &[Source], command: &str, constructs: bool) -> Imported {
    let mut imported = Imported::default();
    let mut objects_of: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for source in sources {
        let documents = match serde_saphyr::from_multiple::<Value>(&source.text) {
            Ok(documents) => documents,
            Err(error) => {
                imported.skipped.push(format!("{}: not YAML: {error}", source.label));
                continue;
            }
        };
        for (index, document) in documents.into_iter().enumerate() {
            for object in objects(document) {
                match identified(&object) {
                    Ok(()) => objects_of.entry(source.app.clone()).or_default().push(object),
                    Err(why) => imported.skipped.push(format!(
                        "{}, document {} (counting non-empty ones): {why}",
                        source.label,
                        index + 1
                    )),
                }
            }
        }
    }
    let mut services = Vec::new();
    if constructs {
        for objects in objects_of.values_mut() {
            services.extend(microservices(objects, &mut imported));
        }
    }
    let mut apps: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (app, objects) in objects_of {
        for object in &objects {
            match add_line(object, &mut imported) {
                Ok(line) => apps.entry(app.clone()).or_default().push(line),
                Err(why) => imported.skipped.push(format!("{app}: {why}")),
            }
        }
    }
    imported.code = module(&apps, command, &imported);
    if constructs {
        imported.code.push_str(&services_module(&services));
    }
    imported
}

/// Takes each Deployment of `objects` that one Service selects and that fits a Microservice out
/// of `objects` (with that Service, and the ServiceAccount it runs as: the Microservice makes
/// its own), and returns them written as Microservices.
fn microservices(objects: &mut Vec<Value>, imported: &mut Imported) -> Vec<constructs::Recognized> {
    let mut recognized = Vec::new();
    let deployments: Vec<usize> = (0..objects.len())
        .filter(|&index| objects[index]["kind"] == "Deployment" && objects[index]["apiVersion"] == "apps/v1")
        .collect();
    let mut taken = Vec::new();
    for index in deployments {
        let deployment = &objects[index];
        let name = deployment["metadata"]["name"].as_str().unwrap_or_default().to_owned();
        let services: Vec<usize> = (0..objects.len())
            .filter(|&other| objects[other]["kind"] == "Service" && constructs::selects(&objects[other], deployment))
            .collect();
        let [service] = services.as_slice() else {
            let why = format!("{} Services select its pods (a Microservice has one)", services.len());
            imported.not_recognized.push(format!("Deployment {name}: {why}"));
            continue;
        };
        match constructs::recognize(deployment, &objects[*service]) {
            Ok(written) => {
                let left = written.left.join(", ");
                imported
                    .microservices
                    .push(format!("{name} (left to the platform: {left})"));
                taken.extend([index, *service]);
                let account = deployment["spec"]["template"]["spec"]["serviceAccountName"].as_str();
                taken.extend((0..objects.len()).filter(|&other| {
                    objects[other]["kind"] == "ServiceAccount" && objects[other]["metadata"]["name"].as_str() == account
                }));
                recognized.push(written);
            }
            Err(why) => imported.not_recognized.push(format!("Deployment {name}: {why}")),
        }
    }
    taken.sort_unstable();
    taken.dedup();
    for index in taken.into_iter().rev() {
        objects.remove(index);
    }
    recognized
}

fn services_module(services: &[constructs::Recognized]) -> String {
    let mut code = format!(
        "\n/// The Microservices recognized in Deployments and their Services, in `environment`.\n\
         pub fn services(environment: &kumiki::platform::Environment) -> Vec<App> {{\n    vec![{}]\n}}\n",
        services
            .iter()
            .map(|service| format!("{}::app(environment)", service.module))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for service in services {
        let body: String = service
            .code
            .lines()
            .map(|line| {
                if line.is_empty() {
                    "\n".to_owned()
                } else {
                    format!("    {line}\n")
                }
            })
            .collect();
        code.push_str(&format!(
            "\n/// A Deployment and its Service, as a Microservice.\npub mod {} {{\n{body}}}\n",
            service.module
        ));
    }
    code
}

/// Whether `object` can be imported: a Kubernetes object with a name.
fn identified(object: &Value) -> Result<(), String> {
    let text = |key: &str| object.get(key).and_then(Value::as_str);
    let (Some(_), Some(kind)) = (text("apiVersion"), text("kind")) else {
        return Err("not a Kubernetes object (no apiVersion and kind)".to_owned());
    };
    if object["metadata"]["name"].as_str().is_none() {
        return Err(format!("{kind} without metadata.name (generateName is not imported)"));
    }
    Ok(())
}

/// The objects of a document: itself, or a `List`'s items; nothing for an empty document.
fn objects(document: Value) -> Vec<Value> {
    match document {
        Value::Null => Vec::new(),
        Value::Object(mut map) if map.get("kind") == Some(&Value::from("List")) => match map.remove("items") {
            Some(Value::Array(items)) => items,
            _ => Vec::new(),
        },
        other => vec![other],
    }
}

/// The `app.add(..)` line of `object`, or why it cannot be imported.
fn add_line(object: &Value, imported: &mut Imported) -> Result<String, String> {
    let api_version = object["apiVersion"].as_str().unwrap_or_default();
    let kind = object["kind"].as_str().unwrap_or_default();
    let yaml =
        serde_saphyr::to_string(object).map_err(|error| format!("{kind}: cannot be written as YAML: {error}"))?;
    let quoted = raw_string(&yaml);
    let typed = TYPED
        .iter()
        .find(|(version, name, _)| *version == api_version && *name == kind);
    Ok(match typed {
        Some((_, kind, module)) => {
            imported.typed += 1;
            format!("    app.add(typed::<kumiki::k8s_openapi::api::{module}::{kind}>({quoted}));\n")
        }
        None => {
            *imported.untyped.entry(format!("{api_version} {kind}")).or_default() += 1;
            let namespaced = object["metadata"].get("namespace").is_some();
            format!("    app.add(Imported::from_yaml({quoted}, {namespaced}));\n")
        }
    })
}

/// `text` as a Rust raw string literal, with enough `#`s that nothing in it ends it.
fn raw_string(text: &str) -> String {
    let mut hashes = 1;
    while text.contains(&format!("\"{}", "#".repeat(hashes))) {
        hashes += 1;
    }
    let fence = "#".repeat(hashes);
    format!("r{fence}\"\n{text}\"{fence}")
}

fn module(apps: &BTreeMap<String, Vec<String>>, command: &str, imported: &Imported) -> String {
    let objects = imported.typed + imported.untyped.values().sum::<usize>();
    let function = |app: &str| format!("app_{}", app.to_snake_case());
    let mut code = format!(
        "//! Imported by `{command}`: {objects} objects in {} apps ({} read into their k8s-openapi type,\n\
         //! {} held as JSON). Each app is a function; change the objects as Rust from here, or\n\
         //! replace them with kumiki's constructs.\n\n\
         use kumiki::import::{{Imported, typed}};\nuse kumiki::prelude::*;\n\n\
         /// Every imported app.\npub fn apps() -> Vec<App> {{\n    vec![{}]\n}}\n",
        apps.len(),
        imported.typed,
        imported.untyped.values().sum::<usize>(),
        apps.keys()
            .map(|app| format!("{}()", function(app)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for (app, lines) in apps {
        let _ = write!(
            code,
            "\n/// App `{app}`: {} objects.\npub fn {}() -> App {{\n    let mut app = App::new(name!(\"{app}\"));\n",
            lines.len(),
            function(app)
        );
        code.extend(lines.iter().map(String::as_str));
        code.push_str("    app\n}\n");
    }
    code
}

#[cfg(test)]
mod tests {
    use super::{Source, generate, raw_string};

    #[test]
    fn kinds_with_a_type_are_typed_others_held_and_non_objects_reported() {
        let source = Source {
            label: "chart.yaml".to_owned(),
            app: "shop".to_owned(),
            text: "---\n# from helm\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: shop}\ndata: {k: v}\n---\n\
                   apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: shop}\nspec: {size: 3}\n---\n\
                   just: a map\n---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Namespace, metadata: {name: shop}}\n"
                .to_owned(),
        };
        let imported = generate(&[source], "kumiki import-yaml chart.yaml", false);
        assert_eq!(imported.typed, 2);
        assert_eq!(imported.untyped.get("example.com/v1 Widget"), Some(&1));
        assert_eq!(
            imported.skipped,
            ["chart.yaml, document 3 (counting non-empty ones): not a Kubernetes object (no apiVersion and kind)"]
        );
        assert!(
            imported.code.contains("pub fn app_shop() -> App {"),
            "{}",
            imported.code
        );
        assert!(
            imported
                .code
                .contains("app.add(typed::<kumiki::k8s_openapi::api::core::v1::ConfigMap>(r#\"\n"),
            "{}",
            imported.code
        );
        assert!(
            imported.code.contains("app.add(Imported::from_yaml(r#\"\n"),
            "{}",
            imported.code
        );
        assert!(imported.code.contains("\"#, true));"), "{}", imported.code);
    }

    #[test]
    fn a_raw_string_is_never_ended_by_its_text() {
        assert_eq!(raw_string("a: \"x\"#"), "r##\"\na: \"x\"#\"##");
    }
}
