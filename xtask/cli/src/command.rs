//! The command line: parses arguments (clap) and dispatches to this library, printing what
//! each command reports and exiting with its documented code.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use kumiki::values::Env;

/// Synthesizes the platform written in Rust into plain YAML under release/, checks it, and
/// shows what a change does to it.
#[derive(Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask")]
#[command(
    after_help = "Exit codes: 0 success (diff: no change), 1 the model has errors (nothing written), \
2 usage error, 3 release/ is stale (check) or differs (diff), 4 a file or git ref could not be read \
or written."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Synthesize release/<env>/ from platform/ and services/.
    ///
    /// Every environment is checked first and all errors are reported together, each with
    /// the source location of its declaration; nothing is written while there is one. Each
    /// environment directory is then replaced atomically (written beside it, then swapped
    /// in), which also removes files the code no longer produces. An environment that is
    /// already up to date is left untouched.
    Synth {
        /// Environment to synthesize.
        #[arg(long, value_enum, default_value_t = EnvChoice::All)]
        env: EnvChoice,
        /// Output root; environments go to <OUT>/<env>/. Default: release/ in the workspace.
        #[arg(long, value_name = "OUT")]
        out: Option<PathBuf>,
    },
    /// Fail when release/ is not exactly what the code synthesizes (for CI).
    ///
    /// Lists every missing, stale and unexpected file. Writes nothing.
    Check {
        /// Environment to check.
        #[arg(long, value_enum, default_value_t = EnvChoice::All)]
        env: EnvChoice,
        /// Output root to compare with. Default: release/ in the workspace.
        #[arg(long, value_name = "OUT")]
        out: Option<PathBuf>,
    },
    /// Show what the code synthesizes now against release/ (or release/ at a git ref).
    ///
    /// Per environment and app: objects added, removed, changed and moved (matched by kind,
    /// namespace and name, not by file), most important kinds first; a unified diff of each
    /// changed file; one line per image bump; and warnings for every deletion (Argo CD's prune
    /// removes it) and every change Kubernetes rejects or that forces a replacement (workload
    /// selectors, StatefulSet volumeClaimTemplates and serviceName, Service clusterIP and
    /// type, Job templates, PVC storage class, immutable ConfigMaps). Writes nothing.
    ///
    /// Colour on a terminal; plain when piped or when NO_COLOR is set.
    #[command(
        after_help = "Exit codes: 0 no change, 3 changes, 1 the model has errors, 2 usage error, \
4 release/ or the git ref could not be read."
    )]
    Diff {
        /// Environment to diff.
        #[arg(long, value_enum, default_value_t = EnvChoice::All)]
        env: EnvChoice,
        /// Compare with release/ at this git ref (branch, tag, commit), read through git
        /// without touching the work tree. Default: release/ as it is on disk.
        #[arg(long, value_name = "GIT_REF", conflicts_with = "out")]
        base: Option<String>,
        /// text for a terminal or a CI log, markdown for a pull-request comment.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Output root to compare with instead of release/ in the workspace.
        #[arg(long, value_name = "OUT")]
        out: Option<PathBuf>,
    },
    /// List every service's containers: image repository and tag, container ports, the
    /// Service ports and ingress listeners that reach them, and the node group.
    ///
    /// Read from the model of the environment (what synth would write), so it always matches
    /// release/. Writes nothing.
    Catalog {
        /// Environment to list.
        #[arg(long, value_enum)]
        env: SingleEnv,
    },
    /// Set one image version in a service's images.yaml, then synthesize that environment.
    ///
    /// Edits only that value (comments and layout kept; a missing environment line is added
    /// under the entry). An invalid version, an unknown service or container, or a floating
    /// tag (`latest`, `main`, …) outside dev is refused with exit 2 and the file left
    /// byte-identical. Then synthesizes --env (unless --no-synth); when synth finds errors the
    /// file is put back as it was. prd is reached by `promote`: setting it directly warns,
    /// unless --force.
    #[command(
        after_help = "VERSION is `tag`, `tag@sha256:<64 hex>` or `@sha256:<64 hex>` (`latest` in dev only).

