//! `verify`, `cluster` and `diff --live`: a release judged by a real API server.
//!
//! The work against the server is done by the `kumiki-live` program (crate `kumiki-live`),
//! which prints its verdict as JSON; this module finds and runs it and reports each verdict at
//! the line that declared the object. The HTTP, TLS and async stack that program needs stays
//! out of this library, so it never reaches a platform's synth binary or its service crates.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use kumiki::synth::Release;
use kumiki::synth::write;
use kumiki::values::EnvId;
use kumiki_diff::EnvDiff;
use serde::Deserialize;

use crate::{Failure, Workspace};

/// The rule id of what the API server refuses (and of pods Pod Security would refuse).
pub const SERVER_RULE: &str = "server";
/// The rule id of an object the server stores differently from the release.
pub const OUT_OF_SYNC_RULE: &str = "server.out-of-sync";

/// The program that speaks to API servers; `KUMIKI_LIVE` overrides where it is.
pub const PROGRAM: &str = "kumiki-live";

/// One verdict of the server, as `kumiki-live` prints it.
#[derive(Debug, Deserialize)]
struct Finding {
    file: String,
    kind: String,
    message: String,
}

#[derive(Debug, Deserialize)]
struct Report {
    objects: usize,
    findings: Vec<Finding>,
}

#[derive(Debug, Deserialize)]
struct LiveTrees {
    live: BTreeMap<String, String>,
    release: BTreeMap<String, String>,
    findings: Vec<Finding>,
}

/// Which cluster and which CRDs.
#[derive(Clone, Debug, Default)]
pub struct Target {
    /// Its kubeconfig; `None`: the local control plane's (verify) or kubectl's choice (diff).
    pub kubeconfig: Option<PathBuf>,
    /// Directories of upstream CRDs to install first; empty: the workspace's `crds/`.
    pub crds: Vec<PathBuf>,
    /// The `kumiki-live` program; `None`: found as [`program`] says.
    pub program: Option<PathBuf>,
    /// For `diff --live`: a label selector narrowing which of the cluster's kumiki objects of
    /// the environment count as the release's (`team=payments`).
    pub selector: Option<String>,
}

/// The server's verdict on one environment's release.
#[derive(Debug)]
pub struct Verdict {
    /// The environment.
    pub env: EnvId,
    /// How many objects it judged.
    pub objects: usize,
    /// Warnings, at their lines (they do not fail).
    pub warnings: Vec<String>,
}

/// The directory of the workspace's local control plane: `KUMIKI_CLUSTER_DIR`, or
/// `target/control-plane` in the workspace.
pub fn cluster_dir(workspace: &Workspace) -> PathBuf {
    std::env::var_os("KUMIKI_CLUSTER_DIR").map_or_else(|| workspace.root.join("target/control-plane"), PathBuf::from)
}

/// `cluster up|down|status`: the script's exit code.
pub fn cluster(workspace: &Workspace, verb: &str) -> Result<u8, Failure> {
    let program = program(workspace, &Target::default())?;
    let status = Command::new(&program)
        .args(["cluster", verb, "--dir"])
        .arg(cluster_dir(workspace))
        .status()
        .map_err(|error| Failure::Live(format!("cannot run {}: {error}", program.display())))?;
    Ok(status.code().and_then(|code| u8::try_from(code).ok()).unwrap_or(1))
}

/// `verify --env <env>` (or, with `apply`, `cluster apply`): the server's verdict on
/// release/<env>, which must be what the code synthesizes. Refusals (and, after a real apply,
/// objects stored differently) are a [`Failure::Server`] naming each declaring line.
pub fn verify(workspace: &Workspace, env: EnvId, target: &Target, apply: bool) -> Result<Verdict, Failure> {
    let release = fresh_release(workspace, env)?;
    let kubeconfig = match &target.kubeconfig {
        Some(path) => path.clone(),
        None => local_kubeconfig(workspace)?,
    };
    let mut args: Vec<OsString> = vec![if apply { "apply" } else { "verify" }.into()];
    args.extend(release_args(workspace, env));
    args.extend(["--kubeconfig".into(), kubeconfig.into()]);
    for dir in crd_dirs(workspace, target) {
        args.extend(["--crds".into(), dir.into()]);
    }
    let report: Report = parse(&run(workspace, target, &args)?)?;
    let (errors, warnings) = placed(&release, &report.findings);
    if errors.is_empty() {
        Ok(Verdict {
            env,
            objects: report.objects,
            warnings,
        })
    } else {
        Err(Failure::Server { errors, warnings })
    }
}

/// `diff --live --env <env>`: release/<env> as it is on disk against the cluster, and what the
/// server refused in the dry run (at the file, since the disk may not be what the code says).
pub fn diff(workspace: &Workspace, env: EnvId, target: &Target) -> Result<(EnvDiff, Vec<String>), Failure> {
    let mut args: Vec<OsString> = vec!["live".into()];
    args.extend(release_args(workspace, env));
    args.extend(["--env".into(), env.as_str().into()]);
    if let Some(path) = &target.kubeconfig {
        args.extend(["--kubeconfig".into(), path.into()]);
    }
    if let Some(selector) = &target.selector {
        args.extend(["--selector".into(), selector.into()]);
    }
    let trees: LiveTrees = parse(&run(workspace, target, &args)?)?;
    let diff = kumiki_diff::compare(env.as_str(), &trees.live, &trees.release).map_err(Failure::Unreadable)?;
    let refused = (trees.findings.iter())
        .map(|finding| {
            format!(
                "release/{env}/{}: {} [rule: {SERVER_RULE}]",
                finding.file, finding.message
            )
        })
        .collect();
    Ok((diff, refused))
}

