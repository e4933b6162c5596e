//! kumiki's command line as a library: synthesizing a platform's model into `release/`,
//! checking that `release/` is up to date, diffing what the code synthesizes against
//! `release/` or a git ref, the catalog, image versions (`set-image`, `promote`) and
//! `new-service`.
//!
//! A platform repository gives it a [`Workspace`] (its root, its service crates, the function
//! that builds the platform's own apps around them, the name users run it by, and a scaffold
//! for new services) from a small binary of its own, usually a `cargo xtask` alias:
//!
//! ```no_run
//! # use kumiki::prelude::*;
//! # use kumiki::platform::PlatformFacts;
//! # use kumiki::images::{Promotion, ReleasePolicy, VersionPolicy};
//! # environments! { pub enum Env, stage Stage { Qa = development("qa"), Prod = production("prod") } }
//! # fn platform_apps(_: Env, _: &[App]) -> (PlatformFacts, Vec<App>) { (PlatformFacts::default(), Vec::new()) }
//! # fn shop(_: Env, _: &ImageVersions) -> App { App::new(name!("shop")) }
//! use kumiki_cli::{Service, Workspace, of};
//!
//! static SERVICES: &[Service] = &[Service { name: "shop", app: |env, images| shop(of(env), images) }];
//!
//! fn main() -> std::process::ExitCode {
//!     kumiki_cli::command::main(&Workspace {
//!         root: std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".."),
//!         envs: &Env::IDS,
//!         services: SERVICES,
//!         platform: |env, services| platform_apps(of(env), services),
//!         rules: &[],
//!         command: "cargo xtask",
//!         scaffold: None,
//!         release: RELEASE,
//!     })
//! }
//!
//! /// prod runs what qa ran; words such as `stable` are refused outside qa. A `const`, so the
//! /// promotion list lives for the whole program (a `&[…]` built inside a function would not).
//! const RELEASE: ReleasePolicy = ReleasePolicy {
//!     promotions: &[Promotion { from: Env::Qa.id(), to: Env::Prod.id() }],
//!     versions: VersionPolicy::VERSIONS,
//! };
//! ```
//!
//! The crate that lists the service crates depends on all of them, so keep it tiny and this
//! library apart: editing a service then rebuilds that service and a few lines, never the
//! command line. `command` only parses arguments and calls into this library, so tests
//! exercise the same code paths the command line does.

use std::collections::BTreeSet;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use kumiki::images::{ImageVersions, ReleasePolicy};
use kumiki::prelude::App;
use kumiki::rules::PlatformRule;
use kumiki::synth::write::{self, Drift};
use kumiki::synth::{Model, PlatformFacts, Release, SynthError, SynthErrors, parallel};
use kumiki::values::EnvId;
use kumiki_diff::{DiffError, EnvDiff};

mod baseline;
pub mod catalog;
pub mod command;
pub mod crd_import;
pub mod files;
pub mod graph;
pub mod images;
pub mod import_yaml;
pub mod init;
pub mod json;
pub mod live;
mod panics;
pub mod policy;
pub mod rules;
pub mod scaffold;
pub mod standard;
pub mod watch;

pub use baseline::Baseline;

/// A service crate of the platform.
pub struct Service {
    /// The crate (and directory) name.
    pub name: &'static str,
    /// Its entry point: the app of an environment, given the image versions its
    /// [`IMAGES_FILE`] holds there.
    pub app: fn(EnvId, &ImageVersions) -> App,
}

/// The platform's environment `E` that the SDK sees as `id`: what the registry's wrappers
/// hand to services and the platform. The command line only passes ids of the workspace's
/// `envs`, so a failure here is a workspace whose `envs` are not its platform's.
pub fn of<E: kumiki::prelude::Environments>(id: EnvId) -> E {
    match E::of(id) {
        Some(env) => env,
        None => panic!("environment {id} is not one of the platform's: the Workspace's envs must be its Env::ALL"),
    }
}

/// The message refusing a workspace binary (its package in `<workspace>/<tool_dir>/`) that runs
/// in another checkout than `built`, the one it was compiled in: a `CARGO_TARGET_DIR` shared
/// by two clones can run one clone's binary in the other, whose services would then be the
/// other checkout's code acting on this checkout's files. Where it runs is the checkout cargo
/// runs it for (`CARGO_MANIFEST_DIR` at run time), else the one around the current directory;
/// `None` when that is `built`, or when it runs outside any checkout (by path).
pub fn built_elsewhere(built: &Path, tool_dir: &str) -> Option<String> {
    let running = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .and_then(|dir| dir.parent().map(Path::to_path_buf))
        .or_else(|| {
            let cwd = std::env::current_dir().ok()?;
            (cwd.ancestors())
                .find(|dir| dir.join(tool_dir).join("Cargo.toml").is_file())
                .map(Path::to_path_buf)
        })?;
    checkout_mismatch(built, &running, tool_dir)
}

