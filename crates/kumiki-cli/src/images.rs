//! `set-image` and `promote`: changing the versions in the services' image versions files,
//! then synthesizing the environment they change.
//!
//! Every request is checked and every edit computed in memory first: an invalid request
//! touches no file. The files are then replaced (written beside, renamed over) and the
//! environment synthesized; when synth finds errors the files are put back as they were, so
//! the workspace is never left with versions that do not synthesize.

use std::fs;
use std::path::{Path, PathBuf};

use kumiki::images::{ImageVersion, VersionsDocument, check_value, set_version};
use kumiki::values::EnvId;

use crate::{Failure, Workspace, Written};

/// One version changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Moved {
    /// The service.
    pub service: String,
    /// The entry: a container, or `container@canary-version`.
    pub entry: String,
    /// The version before (`None`: the entry had none in this environment).
    pub from: Option<String>,
    /// The version after.
    pub to: String,
}

impl std::fmt::Display for Moved {
    /// `account/gin: d74ac1c → e5f6a7b`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let from = self.from.as_deref().unwrap_or("(none)");
        write!(f, "{}/{}: {from} → {}", self.service, self.entry, self.to)
    }
}

/// What `set-image` is asked for.
pub struct SetImage<'a> {
    /// The service (its crate name).
    pub service: &'a str,
    /// The container; default: the service's only container entry.
    pub container: Option<&'a str>,
    /// A canary version of the container (the entry `container@version`).
    pub canary: Option<&'a str>,
    /// The environment.
    pub env: EnvId,
    /// The version: `tag`, `tag@digest` or `@digest` (`latest` in dev only).
    pub version: &'a str,
}

/// What a command changed, and what it wrote.
#[derive(Debug)]
pub struct Outcome {
    /// The versions changed (none: everything already was as asked).
    pub moved: Vec<Moved>,
    /// The environment synthesized afterwards, when asked to and something changed.
    pub written: Option<Written>,
}

/// An edit of one file, computed but not yet written.
struct Edit {
    path: PathBuf,
    before: String,
    after: String,
}

/// `cargo xtask set-image`: sets one version, then (with `synth`) synthesizes `env`.
pub fn set_image(workspace: &Workspace, request: &SetImage<'_>, synth: bool) -> Result<Outcome, Failure> {
    let service = registered(workspace, request.service)?;
    let (path, text, document) = read(workspace, service)?;
    let file = Workspace::images_file(service);
    let version = check_value(request.version, false, request.env)
        .map_err(|message| Failure::Refused(format!("version for {}: {message}", request.env)))?;
    let container = match request.container {
        Some(container) => container.to_owned(),
        None => only_container(&document, &file)?,
    };
    let entry = match request.canary {
        Some(canary) => format!("{container}@{canary}"),
        None => container,
    };
    let after = set_version(&text, &entry, request.env, &version)
        .map_err(|message| Failure::Refused(format!("{file} {message}")))?;
    let moved = Moved {
        service: service.to_owned(),
        from: document.value(&entry, request.env.as_str()).map(str::to_owned),
        entry,
        to: version.to_string(),
    };
    if after == text {
        return Ok(Outcome {
            moved: Vec::new(),
            written: None,
        });
    }
    let edit = Edit {
        path,
        before: text,
        after,
    };
    apply(workspace, vec![edit], request.env, synth).map(|written| Outcome {
        moved: vec![moved],
        written,
    })
}