Exit codes: 0 set (or already so), 1 the model has errors (file restored), 2 refused (file untouched), 4 a file could not be read or written."
    )]
    SetImage {
        /// The service (its directory under services/).
        service: String,
        /// The container. Default: the service's only container.
        #[arg(long)]
        container: Option<String>,
        /// A canary version of the container (the entry `<container>@<version>`).
        #[arg(long, value_name = "NAME")]
        version: Option<String>,
        /// The environment to set.
        #[arg(long, value_enum)]
        env: SingleEnv,
        /// The version.
        #[arg(value_name = "VERSION")]
        image_version: String,
        /// Set prd directly without the warning that prd is reached by promotion.
        #[arg(long)]
        force: bool,
        /// Only edit the file; do not synthesize.
        #[arg(long)]
        no_synth: bool,
    },
    /// Copy the exact image versions (digests included) of services from one environment to
    /// another, then synthesize the target.
    ///
    /// Prints each version that moves (`account/gin: d74ac1c → e5f6a7b`). Refuses, touching
    /// nothing, when a version to promote is not pinned (`latest`). When synth finds errors
    /// the files are put back as they were.
    #[command(
        after_help = "Exit codes: 0 promoted (or nothing to promote), 1 the model has errors (files restored), 2 refused (files untouched), 4 a file could not be read or written."
    )]
    Promote {
        /// The environment whose versions are promoted.
        #[arg(long, value_enum)]
        from: SingleEnv,
        /// The environment that receives them.
        #[arg(long, value_enum)]
        to: SingleEnv,
        /// Services to promote.
        #[arg(value_name = "SERVICE", required_unless_present = "all", conflicts_with = "all")]
        services: Vec<String>,
        /// Promote every service.
        #[arg(long)]
        all: bool,
        /// Only edit the files; do not synthesize.
        #[arg(long)]
        no_synth: bool,
    },
    /// Write the JSON Schemas of kumiki's data files (image versions) to schemas/.
    ///
    /// The files' first line points editors at them (`# yaml-language-server: $schema=…`); a
    /// test fails when the checked-in schema is not what this writes.
    Schemas,
    /// Create a service crate under services/ and register it with xtask.
    ///
    /// The crate (services/<NAME>, Rust type in UpperCamelCase) holds one Microservice: the
    /// image `<NAME>:latest` in dev and `<IMAGE_REPO>:0.1.0` from ECR in stg and prd (the
    /// versions in its images.yaml), the
    /// container port PORT exposed on Service port PORT to the services namespace, TCP probes,
    /// pinned to the app node group. It compiles and synthesizes as created; set the image tag
    /// and the probes, then synthesize. Refuses an invalid, reserved or existing name and
    /// leaves nothing half-created.
    NewService {
        /// The service's name, kebab-case (`ledger`, `order-api`): crate, app and resource names.
        name: String,
        /// The port the container listens on.
        #[arg(long)]
        port: u16,
        /// The ECR repository of stg/prd images. Default: <NAME>-repository.
        #[arg(long, value_name = "IMAGE_REPO")]
        image_repo: Option<String>,
    },
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

#[derive(Clone, Copy, ValueEnum)]
enum BenchProfile {
    PeerParity,
    Full,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Markdown,
}

#[derive(Clone, Copy, ValueEnum)]
enum SingleEnv {
    Dev,
    Stg,
    Prd,
}