fn release_args(workspace: &Workspace, env: EnvId) -> [OsString; 2] {
    ["--release".into(), workspace.release_root().join(env.as_str()).into()]
}

fn crd_dirs(workspace: &Workspace, target: &Target) -> Vec<PathBuf> {
    if !target.crds.is_empty() {
        return target.crds.clone();
    }
    let default = workspace.root.join("crds");
    if default.is_dir() { vec![default] } else { Vec::new() }
}

fn local_kubeconfig(workspace: &Workspace) -> Result<PathBuf, Failure> {
    let path = cluster_dir(workspace).join("kubeconfig");
    if path.is_file() {
        Ok(path)
    } else {
        Err(Failure::Live(format!(
            "no local control plane ({} does not exist): start it with `{} cluster up`, or pass --kubeconfig",
            path.display(),
            workspace.command
        )))
    }
}

/// The release `env` synthesizes, once release/<env> is checked to be exactly it.
fn fresh_release(workspace: &Workspace, env: EnvId) -> Result<Release, Failure> {
    let release = (crate::synthesize(&[env], |env| workspace.model(env))?.pop())
        .ok_or_else(|| Failure::Unknown(format!("no release for {env}")))?;
    let root = workspace.release_root();
    let drift = write::compare(&root, &release).map_err(|error| Failure::Io(root.join(env.as_str()), error))?;
    if drift.is_empty() {
        Ok(release)
    } else {
        Err(Failure::Stale(drift.into_iter().map(|drift| (env, drift)).collect()))
    }
}

/// Each finding as an error or warning line at the line that declared its object.
fn placed(release: &Release, findings: &[Finding]) -> (Vec<String>, Vec<String>) {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    for finding in findings {
        let file = format!("release/{}/{}", release.env, finding.file);
        let line = match release.sources.get(&finding.file) {
            Some(source) => format!(
                "{}: {}/{}: {} (in {file})",
                source.location, release.env, source.app, finding.message
            ),
            None => format!("{file}: {}", finding.message),
        };
        match finding.kind.as_str() {
            "warning" => warnings.push(line),
            "unstable" => errors.push(format!("{line} [rule: {OUT_OF_SYNC_RULE}]")),
            _ => errors.push(format!("{line} [rule: {SERVER_RULE}]")),
        }
    }
    (errors, warnings)
}

fn parse<T: for<'de> Deserialize<'de>>(json: &str) -> Result<T, Failure> {
    serde_json::from_str(json)
        .map_err(|error| Failure::Live(format!("{PROGRAM} printed what kumiki cannot read: {error}")))
}

/// Runs `kumiki-live` with `args` and returns what it printed; its messages go to stderr.
fn run(workspace: &Workspace, target: &Target, args: &[OsString]) -> Result<String, Failure> {
    let program = program(workspace, target)?;
    let output = Command::new(&program)
        .args(args)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|error| Failure::Live(format!("cannot run {}: {error}", program.display())))?;
    if !output.status.success() {
        return Err(Failure::Live(format!(
            "{} failed (its message is above)",
            program.display()
        )));
    }
    String::from_utf8(output.stdout).map_err(|_| Failure::Live(format!("{PROGRAM} printed text that is not UTF-8")))
}

/// Where `kumiki-live` is: the target's; `KUMIKI_LIVE`; else built from the workspace when it has the
/// package (the kumiki repository), beside this program; else beside this program (a shared
/// target directory); else on `PATH`.
fn program(workspace: &Workspace, target: &Target) -> Result<PathBuf, Failure> {
    if let Some(path) = &target.program {
        return Ok(path.clone());
    }
    if let Some(path) = std::env::var_os("KUMIKI_LIVE") {
        return Ok(PathBuf::from(path));
    }
    let beside = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(PROGRAM)));
    if beside.as_ref().is_some_and(|path| !path.is_file()) {
        eprintln!("{PROGRAM}: building it if this workspace has it (the first time compiles its HTTP and TLS stack)");
    }
    // Quietly: outside the kumiki repository the package does not exist, and that is expected.
    let _ = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["build", "--quiet", "--package", PROGRAM])
        .current_dir(&workspace.root)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if let Some(beside) = beside.filter(|path| path.is_file()) {
        return Ok(beside);
    }
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(PROGRAM))
            .find(|path| path.is_file())
    });
    on_path.ok_or_else(|| {
        Failure::Live(format!(
            "{PROGRAM} is not installed: install it with `cargo install {PROGRAM}` (or `cargo install --path \
             crates/{PROGRAM}` in a kumiki checkout), or set KUMIKI_LIVE to its path"
        ))
    })
}
