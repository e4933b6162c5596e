//! `cargo xtask bench --crates N`: what a platform team waits for as it grows, measured the
//! way a user meets it. In a scratch copy of the workspace (never the real one) with N service
//! crates (the reference platform's and scaffolds from `new-service`), it measures a clean debug
//! build, touch-one-service → `cargo xtask diff --env prd`, an image version bump in the
//! service's `images.yaml` → the same diff, and `cargo xtask set-image` alone, as whole
//! processes, and the size of one service's rlib and of the xtask binary.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use kumiki_cli::Workspace;
use kumiki_cli::scaffold::{self, Request};

use crate::bench::{copy_tree, median};

/// What the workspace copy takes from the repository: sources, manifests, configuration and
/// the committed release (so `diff` compares with a real baseline). Never `target/` or `.git`.
const COPIED: &[&str] = &[
    "Cargo.toml",
    "Cargo.lock",
    "rust-toolchain.toml",
    "rustfmt.toml",
    "clippy.toml",
    ".cargo",
    "crates",
    "platform",
    "services",
    "xtask",
    "tests",
    "release",
    "schemas",
];

/// The figures of one N.
#[derive(Clone, Copy, Debug)]
pub struct CompileFigures {
    /// Service crates in the workspace.
    pub crates: usize,
    /// `cargo build --workspace` from an empty target directory.
    pub clean_build: Duration,
    /// Median of touch one service's `src/lib.rs`, then `cargo xtask diff --env prd`.
    pub edit_to_diff: Duration,
    /// Median of rewriting the prd version in that service's `images.yaml` (as a bot with
    /// `yq` does), then `cargo xtask diff --env prd`: a version bump, which rebuilds nothing.
    pub bump_to_diff: Duration,
    /// Median of `cargo xtask set-image <service> --env stg <tag> --no-synth` alone.
    pub set_image: Duration,
    /// The touched service's debug rlib.
    pub service_rlib_bytes: u64,
    /// The debug `xtask` binary.
    pub xtask_bytes: u64,
}

impl CompileFigures {
    /// The machine-readable line.
    pub fn line(&self) -> String {
        format!(
            "crates={} clean_build_s={:.1} edit_to_diff_s={:.2} bump_to_diff_s={:.2} set_image_s={:.2} service_rlib_kib={} xtask_kib={}",
            self.crates,
            self.clean_build.as_secs_f64(),
            self.edit_to_diff.as_secs_f64(),
            self.bump_to_diff.as_secs_f64(),
            self.set_image.as_secs_f64(),
            self.service_rlib_bytes / 1024,
            self.xtask_bytes / 1024
        )
    }
}

/// Builds a workspace of `crates` service crates under `scratch` (emptied first) from the
/// workspace at `root`, and measures it; `runs` edit-to-diff runs give the median.
pub fn measure(this: &Workspace, scratch: &Path, crates: usize, runs: usize) -> Result<CompileFigures, String> {
    let workspace = scratch.join(format!("workspace-{crates}"));
    let scaffolded = prepare(this, &workspace, crates)?;
    let target = workspace.join("target");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let run = |args: &[&str]| -> Result<Duration, String> {
        let start = Instant::now();
        let output = Command::new(&cargo)
            .args(args)
            .current_dir(&workspace)
            .env("CARGO_TARGET_DIR", &target)
            .output()
            .map_err(|error| format!("cargo {}: {error}", args.join(" ")))?;
        let elapsed = start.elapsed();
        // `diff` exits 3 when the release differs; every scaffold is new, so the first diff does.
        match output.status.code() {
            Some(0 | 3) => Ok(elapsed),
            _ => Err(format!(
                "cargo {} failed:\n{}",
                args.join(" "),
                String::from_utf8_lossy(&output.stderr)
            )),
        }
    };
    eprintln!("crates={crates}: clean debug build...");
    let clean_build = run(&["build", "--workspace", "--quiet"])?;
    run(&["xtask", "synth", "--env", "all"])?;
    // Edits go to a scaffolded service when there is one (the common case at scale).
    let (dir, module, crate_name) = match scaffolded.last() {
        Some(created) => (
            created.dir.clone(),
            created.module_name.clone(),
            created.crate_name.clone(),
        ),
        None => (
            workspace.join("services/account"),
            "account".to_owned(),
            "account".to_owned(),
        ),
    };
    let source = dir.join("src/lib.rs");
    let mut edits = Vec::new();
    for _ in 0..runs.max(1) {
        touch(&source)?;
        edits.push(run(&["xtask", "diff", "--env", "prd"])?);
    }
    let images = dir.join(kumiki_cli::IMAGES_FILE);
    let mut bumps = Vec::new();
    let mut set_images = Vec::new();
    for run_index in 0..runs.max(1) {
        bump_prd_version(&images, &format!("0.2.{run_index}"))?;
        bumps.push(run(&["xtask", "diff", "--env", "prd"])?);
        let tag = format!("0.3.{run_index}");
        set_images.push(run(&[
            "xtask",
            "set-image",
            &crate_name,
            "--env",
            "stg",
            &tag,
            "--no-synth",
        ])?);
    }
    Ok(CompileFigures {
        crates,
        clean_build,
        edit_to_diff: median(&mut edits),
        bump_to_diff: median(&mut bumps),
        set_image: median(&mut set_images),
        service_rlib_bytes: newest_rlib(&target.join("debug/deps"), &module)?,
        xtask_bytes: size(&target.join("debug/xtask"))?,
    })
}

