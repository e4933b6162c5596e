//! `kumiki init <dir>`: a new platform workspace that synthesizes at once: the `cargo xtask`
//! command line with its service registry, a `platform` crate (environments, registry, node
//! group, policy, namespaces, an Istio mesh or none, the Argo CD tree), one example service made by the
//! standard scaffold, the JSON Schemas of its files, a CI workflow and a README.
//!
//! Everything is checked and rendered first, written to a staging directory beside `dir` and
//! renamed into place: a refusal or a failure leaves nothing behind.

use std::fs;
use std::path::{Path, PathBuf};

use heck::ToUpperCamelCase;
use kumiki::values::{EnvId, LabelValue, Name, PortNumber};

use crate::Failure;
use crate::scaffold::NewService;

/// Where the new workspace takes the kumiki crates from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sdk {
    /// A checkout of kumiki (its `crates/kumiki` and `crates/kumiki-cli`).
    Path(PathBuf),
    /// A git repository of kumiki.
    Git(String),
    /// The registry, at this version.
    Registry(String),
}

impl Sdk {
    /// `--sdk`: a URL (`https://…`, `ssh://…`, `git@…`) is a git repository, anything else a
    /// path; `None`: the registry at this command's own version.
    pub fn parse(given: Option<&str>) -> Sdk {
        match given {
            None => Sdk::Registry(env!("CARGO_PKG_VERSION").to_owned()),
            Some(url) if url.contains("://") || url.starts_with("git@") => Sdk::Git(url.to_owned()),
            Some(path) => Sdk::Path(PathBuf::from(path)),
        }
    }
}

/// What `init` is asked for.
#[derive(Clone, Debug)]
pub struct Init {
    /// The directory to create (its name is the platform's).
    pub dir: PathBuf,
    /// Where the kumiki crates come from.
    pub sdk: Sdk,
    /// The environments in promotion order; the first is for development.
    pub envs: Vec<String>,
    /// The image registry (`ghcr.io/acme`).
    pub registry: String,
    /// The node group workloads run on.
    pub node_group: String,
    /// The namespace the services run in.
    pub namespace: String,
    /// The git repository Argo CD syncs `release/` from.
    pub repository: String,
    /// The example service.
    pub service: String,
    /// Whether the services run in an Istio mesh (the platform then installs Istio's charts,
    /// requires mutual TLS and derives each proxy's visibility from the declared calls).
    pub mesh: bool,
}

/// Checks `request`, then writes the workspace; returns its directory.
pub fn init(request: &Init) -> Result<PathBuf, Failure> {
    let refuse = |message: String| Failure::Refused(message);
    let name = platform_name(&request.dir)?;
    let envs = env_ids(&request.envs)?;
    LabelValue::try_from(request.node_group.as_str()).map_err(|error| refuse(format!("--node-group: {error}")))?;
    Name::try_from(request.namespace.as_str()).map_err(|error| refuse(format!("--namespace: {error}")))?;
    Name::try_from(request.service.as_str()).map_err(|error| refuse(format!("--service: {error}")))?;
    if !request
        .registry
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || ".-_/:".contains(c))
    {
        return Err(refuse(format!(
            "--registry \"{}\" is not a registry host and path",
            request.registry
        )));
    }
    if request.dir.exists() && fs::read_dir(&request.dir).map_or(true, |mut entries| entries.next().is_some()) {
        return Err(refuse(format!("{} exists and is not empty", request.dir.display())));
    }
    let sdk = sdk_dependencies(&request.sdk)?;
    let files = workspace_files(request, &name, &envs, &sdk);
    write_workspace(&request.dir, &files, lock_file(&request.sdk).as_deref())?;
    Ok(request.dir.clone())
}

fn platform_name(dir: &Path) -> Result<String, Failure> {
    let name = dir
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    Name::try_from(name.as_str()).map_err(|error| {
        Failure::Refused(format!(
            "the directory's name is the platform's, and \"{name}\" is not one: {error}"
        ))
    })?;
    Ok(name)
}