/// The refusal of [`built_elsewhere`] when `built` is not `running`.
pub fn checkout_mismatch(built: &Path, running: &Path, tool_dir: &str) -> Option<String> {
    let same = matches!((built.canonicalize(), running.canonicalize()), (Ok(a), Ok(b)) if a == b);
    (!same).then(|| {
        format!(
            "this binary was built from {} but runs in {}: a target directory shared by two checkouts ran the \
             other's binary, which would act with the other checkout's services on this one's files. Rebuild it \
             here (`cargo build --manifest-path {tool_dir}/Cargo.toml`), or give each checkout its own \
             CARGO_TARGET_DIR",
            built.display(),
            running.display()
        )
    })
}

/// Each service's image versions file, in its directory (`services/<name>/images.yaml`).
pub const IMAGES_FILE: &str = "images.yaml";

/// The workspace the commands work on: where it is, its services, and its platform.
#[derive(Clone)]
pub struct Workspace {
    /// The workspace root (holding `release/` and `services/`).
    pub root: PathBuf,
    /// The platform's environments, in promotion order (its `Env::ALL`).
    pub envs: &'static [EnvId],
    /// Every registered service crate.
    pub services: &'static [Service],
    /// The platform's facts and its own apps of an environment, built around the services'
    /// apps (the gateways and the Argo CD tree derive from what the services declare). Only
    /// the platform states facts: they reach synth beside the apps, never through one.
    pub platform: fn(EnvId, &[App]) -> (PlatformFacts, Vec<App>),
    /// The rules the platform adds to kumiki's (`cargo xtask rules` lists them too).
    pub rules: &'static [PlatformRule],
    /// How users run this command line (`cargo xtask`): the synthesized files' header and the
    /// messages name it.
    pub command: &'static str,
    /// What `new-service` creates; `None` and the command refuses.
    pub scaffold: Option<scaffold::Scaffold>,
    /// The promotion path and the version policy (`set-image`, `promote`, and synth reading
    /// the versions files).
    pub release: ReleasePolicy,
}

impl Workspace {
    /// The whole model of `env`: every service's app (each marked as its crate's), the
    /// platform's apps (which derive the gateways and the Argo CD tree from the services), the
    /// platform's facts and rules, and the command that synthesizes it.
    ///
    /// A service whose code panics makes the model that service's panic alone (an empty app
    /// carrying the error at the panicking line): what the others would derive from an
    /// incomplete model is not worth reporting.
    pub fn model(&self, env: impl Into<EnvId>) -> Model {
        let env = env.into();
        // Each service's app is independent of the others: built on every core.
        let built = parallel::map(self.services, |service| {
            let images = self.image_versions(service.name, env);
            panics::build(service, env, images)
        });
        let (panicked, services): (Vec<_>, Vec<_>) = built.into_iter().partition(|built| built.panicked);
        let (facts, apps) = if panicked.is_empty() {
            let services: Vec<App> = services.into_iter().map(|built| built.app).collect();
            let (facts, mut apps) = (self.platform)(env, &services);
            apps.extend(services);
            (facts, apps)
        } else {
            (
                PlatformFacts::default(),
                panicked.into_iter().map(|built| built.app).collect(),
            )
        };
        Model {
            rules: self.rules,
            command: Some(self.command),
            ..Model::new(env, facts, apps)
        }
    }

    /// The services' apps alone, as [`Workspace::model`] builds them (a panicking service
    /// becomes an app carrying the panic).
    pub fn service_apps(&self, env: impl Into<EnvId>) -> Vec<App> {
        let env = env.into();
        let built = parallel::map(self.services, |service| {
            panics::build(service, env, self.image_versions(service.name, env))
        });
        built.into_iter().map(|built| built.app).collect()
    }

    /// The path of `service`'s image versions file, relative to the workspace root (as
    /// errors name it).
    pub fn images_file(service: &str) -> String {
        format!("services/{service}/{IMAGES_FILE}")
    }

