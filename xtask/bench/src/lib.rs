//! This repository's benchmarks, as extra `cargo xtask` commands beside kumiki-cli's: the
//! synthesis of N synthetic services (`bench`, with the `bench-synth` binary measured as whole
//! processes) and the compile cost of N service crates (`bench --crates N`). Depends on no
//! service crate.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};
use kumiki_cli::Workspace;

pub mod bench;
pub mod compile_bench;

/// The commands this crate adds to `cargo xtask`.
#[derive(Subcommand)]
pub enum BenchCommand {
    /// Measure synthesis of N synthetic services with an optimized build; with --crates, the
    /// compile cost of a workspace of N service crates instead.
    ///
    /// Builds the `bench-synth` binary in release mode, then per N and per file system (tmpfs
    /// and the repository's disk, or --out) times whole processes from exec to exit: RUNS
    /// full synths into an empty directory, RUNS incremental synths after one service changed
    /// (into the previous output), and RUNS copies of the output (the physical floor of
    /// writing those files there). Prints a table (with the in-process model and synth times
    /// as a breakdown), then per N a machine-readable line `services=N full_tmpfs_ms=…
    /// incr_tmpfs_ms=… full_disk_ms=… incr_disk_ms=… rss_kib=… copy_disk_ms=…` (medians; with
    /// --out, `full_out_ms`, `incr_out_ms` and `copy_out_ms`).
    ///
    /// With --crates N: copies the workspace to target/bench-crates/ (never touching this
    /// one), scaffolds service crates with `new-service` until there are N, then measures a
    /// clean debug build (`cargo build --workspace`), touch one service → `cargo xtask diff
    /// --env prd`, a version bump in its images.yaml → the same diff, and `set-image` alone,
    /// whole processes, medians of RUNS, and the debug sizes of that service's rlib and of the
    /// xtask binary; per N a machine-readable line `crates=N clean_build_s=… edit_to_diff_s=…
    /// bump_to_diff_s=… set_image_s=… service_rlib_kib=… xtask_kib=…`.
    Bench {
        /// Service crates of a compile-cost run (repeat the flag); replaces the synth benchmark.
        #[arg(long = "crates", value_name = "N")]
        crates: Vec<usize>,
        /// Numbers of services (repeat the flag). Default: 10, 100, 1000, 10000.
        #[arg(long = "services", value_name = "N")]
        services: Vec<usize>,
        /// peer-parity: ConfigMap, Deployment, Service, HPA and PDB per service in prd (the
        /// peers' object set); full: everything the construct emits, in dev, stg and prd.
        #[arg(long, value_enum, default_value_t = BenchProfile::PeerParity)]
        profile: BenchProfile,
        /// Where to write. Default: both /dev/shm/kumiki-bench (tmpfs, as the peers' own
        /// benchmarks use) and target/kumiki-bench (the repository's disk).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Runs per N; the medians are reported.
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
}

/// Which objects the synthesis benchmark emits per service.
#[derive(Clone, Copy, ValueEnum)]
pub enum BenchProfile {
    /// ConfigMap, Deployment, Service, HPA and PDB per service in prd (the peers' object set).
    PeerParity,
    /// Everything the construct emits, in dev, stg and prd.
    Full,
}

/// Runs a benchmark command over `workspace`.
pub fn run(command: BenchCommand, workspace: &Workspace) -> ExitCode {
    match command {
        BenchCommand::Bench {
            crates,
            services,
            profile,
            out,
            runs,
        } => {
            if crates.is_empty() {
                bench(&workspace.root, services, profile, out, runs)
            } else {
                compile_bench(workspace, crates, runs)
            }
        }
    }
}

/// `cargo xtask bench --crates N`: the compile cost of N service crates, each N in its own copy.
fn compile_bench(workspace: &Workspace, crates: Vec<usize>, runs: usize) -> ExitCode {
    let scratch = workspace.root.join("target").join("bench-crates");
    println!("{runs} edit-to-diff runs per N, workspaces in {}", scratch.display());
    for n in crates {
        match crate::compile_bench::measure(workspace, &scratch, n, runs) {
            Ok(figures) => {
                println!(
                    "{n} service crates: clean debug build {:.1} s, touch one service -> diff --env prd {:.2} s, \
                     bump its images.yaml -> diff --env prd {:.2} s, set-image alone {:.2} s (medians), \
                     service rlib {} KiB, xtask binary {} KiB",
                    figures.clean_build.as_secs_f64(),
                    figures.edit_to_diff.as_secs_f64(),
                    figures.bump_to_diff.as_secs_f64(),
                    figures.set_image.as_secs_f64(),
                    figures.service_rlib_bytes / 1024,
                    figures.xtask_bytes / 1024
                );
                println!("{}", figures.line());
            }
            Err(message) => {
                eprintln!("{message}");
                return ExitCode::from(4);
            }
        }
    }
    ExitCode::SUCCESS
}

/// `cargo xtask bench`: builds `bench-synth` optimized and reports each N on each file system,
/// then how each full synth grew with N (the ratio to the smallest N's).
fn bench(root: &Path, services: Vec<usize>, profile: BenchProfile, out: Option<PathBuf>, runs: usize) -> ExitCode {
    use crate::bench::Profile;
    let profile = match profile {
        BenchProfile::PeerParity => Profile::PeerParity,
        BenchProfile::Full => Profile::Full,
    };
    let services = if services.is_empty() {
        vec![10, 100, 1000, 10000]
    } else {
        services
    };
    let places = places(root, out);
    let Some(binary) = build_bench_synth(root) else {
        eprintln!("building bench-synth failed");
        return ExitCode::from(4);
    };
    println!(
        "profile {}, {runs} runs per N and file system, whole processes (exec to exit), medians",
        profile.as_str()
    );
    for (name, dir) in &places {
        println!("  {name}: {}", dir.display());
    }
    println!(
        "{:>8} {:>7} {:>9} {:>12} {:>10} {:>10} {:>9} {:>9} {:>10} {:>10}",
        "services", "fs", "objects", "bytes", "full ms", "incr ms", "RSS MiB", "copy ms", "model ms", "synth ms"
    );
    // Full synth per file system, per N, for the growth line.
    let mut full: Vec<(usize, &str, f64)> = Vec::new();
    for &n in &services {
        match measure_n(&binary, n, profile, &places, runs) {
            Ok(fulls) => full.extend(fulls.into_iter().map(|(name, ms)| (n, name, ms))),
            Err(message) => {
                eprintln!("{message}");
                return ExitCode::from(4);
            }
        }
    }
    if let Some(growth) = growth(&services, &full) {
        println!("{growth}");
    }
    ExitCode::SUCCESS
}

/// tmpfs (as the peers' own benchmarks use) and the disk the repository lives on, or `out`.
fn places(root: &Path, out: Option<PathBuf>) -> Vec<(&'static str, PathBuf)> {
    if let Some(out) = out {
        return vec![("out", out)];
    }
    let shm = Path::new("/dev/shm");
    let mut places = Vec::new();
    if shm.is_dir() {
        places.push(("tmpfs", shm.join("kumiki-bench")));
    } else {
        eprintln!("/dev/shm is absent: measuring on disk only");
    }
    places.push(("disk", root.join("target").join("kumiki-bench")));
    places
}

/// Builds the optimized `bench-synth` and returns its path.
fn build_bench_synth(root: &Path) -> Option<PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    eprintln!("building bench-synth (release)...");
    let built = std::process::Command::new(&cargo)
        .args([
            "build",
            "--release",
            "--quiet",
            "--package",
            "xtask-bench",
            "--bin",
            "bench-synth",
        ])
        .current_dir(root)
        .status();
    if !matches!(built, Ok(status) if status.success()) {
        return None;
    }
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    Some(target_dir.join("release").join("bench-synth"))
}

