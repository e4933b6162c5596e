//! `cargo xtask new-service`: a new service crate under `services/`, registered with xtask.
//!
//! Everything is checked and rendered in memory first; the crate is written to a staging
//! directory beside the workspace members and renamed into `services/`, then xtask's manifest
//! is replaced the same way. A refusal or a failure leaves the workspace as it was.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use heck::{ToKebabCase, ToSnakeCase, ToUpperCamelCase};
use kumiki::values::{Name, PortName, PortNumber, Repository};

use crate::Failure;

/// What `new-service` was asked for.
pub struct Request<'a> {
    /// The service's name as typed (`ledger`, `order-api`).
    pub name: &'a str,
    /// The port the container listens on, exposed on the same Service port.
    pub port: u16,
    /// The ECR repository of stg/prd images; default `<name>-repository`.
    pub image_repository: Option<&'a str>,
}

/// What was created.
#[derive(Debug, PartialEq, Eq)]
pub struct Created {
    /// The crate's directory.
    pub dir: PathBuf,
    /// The crate (and app, and Kubernetes resource) name, kebab-case.
    pub crate_name: String,
    /// The name Rust code uses for the crate, snake_case.
    pub module_name: String,
    /// The Rust type marking the service, UpperCamelCase.
    pub type_name: String,
}

/// Names a service crate may not take: workspace crates, xtask's own dependencies, and Rust
/// keywords (the registry refers to the crate by name).
const RESERVED: &[&str] = &[
    "kumiki",
    "platform",
    "xtask",
    "xtask-cli",
    "tests",
    "clap",
    "anstream",
    "std",
    "core",
    "alloc",
    "crate",
    "self",
    "super",
    "as",
    "async",
    "await",
    "break",
    "const",
    "continue",
    "dyn",
    "else",
    "enum",
    "extern",
    "false",
    "fn",
    "for",
    "if",
    "impl",
    "in",
    "let",
    "loop",
    "match",
    "mod",
    "move",
    "mut",
    "pub",
    "ref",
    "return",
    "static",
    "struct",
    "trait",
    "true",
    "type",
    "unsafe",
    "use",
    "where",
    "while",
    "abstract",
    "become",
    "box",
    "do",
    "final",
    "gen",
    "macro",
    "override",
    "priv",
    "try",
    "typeof",
    "unsized",
    "virtual",
    "yield",
];

/// App names the platform already uses in every environment's `release/<env>/`.
const PLATFORM_APPS: &[&str] = &["bootstrap", "root", "namespaces", "mesh", "egress", "secrets"];

/// Checks `request` against the workspace at `root`, then creates and registers the crate.
pub fn new_service(root: &Path, request: &Request<'_>) -> Result<Created, Failure> {
    let refuse = |message: String| Err(Failure::Refused(message));
    let crate_name = request.name.to_kebab_case();
    if crate_name != request.name {
        return refuse(format!(
            "service name \"{}\" is not in kebab-case; did you mean \"{crate_name}\"?",
            request.name
        ));
    }
    if let Err(invalid) = Name::try_from(crate_name.as_str()) {
        return refuse(format!("service name: {invalid}"));
    }
    if crate_name.len() > 40 {
        return refuse(format!(
            "service name \"{crate_name}\" is {} characters long; at most 40 leave room for the names derived from it (`<name>-db-credentials`, `team-...`)",
            crate_name.len()
        ));
    }
    if RESERVED.contains(&crate_name.as_str())
        || crate_name.starts_with("kumiki")
        || crate_name.starts_with("team-")
        || PLATFORM_APPS.contains(&crate_name.as_str())
    {
        return refuse(format!(
            "service name \"{crate_name}\" is reserved (a workspace crate, a platform app, a Rust keyword or an xtask dependency)"
        ));
    }
    let dir = root.join("services").join(&crate_name);
    if dir.exists() {
        return refuse(format!("services/{crate_name} already exists"));
    }
    let port = match PortNumber::try_from(i64::from(request.port)) {
        Ok(port) => port,
        Err(invalid) => return refuse(format!("--port: {invalid}")),
    };
    let repository = request
        .image_repository
        .map_or_else(|| format!("{crate_name}-repository"), str::to_owned);
    if let Err(invalid) = Repository::try_from(repository.as_str()) {
        return refuse(format!("--image-repo: {invalid}"));
    }
    let manifest_path = root.join("xtask").join("Cargo.toml");
    let manifest = fs::read_to_string(&manifest_path).map_err(|error| Failure::Io(manifest_path.clone(), error))?;
    let dependency = format!("{crate_name} = {{ path = \"../services/{crate_name}\" }}");
    if manifest
        .lines()
        .any(|line| line.starts_with(&format!("{crate_name} =")))
    {
        return refuse(format!(
            "xtask/Cargo.toml already has a dependency named \"{crate_name}\""
        ));
    }
    let type_name = crate_name.to_upper_camel_case();
    let files = [
        ("Cargo.toml", cargo_toml(&crate_name)),
        ("src/lib.rs", lib_rs(&crate_name, &type_name, port, &repository)),
        (crate::IMAGES_FILE, images_yaml(&crate_name)),
    ];
    let manifest = registered(&manifest, &dependency);

    let staging = root.join(format!(".new-service-{crate_name}"));
    if let Err((path, error)) = write_crate(&staging, &files) {
        let _ = fs::remove_dir_all(&staging);
        return Err(Failure::Io(path, error));
    }
    if let Err(error) = fs::rename(&staging, &dir) {
        let _ = fs::remove_dir_all(&staging);
        return Err(Failure::Io(dir, error));
    }
    if let Err(error) = replace_file(&manifest_path, &manifest) {
        // An unregistered crate would fail every build: take it back out.
        let _ = fs::remove_dir_all(&dir);
        return Err(Failure::Io(manifest_path, error));
    }
    Ok(Created {
        dir,
        module_name: crate_name.to_snake_case(),
        crate_name,
        type_name,
    })
}