    /// `service`'s image versions in `env`, read from its file (absent: every request for
    /// a version is an error naming the file to create).
    pub fn image_versions(&self, service: &str, env: impl Into<EnvId>) -> ImageVersions {
        let env = env.into();
        let file = Workspace::images_file(service);
        match files::read(&self.root, &self.root.join(&file)) {
            Ok(text) => ImageVersions::read(&file, Some(&text), env, self.envs, &self.release.versions),
            Err(Failure::Io(_, error)) if error.kind() == io::ErrorKind::NotFound => {
                ImageVersions::read(&file, None, env, self.envs, &self.release.versions)
            }
            Err(Failure::Io(_, error)) => ImageVersions::unreadable(&file, &error.to_string(), env),
            Err(Failure::Refused(reason)) => ImageVersions::unreadable(&file, &reason, env),
            Err(failure) => ImageVersions::unreadable(&file, &failure.to_string(), env),
        }
    }

    /// The default output root, `release/` in the workspace.
    pub fn release_root(&self) -> PathBuf {
        self.root.join("release")
    }
}

/// Why a command failed; each kind has its own exit code.
#[derive(Debug)]
pub enum Failure {
    /// The model has errors; nothing was written.
    Model(Vec<(EnvId, SynthErrors)>),
    /// `release/` differs from what the code synthesizes.
    Stale(Vec<(EnvId, Drift)>),
    /// Reading or writing files failed.
    Io(PathBuf, io::Error),
    /// git could not provide the release at a ref.
    Git(String),
    /// A release file to compare is not a Kubernetes object.
    Unreadable(DiffError),
    /// The request was refused before anything was touched (e.g. `new-service` with a name
    /// that exists, `set-image` with an invalid version).
    Refused(String),
    /// The request names something that does not exist (`explain` of an unknown rule).
    Unknown(String),
    /// Two synths of the same code gave different files: the model depends on something
    /// other than the code (a `HashMap`'s order, say).
    Nondeterministic(Vec<(EnvId, Vec<String>)>),
    /// A real API server refused objects of the release (or stores them differently): each
    /// error at its declaring line, with the warnings it gave.
    Server {
        /// The refusals.
        errors: Vec<String>,
        /// The warnings (not failures on their own).
        warnings: Vec<String>,
    },
    /// The cluster could not be reached, or the `kumiki-live` program could not run.
    Live(String),
}

impl Failure {
    /// The process exit code: 1 model errors (or the API server's refusals), 2 refused
    /// request (as clap's usage errors), 3 stale release, 4 IO, git, unreadable release or an
    /// unreachable cluster (`diff` also exits 3 when it finds changes).
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Model(_) | Failure::Nondeterministic(_) | Failure::Server { .. } => 1,
            Failure::Refused(_) | Failure::Unknown(_) => 2,
            Failure::Stale(_) => 3,
            Failure::Io(..) | Failure::Git(_) | Failure::Unreadable(_) | Failure::Live(_) => 4,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Model(per_env) => {
                let errors = merged_across_environments(per_env);
                for error in &errors {
                    writeln!(f, "error: {error}")?;
                }
                let count = errors.len();
                write!(f, "{count} error{} in the model; nothing was written", plural(count))
            }
            Failure::Stale(drift) => {
                for (env, drift) in drift {
                    let (what, path) = match drift {
                        Drift::Missing(path) => ("missing   ", path),
                        Drift::Changed(path) => ("stale     ", path),
                        Drift::Unexpected(path) => ("not synthesized", path),
                        Drift::Interrupted(path) => ("interrupted write, journal", path),
                    };
                    writeln!(f, "{what} release/{env}/{path}")?;
                }
                write!(
                    f,
                    "{} file{} of release/ differ from what the code synthesizes",
                    drift.len(),
                    plural(drift.len())
                )
            }
            Failure::Io(path, error) => write!(f, "cannot access {}: {error}", path.display()),
            Failure::Git(message) => write!(f, "git: {message}"),
            Failure::Unreadable(error) => write!(f, "cannot compare release files: {error}"),
            Failure::Refused(message) => write!(f, "error: {message}; nothing was changed"),
            Failure::Unknown(message) => write!(f, "error: {message}"),
            Failure::Live(message) => write!(f, "error: {message}"),
            Failure::Server { errors, warnings } => {
                for warning in warnings {
                    writeln!(f, "warning: {warning}")?;
                }
                for error in errors {
                    writeln!(f, "error: {error}")?;
                }
                let count = errors.len();
                write!(f, "{count} object{} refused by the API server", plural(count))
            }
            Failure::Nondeterministic(per_env) => {
                writeln!(
                    f,
                    "error: output is not deterministic: two synths of the same code differ in"
                )?;
                for (env, paths) in per_env {
                    for path in paths {
                        writeln!(f, "  release/{env}/{path}")?;
                    }
                }
                write!(
                    f,
                    "the model depends on something other than the code (iterating a HashMap or HashSet? use a BTreeMap or sort)"
                )
            }
        }
    }
}