impl SingleEnv {
    fn env(self) -> Env {
        match self {
            SingleEnv::Dev => Env::Dev,
            SingleEnv::Stg => Env::Stg,
            SingleEnv::Prd => Env::Prd,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum EnvChoice {
    Dev,
    Stg,
    Prd,
    All,
}

impl EnvChoice {
    fn envs(self) -> Vec<Env> {
        match self {
            EnvChoice::Dev => vec![Env::Dev],
            EnvChoice::Stg => vec![Env::Stg],
            EnvChoice::Prd => vec![Env::Prd],
            EnvChoice::All => Env::ALL.to_vec(),
        }
    }
}

/// `path` relative to the current directory when it is below it, as a user would type it.
fn shown(path: &Path) -> String {
    let relative = std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf));
    relative.unwrap_or_else(|| path.to_path_buf()).display().to_string()
}

/// Runs the command line over `workspace` and returns the exit code.
pub fn run(workspace: &crate::Workspace) -> ExitCode {
    let model = |env| workspace.model(env);
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Synth { env, out } => {
            let root = out.unwrap_or_else(|| workspace.release_root());
            crate::synth(&root, &env.envs(), model).map(|written| {
                for w in written {
                    let dir = shown(&root.join(w.env.as_str()));
                    match w.changes {
                        0 => println!("{dir}: up to date ({} files)", w.files),
                        n => println!("{dir}: {} files, {n} added, changed or removed", w.files),
                    }
                }
            })
        }
        Command::Check { env, out } => {
            let root = out.unwrap_or_else(|| workspace.release_root());
            crate::check(&root, &env.envs(), model)
                .map(|files| println!("{}: up to date ({files} files)", shown(&root)))
        }
        Command::Diff { env, base, format, out } => {
            let baseline = match base {
                Some(reference) => crate::Baseline::GitRef {
                    repo: workspace.root.clone(),
                    reference,
                },
                None => crate::Baseline::Directory(out.unwrap_or_else(|| workspace.release_root())),
            };
            match crate::diff(&baseline, &env.envs(), model) {
                Ok(diffs) => {
                    let rendered = match format {
                        Format::Text => kumiki_diff::render_text(&diffs, true),
                        Format::Markdown => kumiki_diff::render_markdown(&diffs),
                    };
                    // anstream drops the colours when stdout is not a terminal or NO_COLOR is set.
                    let _ = anstream::stdout().write_all(rendered.as_bytes());
                    return ExitCode::from(crate::diff_exit_code(&diffs));
                }
                Err(failure) => Err(failure),
            }
        }
        Command::NewService { name, port, image_repo } => {
            let request = crate::scaffold::Request {
                name: &name,
                port,
                image_repository: image_repo.as_deref(),
            };
            crate::scaffold::new_service(&workspace.root, &request).map(|created| {
                println!(
                    "created {} (crate {}, type {}) and registered it in xtask/Cargo.toml",
                    shown(&created.dir),
                    created.crate_name,
                    created.type_name
                );
                println!(
                    "next: set the image tag and the probes in {}, then `cargo xtask synth --env all`",
                    shown(&created.dir.join("src/lib.rs"))
                );
            })
        }
        Command::SetImage {
            service,
            container,
            version,
            env,
            image_version,
            force,
            no_synth,
        } => {
            let env = env.env();
            let request = crate::images::SetImage {
                service: &service,
                container: container.as_deref(),
                canary: version.as_deref(),
                env,
                version: &image_version,
            };
            let last = Env::ALL[Env::ALL.len() - 1];
            if env == last && !force {
                eprintln!(
                    "warning: {last} is reached by promotion (`cargo xtask promote --from {} --to {last} {service}`); setting it directly skips what {} ran (--force to silence)",
                    Env::ALL[Env::ALL.len() - 2],
                    Env::ALL[Env::ALL.len() - 2]
                );
            }
            report_images(workspace, crate::images::set_image(workspace, &request, !no_synth))
        }
        Command::Promote {
            from,
            to,
            services,
            all: _,
            no_synth,
        } => report_images(
            workspace,
            crate::images::promote(workspace, from.env(), to.env(), &services, !no_synth),
        ),
        Command::Schemas => {
            let path = workspace.root.join("schemas").join(kumiki::images::SCHEMA_FILE_NAME);
            std::fs::create_dir_all(path.parent().unwrap_or(&workspace.root))
                .and_then(|()| std::fs::write(&path, kumiki::images::json_schema()))
                .map(|()| println!("wrote {}", shown(&path)))
                .map_err(|error| crate::Failure::Io(path, error))
        }
        Command::Catalog { env } => crate::catalog(workspace, env.env()).map(|table| print!("{table}")),
        Command::Bench {
            crates,
            services,
            profile,
            out,
            runs,
        } => {
            return if crates.is_empty() {
                bench(&workspace.root, services, profile, out, runs)
            } else {
                compile_bench(&workspace.root, crates, runs)
            };
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("{failure}");
            ExitCode::from(failure.exit_code())
        }
    }
}