/// `cargo xtask promote`: copies the exact versions (digests included) of `services` (every
/// service with a versions file when empty) from environment `from` to `to`, then (with
/// `synth`) synthesizes `to`. Refused, touching nothing, when a version to promote is not
/// pinned.
pub fn promote(
    workspace: &Workspace,
    from: EnvId,
    to: EnvId,
    services: &[String],
    synth: bool,
) -> Result<Outcome, Failure> {
    if from == to {
        return Err(Failure::Refused(format!("--from and --to are both {from}")));
    }
    let names: Vec<&str> = if services.is_empty() {
        (workspace.services.iter())
            .map(|service| service.name)
            .filter(|name| workspace.root.join(Workspace::images_file(name)).is_file())
            .collect()
    } else {
        (services.iter())
            .map(|name| registered(workspace, name))
            .collect::<Result<_, _>>()?
    };
    let mut moved = Vec::new();
    let mut edits = Vec::new();
    for service in names {
        let (path, before, document) = read(workspace, service)?;
        let file = Workspace::images_file(service);
        let mut after = before.clone();
        for entry in document.keys() {
            let Some(written) = document.value(entry, from.as_str()) else {
                continue;
            };
            let version: ImageVersion = written
                .parse()
                .map_err(|violation| Failure::Refused(format!("{file}: `{entry}` {from}: {violation}")))?;
            if !version.is_pinned() {
                return Err(Failure::Refused(format!(
                    "{file}: `{entry}` runs `{written}` in {from}, which is not pinned: only a tag or a digest names the build to promote"
                )));
            }
            let current = document.value(entry, to.as_str());
            if current == Some(version.to_string().as_str()) {
                continue;
            }
            after = set_version(&after, entry, to, &version)
                .map_err(|message| Failure::Refused(format!("{file} {message}")))?;
            moved.push(Moved {
                service: service.to_owned(),
                entry: entry.to_owned(),
                from: current.map(str::to_owned),
                to: version.to_string(),
            });
        }
        if after != before {
            edits.push(Edit { path, before, after });
        }
    }
    if edits.is_empty() {
        return Ok(Outcome { moved, written: None });
    }
    apply(workspace, edits, to, synth).map(|written| Outcome { moved, written })
}

fn registered<'a>(workspace: &Workspace, service: &'a str) -> Result<&'a str, Failure> {
    if workspace.services.iter().any(|registered| registered.name == service) {
        return Ok(service);
    }
    let names: Vec<&str> = workspace.services.iter().map(|registered| registered.name).collect();
    Err(Failure::Refused(format!(
        "unknown service `{service}` (services: {})",
        names.join(", ")
    )))
}

fn read(workspace: &Workspace, service: &str) -> Result<(PathBuf, String, VersionsDocument), Failure> {
    let file = Workspace::images_file(service);
    let path = workspace.root.join(&file);
    if !path.is_file() {
        return Err(Failure::Refused(format!("{file} does not exist")));
    }
    let text = fs::read_to_string(&path).map_err(|error| Failure::Io(path.clone(), error))?;
    let document = VersionsDocument::parse(&text)
        .map_err(|problem| Failure::Refused(format!("{file}:{}: {}", problem.line, problem.message)))?;
    Ok((path, text, document))
}

/// The one container entry (canary entries aside) of a file, for a request naming none.
fn only_container(document: &VersionsDocument, file: &str) -> Result<String, Failure> {
    let containers: Vec<&str> = document.keys().filter(|key| !key.contains('@')).collect();
    match containers.as_slice() {
        [only] => Ok((*only).to_owned()),
        _ => Err(Failure::Refused(format!(
            "{file} has {} container entries ({}): name one with --container",
            containers.len(),
            containers.join(", ")
        ))),
    }
}

/// Writes `edits`, then synthesizes `env` (with `synth`); puts every file back when synth
/// fails.
fn apply(workspace: &Workspace, edits: Vec<Edit>, env: EnvId, synth: bool) -> Result<Option<Written>, Failure> {
    for (done, edit) in edits.iter().enumerate() {
        if let Err(failure) = replace(&edit.path, &edit.after) {
            restore(&edits[..done]);
            return Err(failure);
        }
    }
    if !synth {
        return Ok(None);
    }
    let root = workspace.release_root();
    match crate::synth(&root, &[env], |env| workspace.model(env)) {
        Ok(mut written) => Ok(written.pop()),
        Err(failure) => {
            restore(&edits);
            Err(failure)
        }
    }
}

fn restore(edits: &[Edit]) {
    for edit in edits {
        // Best effort: the failure being reported matters more than a second one here.
        let _ = replace(&edit.path, &edit.before);
    }
}

/// Writes `contents` beside `path` and renames it over `path`, so a reader never sees half a file.
fn replace(path: &Path, contents: &str) -> Result<(), Failure> {
    let temporary = path.with_extension("yaml.new");
    fs::write(&temporary, contents)
        .and_then(|()| fs::rename(&temporary, path))
        .map_err(|error| {
            let _ = fs::remove_file(&temporary);
            Failure::Io(path.to_path_buf(), error)
        })
}
