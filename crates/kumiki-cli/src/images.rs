//! `set-image` and `promote`: changing the versions in the services' image versions files,
//! then synthesizing the environment they change.
//!
//! Every request is checked and every edit computed in memory first: an invalid request
//! touches no file. The files are then replaced (written beside, renamed over) and the
//! environment synthesized; when synth finds errors the files are put back as they were, so
//! the workspace is never left with versions that do not synthesize.

use std::fs;
use std::path::PathBuf;

use kumiki::images::{ImageVersion, VersionsDocument, WrittenVersion, check_value, set_version};
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
    /// The version: `tag`, `tag@digest` or `@digest`, as the platform's version policy allows.
    pub version: &'a str,
    /// Why the environment is set directly though it is reached by promotion
    /// (`--skip-promotion`); refused without one.
    pub skip_promotion: Option<&'a str>,
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
    crate::policy::check_direct_set(
        &workspace.release,
        workspace.command,
        request.env,
        service,
        request.skip_promotion,
    )?;
    let (path, text, document) = read(workspace, service)?;
    let file = Workspace::images_file(service);
    let written = WrittenVersion {
        text: request.version,
        plain: false,
        decorated: false,
    };
    let version = check_value(&written, request.env, &workspace.release.versions)
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

/// What `promote` is asked for.
pub struct Promote<'a> {
    /// The environment whose versions are promoted.
    pub from: EnvId,
    /// The environment that takes them.
    pub to: EnvId,
    /// The services (crate names); every service with a versions file when empty.
    pub services: &'a [String],
    /// Why `from -> to` is promoted though the platform's promotion path does not
    /// (`--skip-promotion`); refused without one.
    pub skip_promotion: Option<&'a str>,
}

/// `cargo xtask promote`: copies the exact versions (digests included) of the services from
/// environment `from` to `to`, then (with `synth`) synthesizes `to`. Refused, touching
/// nothing, when `from -> to` is not on the promotion path (without a reason), or a version to
/// promote is not pinned or not allowed in `to` by the version policy.
pub fn promote(workspace: &Workspace, request: &Promote<'_>, synth: bool) -> Result<Outcome, Failure> {
    let (from, to) = (request.from, request.to);
    if from == to {
        return Err(Failure::Refused(format!("--from and --to are both {from}")));
    }
    crate::policy::check_promotion(&workspace.release, workspace.command, from, to, request.skip_promotion)?;
    let names: Vec<&str> = if request.services.is_empty() {
        (workspace.services.iter())
            .map(|service| service.name)
            .filter(|name| fs::symlink_metadata(workspace.root.join(Workspace::images_file(name))).is_ok())
            .collect()
    } else {
        (request.services.iter())
            .map(|name| registered(workspace, name))
            .collect::<Result<_, _>>()?
    };
    let mut moved = Vec::new();
    let mut edits = Vec::new();
    for service in names {
        let (path, before, document) = read(workspace, service)?;
        let after = promote_file(workspace, (service, &before, &document), from, to, &mut moved)?;
        if after != before {
            edits.push(Edit { path, before, after });
        }
    }
    if edits.is_empty() {
        return Ok(Outcome { moved, written: None });
    }
    apply(workspace, edits, to, synth).map(|written| Outcome { moved, written })
}

/// The text of `service`'s versions file with every version of `from` copied to `to`,
/// recording each that moves.
fn promote_file(
    workspace: &Workspace,
    (service, before, document): (&str, &str, &VersionsDocument),
    from: EnvId,
    to: EnvId,
    moved: &mut Vec<Moved>,
) -> Result<String, Failure> {
    let file = Workspace::images_file(service);
    let mut after = before.to_owned();
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
        workspace.release.versions.check(&version, to).map_err(|message| {
            Failure::Refused(format!(
                "{file}: `{entry}` cannot take {from}'s version in {to}: {message}"
            ))
        })?;
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
    Ok(after)
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
    if fs::symlink_metadata(&path).is_err() {
        return Err(Failure::Refused(format!("{file} does not exist")));
    }
    let text = crate::files::read(&workspace.root, &path)?;
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
        if let Err(failure) = crate::files::replace(&workspace.root, &edit.path, edit.after.as_bytes()) {
            return match restore(workspace, &edits[..done]) {
                Ok(()) => Err(failure),
                Err(unrestored) => {
                    eprintln!("{failure}");
                    Err(unrestored)
                }
            };
        }
    }
    if !synth {
        return Ok(None);
    }
    let root = workspace.release_root();
    crate::files::refuse_links(&workspace.root, &root)?;
    match crate::synth(&root, &[env], |env| workspace.model(env)) {
        Ok(mut written) => Ok(written.pop()),
        Err(failure) => match restore(workspace, &edits) {
            Ok(()) => Err(failure),
            Err(unrestored) => {
                // The synth errors still matter; the file left changed matters more.
                eprintln!("{failure}");
                Err(unrestored)
            }
        },
    }
}

/// Puts every edited file back as it was; says which could not be, when one could not.
fn restore(workspace: &Workspace, edits: &[Edit]) -> Result<(), Failure> {
    let mut unrestored = Vec::new();
    for edit in edits {
        if let Err(failure) = crate::files::replace(&workspace.root, &edit.path, edit.before.as_bytes()) {
            unrestored.push(format!("{} ({failure})", edit.path.display()));
        }
    }
    if unrestored.is_empty() {
        return Ok(());
    }
    Err(Failure::Io(
        workspace.root.clone(),
        std::io::Error::other(format!(
            "synth found errors, and these files could not be put back, so they hold the new versions: {}",
            unrestored.join(", ")
        )),
    ))
}