/// Prints what `set-image` or `promote` moved and wrote.
fn report_images(
    workspace: &crate::Workspace,
    outcome: Result<crate::images::Outcome, crate::Failure>,
) -> Result<(), crate::Failure> {
    match outcome {
        Ok(outcome) => {
            if outcome.moved.is_empty() {
                println!("nothing to change: the versions already are as asked");
            }
            for moved in &outcome.moved {
                println!("{moved}");
            }
            if let Some(written) = outcome.written {
                let dir = shown(&workspace.release_root().join(written.env.as_str()));
                println!(
                    "{dir}: {} files, {} added, changed or removed",
                    written.files, written.changes
                );
            }
            Ok(())
        }
        Err(failure @ crate::Failure::Model(_)) => {
            eprintln!("synth found errors, so the image versions files were put back as they were:");
            Err(failure)
        }
        Err(failure) => Err(failure),
    }
}

/// `cargo xtask bench --crates N`: the compile cost of N service crates, each N in its own copy.
fn compile_bench(root: &Path, crates: Vec<usize>, runs: usize) -> ExitCode {
    let scratch = root.join("target").join("bench-crates");
    println!("{runs} edit-to-diff runs per N, workspaces in {}", scratch.display());
    for n in crates {
        match crate::compile_bench::measure(root, &scratch, n, runs) {
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

/// `cargo xtask bench`: builds `bench-synth` optimized and reports each N on each file system.
fn bench(root: &Path, services: Vec<usize>, profile: BenchProfile, out: Option<PathBuf>, runs: usize) -> ExitCode {
    use crate::bench::{self, Profile};
    let profile = match profile {
        BenchProfile::PeerParity => Profile::PeerParity,
        BenchProfile::Full => Profile::Full,
    };
    let services = if services.is_empty() {
        vec![10, 100, 1000, 10000]
    } else {
        services
    };
    // tmpfs (as the peers' own benchmarks use) and the disk the repository lives on.
    let places: Vec<(&str, PathBuf)> = match out {
        Some(out) => vec![("out", out)],
        None => {
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
    };
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    eprintln!("building bench-synth (release)...");
    let built = std::process::Command::new(&cargo)
        .args([
            "build",
            "--release",
            "--quiet",
            "--package",
            "xtask-cli",
            "--bin",
            "bench-synth",
        ])
        .current_dir(root)
        .status();
    if !matches!(built, Ok(status) if status.success()) {
        eprintln!("building bench-synth failed");
        return ExitCode::from(4);
    }
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let binary = target_dir.join("release").join("bench-synth");
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
    for n in services {
        let mut fields = vec![format!("services={n}")];
        let mut rss = 0;
        let mut copy_disk = None;
        for (name, dir) in &places {
            let summary = match bench::measure(&binary, n, profile, dir, runs) {
                Ok(summary) => summary,
                Err(message) => {
                    eprintln!("{message}");
                    return ExitCode::from(4);
                }
            };
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
            rss = rss.max(summary.rss_kib);
            if *name != "tmpfs" {
                copy_disk = Some(ms(summary.copy));
            }
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
    }
    ExitCode::SUCCESS
}