/// Copies this workspace's sources to `workspace` (emptied first) and scaffolds service crates
/// into it until it has `crates`; returns the scaffolds.
fn prepare(this: &Workspace, workspace: &Path, crates: usize) -> Result<Vec<scaffold::Created>, String> {
    let root = this.root.as_path();
    // Scaffolds go into the copy, checked against this build's platform.
    let copy = Workspace {
        root: workspace.to_path_buf(),
        ..this.clone()
    };
    if workspace.exists() {
        fs::remove_dir_all(workspace).map_err(|error| format!("{}: {error}", workspace.display()))?;
    }
    for entry in COPIED {
        let from = root.join(entry);
        let to = workspace.join(entry);
        let copied = if from.is_dir() {
            copy_tree(&from, &to)
        } else {
            fs::create_dir_all(workspace).and_then(|()| fs::copy(&from, &to).map(drop))
        };
        copied.map_err(|error| format!("copying {}: {error}", from.display()))?;
    }
    let existing = service_dirs(workspace)?.len();
    if crates < existing {
        return Err(format!(
            "--crates {crates}: the workspace already has {existing} service crates; ask for at least that many"
        ));
    }
    let mut scaffolded = Vec::new();
    for index in 0..crates - existing {
        let name = format!("bench-service-{index:04}");
        let request = Request {
            name: &name,
            port: 8080,
            image_repository: None,
        };
        scaffolded.push(scaffold::new_service(&copy, &request).map_err(|failure| failure.to_string())?);
    }
    Ok(scaffolded)
}

/// The crates under `services/`.
fn service_dirs(workspace: &Path) -> Result<Vec<PathBuf>, String> {
    let services = workspace.join("services");
    let entries = fs::read_dir(&services).map_err(|error| format!("{}: {error}", services.display()))?;
    Ok((entries.flatten())
        .map(|entry| entry.path())
        .filter(|path| path.join("Cargo.toml").is_file())
        .collect())
}

/// Sets the `prd:` line of a scaffolded versions file to `version`, as a text edit.
fn bump_prd_version(file: &Path, version: &str) -> Result<(), String> {
    let text = fs::read_to_string(file).map_err(|error| format!("{}: {error}", file.display()))?;
    let bumped: Vec<String> = (text.lines())
        .map(|line| match line.trim_start().strip_prefix("prd: ") {
            Some(_) => format!("  prd: {version}"),
            None => line.to_owned(),
        })
        .collect();
    fs::write(file, bumped.join("\n") + "\n").map_err(|error| format!("{}: {error}", file.display()))
}

/// Rewrites `file` unchanged: a new modification time, as an editor's save gives it.
fn touch(file: &Path) -> Result<(), String> {
    let text = fs::read(file).map_err(|error| format!("{}: {error}", file.display()))?;
    // Past the file system's timestamp granularity, so cargo sees a newer file each time.
    std::thread::sleep(Duration::from_millis(20));
    fs::write(file, text).map_err(|error| format!("{}: {error}", file.display()))
}

fn size(file: &Path) -> Result<u64, String> {
    fs::metadata(file)
        .map(|metadata| metadata.len())
        .map_err(|error| format!("{}: {error}", file.display()))
}

/// The size of the most recent `lib<crate>-*.rlib` in `deps`.
fn newest_rlib(deps: &Path, module_name: &str) -> Result<u64, String> {
    let prefix = format!("lib{module_name}-");
    let entries = fs::read_dir(deps).map_err(|error| format!("{}: {error}", deps.display()))?;
    (entries.flatten())
        .filter(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            name.starts_with(&prefix) && name.ends_with(".rlib")
        })
        .filter_map(|entry| Some((entry.metadata().ok()?.modified().ok()?, entry.path())))
        .max()
        .map_or_else(
            || Err(format!("no {prefix}*.rlib in {}", deps.display())),
            |(_, path)| size(&path),
        )
}
