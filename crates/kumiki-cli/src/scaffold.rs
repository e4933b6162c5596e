//! `new-service`: a new service crate under `services/`, registered with the platform's
//! command line. The files come from the platform's [`Scaffold`] (its template knows the
//! platform's helpers); this module checks the name, writes the crate and registers it.
//!
//! Everything is checked and rendered in memory first; the crate is written to a staging
//! directory beside the workspace members and renamed into `services/`, then the registry's
//! manifest is replaced the same way. A refusal or a failure leaves the workspace as it was.

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use heck::{ToKebabCase, ToSnakeCase, ToUpperCamelCase};
use kumiki::values::{EnvId, Name, PortName, PortNumber, Repository};

use crate::{Failure, Workspace};

/// What a platform's `new-service` creates.
#[derive(Clone, Copy)]
pub struct Scaffold {
    /// The manifest, relative to the workspace root, that registers service crates: the new
    /// crate's dependency line (`<name> = { path = "../services/<name>" }`) is added to it.
    pub registry_manifest: &'static str,
    /// Crate names the new crate may not take beyond Rust's keywords: the crates its files
    /// and the registry refer to by name (`kumiki`, `platform`, ...).
    pub reserved_crates: &'static [&'static str],
    /// The files of the new crate, paths relative to its directory (`Cargo.toml`,
    /// `src/lib.rs`, `images.yaml`, ...).
    pub files: fn(&NewService<'_>) -> Vec<(String, String)>,
}

/// The names and values a scaffold's template fills in.
pub struct NewService<'a> {
    /// The crate, app and resource name, kebab-case (`order-api`).
    pub crate_name: &'a str,
    /// The Rust type marking the service, UpperCamelCase (`OrderApi`).
    pub service_type: &'a str,
    /// A port name for the container port (the crate name when it fits, else `app`).
    pub port_name: &'a str,
    /// The port the container listens on.
    pub port: PortNumber,
    /// The image repository of the environments that pull from a registry.
    pub image_repository: &'a str,
    /// The platform's environments, in promotion order (its images file names each).
    pub envs: &'a [EnvId],
}

/// What `new-service` was asked for.
pub struct Request<'a> {
    /// The service's name as typed (`ledger`, `order-api`).
    pub name: &'a str,
    /// The port the container listens on, exposed on the same Service port.
    pub port: u16,
    /// The image repository of stg/prd images; default `<name>-repository`.
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
    pub service_type: String,
}

/// Rust's keywords and the standard crates: the registry refers to the crate by name.
const KEYWORDS: &[&str] = &[
    "std", "core", "alloc", "crate", "self", "super", "as", "async", "await", "break", "const", "continue", "dyn",
    "else", "enum", "extern", "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "static", "struct", "trait", "true", "type", "unsafe", "use", "where", "while", "abstract",
    "become", "box", "do", "final", "gen", "macro", "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// The names the platform itself uses in some environment: its apps (each an output
/// directory `release/<env>/<app>/`) and its Argo CD Applications and AppProjects (a service
/// gets an Application of its own name). Derived from the model, never kept by hand.
pub fn platform_names(workspace: &Workspace) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for &env in workspace.envs {
        let services = workspace.service_apps(env);
        let service_names: BTreeSet<&str> = services.iter().map(|app| app.name().as_str()).collect();
        let (_, apps) = (workspace.platform)(env, &services);
        for app in apps {
            names.insert(app.name().to_string());
            for declared in app.objects() {
                let object = declared.object.as_ref();
                let name = object.metadata().name.clone().unwrap_or_default();
                let argocd = object.group() == "argoproj.io" && matches!(object.kind(), "Application" | "AppProject");
                if argocd && !service_names.contains(name.as_str()) {
                    names.insert(name);
                }
            }
        }
    }
    names
}

/// Checks `request` against `workspace`, then creates and registers the crate.
pub fn new_service(workspace: &Workspace, request: &Request<'_>) -> Result<Created, Failure> {
    let refuse = |message: String| Err(Failure::Refused(message));
    let Some(scaffold) = workspace.scaffold else {
        return refuse("this platform's command line has no scaffold for new services".to_owned());
    };
    let root = workspace.root.as_path();
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
    if KEYWORDS.contains(&crate_name.as_str())
        || scaffold.reserved_crates.contains(&crate_name.as_str())
        || crate_name.starts_with("kumiki")
    {
        return refuse(format!(
            "service name \"{crate_name}\" is reserved (a crate the workspace refers to by name, or a Rust keyword)"
        ));
    }
    if platform_names(workspace).contains(&crate_name) {
        return refuse(format!(
            "service name \"{crate_name}\" is one the platform uses (an app, an output directory or an Argo CD Application or project)"
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
    let manifest_path = root.join(scaffold.registry_manifest);
    let manifest = crate::files::read(root, &manifest_path)?;
    crate::files::refuse_links(root, &dir)?;
    let dependency = format!("{crate_name} = {{ path = \"../services/{crate_name}\" }}");
    if manifest
        .lines()
        .any(|line| line.starts_with(&format!("{crate_name} =")))
    {
        return refuse(format!(
            "{} already has a dependency named \"{crate_name}\"",
            scaffold.registry_manifest
        ));
    }
    let service_type = crate_name.to_upper_camel_case();
    // `http-<name>` is at most 15 characters: long names get a generic port name.
    let port_name = if PortName::try_from(crate_name.as_str()).is_ok() {
        crate_name.as_str()
    } else {
        "app"
    };
    let files = (scaffold.files)(&NewService {
        crate_name: &crate_name,
        service_type: &service_type,
        port_name,
        port,
        image_repository: &repository,
        envs: workspace.envs,
    });
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
    if let Err(failure) = crate::files::replace(root, &manifest_path, manifest.as_bytes()) {
        // An unregistered crate would fail every build: take it back out.
        let _ = fs::remove_dir_all(&dir);
        return Err(failure);
    }
    Ok(Created {
        dir,
        module_name: crate_name.to_snake_case(),
        crate_name,
        service_type,
    })
}

fn write_crate(staging: &Path, files: &[(String, String)]) -> Result<(), (PathBuf, io::Error)> {
    // A previous run that was killed midway, or a link planted there: removed, never followed.
    match fs::symlink_metadata(staging) {
        Ok(metadata) if metadata.is_dir() => fs::remove_dir_all(staging),
        Ok(_) => fs::remove_file(staging),
        Err(_) => Ok(()),
    }
    .map_err(|error| (staging.to_path_buf(), error))?;
    for (relative, contents) in files {
        let path = staging.join(relative);
        let parent = path.parent().expect("files are inside the crate");
        fs::create_dir_all(parent).map_err(|error| (parent.to_path_buf(), error))?;
        fs::write(&path, contents).map_err(|error| (path.clone(), error))?;
    }
    Ok(())
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