/// The environments as the schemas and the images files need them: the first is for
/// development, the others production. Their names live as long as the command.
fn env_ids(names: &[String]) -> Result<Vec<EnvId>, Failure> {
    if names.is_empty() {
        return Err(Failure::Refused("--envs names no environment".to_owned()));
    }
    let mut ids = Vec::new();
    for (index, env) in names.iter().enumerate() {
        Name::try_from(env.as_str()).map_err(|error| Failure::Refused(format!("--envs: {error}")))?;
        if names[..index].contains(env) {
            return Err(Failure::Refused(format!("--envs names {env} twice")));
        }
        let name: &'static str = Box::leak(env.clone().into_boxed_str());
        ids.push(if index == 0 {
            EnvId::development(name)
        } else {
            EnvId::production(name)
        });
    }
    Ok(ids)
}

fn sdk_dependencies(sdk: &Sdk) -> Result<String, Failure> {
    Ok(match sdk {
        Sdk::Path(path) => {
            let path = path.canonicalize().map_err(|error| Failure::Io(path.clone(), error))?;
            if !path.join("crates/kumiki/Cargo.toml").is_file() {
                return Err(Failure::Refused(format!(
                    "--sdk {}: not a kumiki checkout (no crates/kumiki/Cargo.toml)",
                    path.display()
                )));
            }
            let at = |name: &str| format!("{name} = {{ path = \"{}\" }}", path.join("crates").join(name).display());
            format!("{}\n{}", at("kumiki"), at("kumiki-cli"))
        }
        Sdk::Git(url) => format!("kumiki = {{ git = \"{url}\" }}\nkumiki-cli = {{ git = \"{url}\" }}"),
        Sdk::Registry(version) => format!("kumiki = \"{version}\"\nkumiki-cli = \"{version}\""),
    })
}

/// A checkout's `Cargo.lock`: the new workspace starts from the versions the SDK is tested
/// with (cargo drops what it does not use).
fn lock_file(sdk: &Sdk) -> Option<String> {
    match sdk {
        Sdk::Path(path) => fs::read_to_string(path.join("Cargo.lock")).ok(),
        Sdk::Git(_) | Sdk::Registry(_) => None,
    }
}

fn workspace_files(request: &Init, name: &str, envs: &[EnvId], sdk: &str) -> Vec<(String, String)> {
    let fill = |template: &str| {
        sections(template, request.mesh)
            .replace("{{name}}", name)
            .replace("{{sdk}}", sdk)
            .replace("{{environments}}", &environments(envs))
            .replace("{{promotions}}", &promotions(envs))
            .replace("{{registry}}", &request.registry)
            .replace("{{node_group}}", &request.node_group)
            .replace("{{namespace}}", &request.namespace)
            .replace("{{repository}}", &request.repository)
            .replace("{{service}}", &request.service)
            .replace("{{first_env}}", envs[0].as_str())
            .replace("{{env_list}}", &request.envs.join(", "))
            .replace(
                "{{mesh_summary}}",
                if request.mesh {
                    "an Istio mesh"
                } else {
                    "no service mesh"
                },
            )
    };
    let mut files = vec![
        ("Cargo.toml", include_str!("../templates/init/Cargo.toml.tmpl")),
        (
            ".cargo/config.toml",
            include_str!("../templates/init/cargo-config.toml.tmpl"),
        ),
        (".gitignore", include_str!("../templates/init/gitignore.tmpl")),
        (
            "platform/Cargo.toml",
            include_str!("../templates/init/platform-Cargo.toml.tmpl"),
        ),
        (
            "platform/src/lib.rs",
            include_str!("../templates/init/platform-lib.rs.tmpl"),
        ),
        (
            "xtask/Cargo.toml",
            include_str!("../templates/init/xtask-Cargo.toml.tmpl"),
        ),
        ("xtask/build.rs", include_str!("../templates/init/xtask-build.rs.tmpl")),
        (
            "xtask/src/main.rs",
            include_str!("../templates/init/xtask-main.rs.tmpl"),
        ),
        (
            ".github/workflows/kumiki.yml",
            include_str!("../templates/init/workflow.yml.tmpl"),
        ),
        ("README.md", include_str!("../templates/init/README.md.tmpl")),
    ]
    .into_iter()
    .map(|(path, template)| (path.to_owned(), fill(template)))
    .collect::<Vec<_>>();
    let service = NewService {
        crate_name: &request.service,
        service_type: &request.service.to_upper_camel_case(),
        port_name: "http",
        port: PortNumber::try_from(8080).expect("8080 is a port"),
        image_repository: &request.service,
        envs,
    };
    let service_dir = format!("services/{}", request.service);
    for (path, text) in (crate::standard::STANDARD.files)(&service) {
        files.push((format!("{service_dir}/{path}"), text));
    }
    for (file, schema) in crate::json::schemas(envs) {
        files.push((format!("schemas/{file}"), schema));
    }
    files
}