/// The errors of every environment, one line per cause: an error found the same way (same
/// location, app and message) in several environments is one line naming them all,
/// `{dev,stg,prd}/account`, in the order of the first.
fn merged_across_environments(per_env: &[(EnvId, SynthErrors)]) -> Vec<String> {
    let mut merged: Vec<(&SynthError, Vec<&str>, &str)> = Vec::new();
    for (env, errors) in per_env {
        for error in &errors.0 {
            let app = error.path.split_once('/').map_or(error.path.as_str(), |(_, app)| app);
            match merged.iter_mut().find(|(first, _, first_app)| {
                first.location == error.location && first.message == error.message && *first_app == app
            }) {
                Some((_, envs, _)) => envs.push(env.as_str()),
                None => merged.push((error, vec![env.as_str()], app)),
            }
        }
    }
    (merged.into_iter())
        .map(|(error, envs, app)| match envs.as_slice() {
            [_] => error.to_string(),
            _ => format!("{}: {{{}}}/{app}: {}", error.location, envs.join(","), error.message),
        })
        .collect()
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

/// Synthesizes every environment of `envs` in memory, collecting the errors of all of them.
pub fn synthesize<E: Into<EnvId> + Copy>(envs: &[E], model: impl Fn(E) -> Model) -> Result<Vec<Release>, Failure> {
    let mut releases = Vec::new();
    let mut errors = Vec::new();
    for &env in envs {
        match kumiki::synth::synthesize(model(env)) {
            Ok(release) => releases.push(release),
            Err(env_errors) => errors.push((env.into(), env_errors)),
        }
    }
    if errors.is_empty() {
        Ok(releases)
    } else {
        Err(Failure::Model(errors))
    }
}

/// What `synth` did to one environment's directory.
#[derive(Debug, PartialEq, Eq)]
pub struct Written {
    /// The environment.
    pub env: EnvId,
    /// Files in the release.
    pub files: usize,
    /// Files added, changed or removed on disk; 0 means nothing was touched.
    pub changes: usize,
}

/// `cargo xtask synth`: synthesizes `envs` and writes each into `root/<env>/`, touching only
/// the files that differ (staged, then committed by a journal: see `kumiki::synth::write`).
/// Nothing is written unless every environment synthesizes without error; an environment
/// whose files are already up to date is not touched.
pub fn synth<E: Into<EnvId> + Copy>(
    root: &Path,
    envs: &[E],
    model: impl Fn(E) -> Model,
) -> Result<Vec<Written>, Failure> {
    let releases = synthesize(envs, model)?;
    let mut written = Vec::new();
    for release in &releases {
        let dir = write::env_dir(root, release);
        let changes = write::write(root, release).map_err(|error| Failure::Io(dir, error))?;
        written.push(Written {
            env: release.env,
            files: release.files.len(),
            changes: changes.total(),
        });
    }
    Ok(written)
}

/// `cargo xtask check`: fails with [`Failure::Stale`] when `root/<env>/` differs from what
/// the code synthesizes, for any of `envs`.
///
/// Before calling `release/` stale it synthesizes again: when the two synths differ, the
/// failure is [`Failure::Nondeterministic`], naming the files, not a stale release.
pub fn check<E: Into<EnvId> + Copy>(root: &Path, envs: &[E], model: impl Fn(E) -> Model) -> Result<usize, Failure> {
    let releases = synthesize(envs, &model)?;
    let mut drift = Vec::new();
    let mut files = 0;
    for release in &releases {
        let dir = write::env_dir(root, release);
        let env_drift = write::compare(root, release).map_err(|error| Failure::Io(dir, error))?;
        drift.extend(env_drift.into_iter().map(|d| (release.env, d)));
        files += release.files.len();
    }
    if drift.is_empty() {
        return Ok(files);
    }
    let again = synthesize(envs, &model)?;
    let unstable: Vec<(EnvId, Vec<String>)> = (releases.iter().zip(&again))
        .map(|(first, second)| {
            let paths = (first.files.keys().chain(second.files.keys()))
                .filter(|path| first.files.get(*path) != second.files.get(*path))
                .cloned()
                .collect::<std::collections::BTreeSet<String>>();
            (first.env, paths.into_iter().collect::<Vec<String>>())
        })
        .filter(|(_, paths)| !paths.is_empty())
        .collect();
    if unstable.is_empty() {
        Err(Failure::Stale(drift))
    } else {
        Err(Failure::Nondeterministic(unstable))
    }
}

/// `cargo xtask catalog`: the table of every registered service's containers in `env`. The
/// model must synthesize (its errors are reported as synth reports them), so the table
/// describes exactly what `release/<env>/` holds.
pub fn catalog(workspace: &Workspace, env: EnvId) -> Result<String, Failure> {
    catalog_rows(workspace, env).map(|rows| catalog::render(&rows))
}

/// The rows of [`catalog()`], for `--format json`.
pub fn catalog_rows(workspace: &Workspace, env: EnvId) -> Result<Vec<catalog::Row>, Failure> {
    let model = |env| workspace.model(env);
    synthesize(&[env], model)?;
    let services: Vec<&str> = workspace.services.iter().map(|service| service.name).collect();
    Ok(catalog::rows(&model(env).apps, &services))
}

/// `cargo xtask graph`: the service graph of `env`, every declared call to each port with
/// what each layer of the synthesized release does with it. Fails as synth does when the
/// model has errors (a declared call a layer blocks is one).
pub fn graph(workspace: &Workspace, env: EnvId) -> Result<Vec<kumiki::synth::Edge>, Failure> {
    let mut releases = synthesize(&[env], |env| workspace.model(env))?;
    Ok(releases.pop().map(|release| release.traffic).unwrap_or_default())
}

/// `cargo xtask diff`: what the code synthesizes now for each of `envs`, compared with
/// `baseline`. Writes nothing.
///
/// An image bump to a build an earlier environment of `envs` already runs reads as a
/// promotion; [`diff_in_order`] compares against every environment of the platform.
pub fn diff<E: Into<EnvId> + Copy>(
    baseline: &Baseline,
    envs: &[E],
    model: impl Fn(E) -> Model,
) -> Result<Vec<EnvDiff>, Failure> {
    let releases = synthesize(envs, model)?;
    let mut diffs = compare_releases(baseline, &releases)?;
    if has_bumps(&diffs) {
        let running: Vec<(String, BTreeSet<String>)> = (releases.iter())
            .map(|release| {
                (
                    release.env.as_str().to_owned(),
                    kumiki_diff::running_images(&release.files),
                )
            })
            .collect();
        kumiki_diff::mark_promotions(&mut diffs, &running);
    }
    Ok(diffs)
}

/// [`diff`] of `envs`, where an image bump to a build an earlier environment of `order` (the
/// platform's environments in promotion order) runs reads as a promotion. What an earlier
/// environment runs is what the code makes it run (synthesized when it is not diffed, so
/// `diff --env prd` alone shows a promotion from a stg changed in the same change), or its
/// baseline when that does not synthesize.
pub fn diff_in_order(
    baseline: &Baseline,
    envs: &[EnvId],
    order: &[EnvId],
    model: impl Fn(EnvId) -> Model,
) -> Result<Vec<EnvDiff>, Failure> {
    let releases = synthesize(envs, &model)?;
    let mut diffs = compare_releases(baseline, &releases)?;
    if has_bumps(&diffs) {
        let last = envs
            .iter()
            .filter_map(|env| order.iter().position(|known| known == env))
            .max();
        let running: Vec<(String, BTreeSet<String>)> = (order.iter())
            .take(last.map_or(0, |last| last + 1))
            .filter_map(|&env| {
                let images = match releases.iter().find(|release| release.env == env) {
                    Some(release) => kumiki_diff::running_images(&release.files),
                    None => match kumiki::synth::synthesize(model(env)) {
                        Ok(release) => kumiki_diff::running_images(&release.files),
                        // An environment the baseline lacks runs nothing yet.
                        Err(_) => kumiki_diff::running_images(&baseline.tree(env).ok()?),
                    },
                };
                Some((env.as_str().to_owned(), images))
            })
            .collect();
        kumiki_diff::mark_promotions(&mut diffs, &running);
    }
    Ok(diffs)
}

fn compare_releases(baseline: &Baseline, releases: &[Release]) -> Result<Vec<EnvDiff>, Failure> {
    (releases.iter())
        .map(|release| {
            let old = baseline.tree(release.env)?;
            kumiki_diff::compare(release.env.as_str(), &old, &release.files).map_err(Failure::Unreadable)
        })
        .collect()
}

fn has_bumps(diffs: &[EnvDiff]) -> bool {
    (diffs.iter()).any(|diff| diff.changes.iter().any(|change| !change.image_bumps.is_empty()))
}

/// The exit code of `cargo xtask diff`: 0 when no environment changes, 3 otherwise (the
/// code of a stale release in `check`: the release differs from the code).
pub fn diff_exit_code(diffs: &[EnvDiff]) -> u8 {
    if diffs.iter().all(EnvDiff::is_empty) { 0 } else { 3 }
}