fn write_crate(staging: &Path, files: &[(&str, String)]) -> Result<(), (PathBuf, io::Error)> {
    if staging.exists() {
        // A previous run that was killed midway.
        fs::remove_dir_all(staging).map_err(|error| (staging.to_path_buf(), error))?;
    }
    for (relative, contents) in files {
        let path = staging.join(relative);
        let parent = path.parent().expect("files are inside the crate");
        fs::create_dir_all(parent).map_err(|error| (parent.to_path_buf(), error))?;
        fs::write(&path, contents).map_err(|error| (path.clone(), error))?;
    }
    Ok(())
}

/// Writes `contents` beside `path` and renames it over `path`.
fn replace_file(path: &Path, contents: &str) -> io::Result<()> {
    let temporary = path.with_extension("toml.new");
    fs::write(&temporary, contents)?;
    fs::rename(&temporary, path).inspect_err(|_| {
        let _ = fs::remove_file(&temporary);
    })
}

/// `manifest` with `dependency` among the service lines, in name order.
fn registered(manifest: &str, dependency: &str) -> String {
    let is_service = |line: &str| line.contains("path = \"../services/");
    let mut lines: Vec<&str> = manifest.lines().collect();
    let position = match lines.iter().position(|line| is_service(line) && *line > dependency) {
        Some(position) => position,
        None => match lines.iter().rposition(|line| is_service(line)) {
            Some(last) => last + 1,
            None => lines
                .iter()
                .position(|line| *line == "[dependencies]")
                .map_or(lines.len(), |p| p + 1),
        },
    };
    lines.insert(position, dependency);
    let mut manifest = lines.join("\n");
    manifest.push('\n');
    manifest
}

fn cargo_toml(crate_name: &str) -> String {
    format!(
        r#"[package]
name = "{crate_name}"
version = "0.1.0"
description = "The {crate_name} service."
edition.workspace = true
rust-version.workspace = true
license.workspace = true
publish = false

[dependencies]
kumiki.workspace = true
platform.workspace = true

[lints]
workspace = true
"#
    )
}

fn lib_rs(crate_name: &str, type_name: &str, port: PortNumber, repository: &str) -> String {
    // `http-<name>` is at most 15 characters: long names get a generic port name.
    let port_name = if PortName::try_from(crate_name).is_ok() {
        crate_name.to_owned()
    } else {
        "app".to_owned()
    };
    format!(
        r#"//! The {crate_name} service: listens on {port}, reached in the mesh on Service port {port}.
//! Scaffolded by `cargo xtask new-service`: set the image tag CI pushes in `images.yaml`
//! (`cargo xtask set-image {crate_name} --env stg <tag>`) and the probes of the service's
//! health endpoint, then `cargo xtask synth`.

use kumiki::prelude::*;
use platform::{{namespaces, node_groups}};

/// Marks the {crate_name} service's handles.
pub struct {type_name};

impl ServiceId for {type_name} {{
    const NAME: Name = name!("{crate_name}");
}}

/// The {crate_name} app of `env`.
pub fn app(env: Env, images: &ImageVersions) -> App {{
    // dev runs the image built on the developer's machine (`{crate_name}:latest`); stg and prd
    // the version CI pushes to ECR. The versions are in images.yaml.
    let container = name!("{crate_name}");
    let image = platform::team_image(
        env,
        repository!("{crate_name}"),
        repository!("{repository}"),
        images.of(&container),
    );
    let mut main = Container::<{type_name}>::new(container, image);
    let http = main.port(Protocol::Http, port_name!("{port_name}"), port!({port}));

    Microservice::<{type_name}>::new(&platform::environment(env))
        .container(main)
        // A TCP check until the service has a health endpoint (`Probe::http("/healthz", &http)`).
        .readiness(Probe::tcp(&http))
        .liveness(Probe::tcp(&http).with_failure_threshold(6))
        .expose(port!({port}), &http)
        .allow_from(&namespaces::SERVICES, &[&http])
        .pin_to(&node_groups::APP)
        .build()
}}
"#
    )
}

/// The new service's image versions: its local build in dev, a first release elsewhere.
fn images_yaml(crate_name: &str) -> String {
    format!(
        r#"# yaml-language-server: $schema=../../schemas/{schema}
# The image version of each container, per environment (`cargo xtask set-image`, `cargo xtask promote`).
{crate_name}:
  dev: latest
  stg: 0.1.0
  prd: 0.1.0
"#,
        schema = kumiki::images::SCHEMA_FILE_NAME
    )
}

#[cfg(test)]
mod tests {
    use super::registered;

    #[test]
    fn the_dependency_goes_among_the_service_lines_in_name_order() {
        let manifest = "[dependencies]\nclap.workspace = true\naccount = { path = \"../services/account\" }\norder = { path = \"../services/order\" }\n\n[lints]\n";
        let ledger = "ledger = { path = \"../services/ledger\" }";
        assert_eq!(
            registered(manifest, ledger),
            format!(
                "[dependencies]\nclap.workspace = true\naccount = {{ path = \"../services/account\" }}\n{ledger}\norder = {{ path = \"../services/order\" }}\n\n[lints]\n"
            )
        );
        let zeta = "zeta = { path = \"../services/zeta\" }";
        assert!(registered(manifest, zeta).contains(&format!("order\" }}\n{zeta}\n\n[lints]")));
    }
}