/// `template` with the lines between `{{#mesh}}` and `{{/mesh}}` kept only with a mesh, those
/// between `{{^mesh}}` and `{{/mesh}}` only without; the marker lines dropped.
fn sections(template: &str, mesh: bool) -> String {
    let mut kept = String::with_capacity(template.len());
    let mut keep = true;
    for line in template.lines() {
        match line.trim() {
            "{{#mesh}}" => keep = mesh,
            "{{^mesh}}" => keep = !mesh,
            "{{/mesh}}" => keep = true,
            _ if keep => {
                kept.push_str(line);
                kept.push('\n');
            }
            _ => {}
        }
    }
    kept
}

fn environments(envs: &[EnvId]) -> String {
    let lines: Vec<String> = (envs.iter())
        .map(|env| {
            let (kind, what) = if env.is_development() {
                ("development", "For development: floating image tags allowed.")
            } else {
                ("production", "A production environment.")
            };
            format!(
                "        /// {what}\n        {} = {kind}(\"{env}\"),",
                env.as_str().to_upper_camel_case()
            )
        })
        .collect();
    lines.join("\n")
}

/// Each production environment is promoted from the environment before it (the first from
/// nothing: it takes new versions).
fn promotions(envs: &[EnvId]) -> String {
    let variant = |env: &EnvId| env.as_str().to_upper_camel_case();
    let steps: Vec<String> = (envs.windows(2))
        .filter(|pair| !pair[0].is_development())
        .map(|pair| {
            format!(
                "kumiki::images::Promotion {{ from: Env::{}.id(), to: Env::{}.id() }}",
                variant(&pair[0]),
                variant(&pair[1])
            )
        })
        .collect();
    steps.join(", ")
}

/// Writes `files` (and `lock`) into a staging directory beside `dir`, then renames it to `dir`.
fn write_workspace(dir: &Path, files: &[(String, String)], lock: Option<&str>) -> Result<(), Failure> {
    let parent = dir
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = dir
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let staging = parent.join(format!(".{name}.kumiki-init"));
    let written = (|| {
        let _ = fs::remove_dir_all(&staging);
        for (relative, text) in files {
            let path = staging.join(relative);
            let folder = path.parent().expect("files are inside the workspace");
            fs::create_dir_all(folder).map_err(|error| Failure::Io(folder.to_path_buf(), error))?;
            fs::write(&path, text).map_err(|error| Failure::Io(path.clone(), error))?;
        }
        if let Some(lock) = lock {
            let path = staging.join("Cargo.lock");
            fs::write(&path, lock).map_err(|error| Failure::Io(path, error))?;
        }
        // An empty directory the user made is replaced; anything else was refused before.
        let _ = fs::remove_dir(dir);
        fs::rename(&staging, dir).map_err(|error| Failure::Io(dir.to_path_buf(), error))
    })();
    if written.is_err() {
        let _ = fs::remove_dir_all(&staging);
    }
    written
}