/// Measures `n` services on every place, prints a row per place and the machine-readable
/// line, and returns the full synth's milliseconds per place.
fn measure_n<'p>(
    binary: &Path,
    n: usize,
    profile: crate::bench::Profile,
    places: &'p [(&'static str, PathBuf)],
    runs: usize,
) -> Result<Vec<(&'p str, f64)>, String> {
    let mut fields = vec![format!("services={n}")];
    let mut rss = 0;
    let mut copy_disk = None;
    let mut fulls = Vec::new();
    for (name, dir) in places {
        let summary = crate::bench::measure(binary, n, profile, dir, runs)?;
        let ms = |duration: std::time::Duration| duration.as_secs_f64() * 1000.0;
        println!(
            "{:>8} {:>7} {:>9} {:>12} {:>10.1} {:>10.1} {:>9.1} {:>9.1} {:>10.1} {:>10.1}",
            n,
            name,
            summary.objects,
            summary.bytes,
            ms(summary.full),
            ms(summary.incremental),
            summary.rss_kib as f64 / 1024.0,
            ms(summary.copy),
            ms(summary.model),
            ms(summary.synth)
        );
        fields.push(format!("full_{name}_ms={:.1}", ms(summary.full)));
        fields.push(format!("incr_{name}_ms={:.1}", ms(summary.incremental)));
        fields.push(format!("synth_{name}_ms={:.1}", ms(summary.synth)));
        rss = rss.max(summary.rss_kib);
        if *name != "tmpfs" {
            copy_disk = Some(ms(summary.copy));
        }
        fulls.push((*name, ms(summary.full)));
    }
    fields.push(format!("rss_kib={rss}"));
    if let Some(copy) = copy_disk {
        let label = if places.len() == 1 {
            "copy_out_ms"
        } else {
            "copy_disk_ms"
        };
        fields.push(format!("{label}={copy:.1}"));
    }
    println!("{}", fields.join(" "));
    Ok(fulls)
}

/// `growth base=N1 n=N2 full_<fs>=<ratio>x ...`: how much longer the largest N's full synth took
/// than the smallest's, per file system (linear would be N2/N1).
fn growth(services: &[usize], full: &[(usize, &str, f64)]) -> Option<String> {
    let (smallest, largest) = (*services.iter().min()?, *services.iter().max()?);
    if smallest == largest {
        return None;
    }
    let mut fields = vec![format!("growth base={smallest} n={largest}")];
    for (n, name, ms) in full.iter().filter(|(n, ..)| *n == largest) {
        let base = full
            .iter()
            .find(|(other, other_name, _)| *other == smallest && other_name == name)?;
        fields.push(format!("full_{name}={:.1}x (linear: {}x)", ms / base.2, n / smallest));
    }
    Some(fields.join(" "))
}
