//! `kumiki`: what is done outside a platform workspace. `kumiki init <dir>` creates one (its
//! own command line is then `cargo xtask`); `kumiki completions <shell>` prints completions.
//! Exit codes: 0 done, 2 refused or usage error (nothing written), 4 a file could not be written.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};
use kumiki_cli::init::{Init, Sdk};

#[derive(Parser)]
#[command(name = "kumiki", version, about = "Start a kumiki platform workspace")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a platform workspace in DIR (new, or empty) that synthesizes at once.
    ///
    /// It holds the `cargo xtask` command line (synth, diff, check, new-service, set-image,
    /// ...), a `platform` crate with the environments, image registry, node group, workload
    /// policy, namespaces, the mesh (--mesh) and the Argo CD tree, one example service, the JSON
    /// Schemas of its files, a GitHub Actions workflow (check and diff on pull requests, image
    /// bumps) and a README. Then: `cd DIR && cargo xtask synth --env all`.
    #[command(after_help = "Exit codes: 0 created, 2 refused (nothing written), 4 a file could not be written.")]
    Init {
        /// The directory to create; its name is the platform's.
        dir: PathBuf,
        /// Where the workspace takes the kumiki crates from: a checkout's path or a git URL.
        /// Default: the registry, at this command's version.
        #[arg(long)]
        sdk: Option<String>,
        /// The environments in promotion order, comma-separated; the first is for development
        /// (floating image tags allowed), each later one is promoted from the one before.
        #[arg(long, value_delimiter = ',', default_value = "dev,prd")]
        envs: Vec<String>,
        /// The image registry and path the services' images come from.
        #[arg(long, default_value = "ghcr.io/example")]
        registry: String,
        /// The node group (a `node.kubernetes.io/nodegroup` label value) workloads run on.
        #[arg(long, default_value = "general")]
        node_group: String,
        /// The namespace the services run in.
        #[arg(long, default_value = "apps")]
        namespace: String,
        /// The git repository Argo CD syncs release/ from. Default:
        /// https://github.com/example/<DIR name>.git.
        #[arg(long)]
        repository: Option<String>,
        /// The example service's name.
        #[arg(long, default_value = "hello")]
        service: String,
        /// Run the services in an Istio mesh: the platform installs Istio's charts (base,
        /// istiod, an ingress and an egress gateway), requires mutual TLS, and derives each
        /// proxy's visibility from the declared calls. Default: no mesh.
        #[arg(long)]
        mesh: bool,
    },
    /// Turn Kubernetes YAML into a Rust module of kumiki apps (to stdout, or --out FILE).
    ///
    /// INPUT is a YAML file (several documents allowed, `List`s unpacked), a directory (its
    /// .yaml and .yml files; those in a subdirectory form the app of that subdirectory's name,
    /// so a kumiki release/<env> reads back as its apps), or `-` for stdin (`helm template ...
    /// | kumiki import-yaml -`). Each object becomes one line of its app's function: kinds with
    /// a k8s-openapi type are read into it, other kinds (custom resources) held as JSON. What
    /// could not be imported is listed on stderr, with the counts.
    #[command(
        after_help = "Exit codes: 0 imported, 2 refused (an invalid --app), 4 a file could not be read or written."
    )]
    ImportYaml {
        /// Files, directories, or `-`.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// The app of objects not grouped by a subdirectory.
        #[arg(long, default_value = "imported")]
        app: String,
        /// Write the module here (replaced whole) instead of printing it.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write each Deployment and the one Service selecting its pods as a Microservice
        /// (module `<name>`, listed by `services(environment)`) where every part of them fits
        /// one; the others stay objects, and the report says why.
        #[arg(long)]
        constructs: bool,
    },
    /// Print the completion script of `kumiki` for SHELL (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Init {
            dir,
            sdk,
            envs,
            registry,
            node_group,
            namespace,
            repository,
            service,
            mesh,
        } => {
            let name = dir
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default();
            let request = Init {
                repository: repository.unwrap_or_else(|| format!("https://github.com/example/{name}.git")),
                dir,
                sdk: Sdk::parse(sdk.as_deref()),
                envs,
                registry,
                node_group,
                namespace,
                service,
                mesh,
            };
            match kumiki_cli::init::init(&request) {
                Ok(dir) => {
                    println!("created {}", dir.display());
                    println!("next: cd {} && cargo xtask synth --env all", dir.display());
                    ExitCode::SUCCESS
                }
                Err(failure) => {
                    eprintln!("{failure}");
                    ExitCode::from(failure.exit_code())
                }
            }
        }
        Command::ImportYaml {
            inputs,
            app,
            out,
            constructs,
        } => match import_yaml(&inputs, &app, out.as_deref(), constructs) {
            Ok(()) => ExitCode::SUCCESS,
            Err(failure) => {
                eprintln!("{failure}");
                ExitCode::from(failure.exit_code())
            }
        },
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "kumiki", &mut std::io::stdout());
            ExitCode::SUCCESS
        }
    }
}

fn import_yaml(
    inputs: &[PathBuf],
    app: &str,
    out: Option<&std::path::Path>,
    constructs: bool,
) -> Result<(), kumiki_cli::Failure> {
    let sources = kumiki_cli::import_yaml::read_sources(inputs, app)?;
    let given: Vec<String> = inputs.iter().map(|input| input.display().to_string()).collect();
    let command = format!("kumiki import-yaml {}", given.join(" "));
    let imported = kumiki_cli::import_yaml::generate(&sources, &command, constructs);
    match out {
        Some(path) => {
            // Beside the target, then renamed over it: never half a module.
            let staged = path.with_extension("rs.kumiki-import");
            std::fs::write(&staged, &imported.code).map_err(|error| kumiki_cli::Failure::Io(staged.clone(), error))?;
            std::fs::rename(&staged, path).map_err(|error| kumiki_cli::Failure::Io(path.to_path_buf(), error))?;
            eprintln!("wrote {}", path.display());
        }
        None => print!("{}", imported.code),
    }
    let held: Vec<String> = imported
        .untyped
        .iter()
        .map(|(kind, count)| format!("{kind} ×{count}"))
        .collect();
    eprintln!(
        "imported {} objects with their Rust type and {} held as JSON{}",
        imported.typed,
        imported.untyped.values().sum::<usize>(),
        if held.is_empty() {
            String::new()
        } else {
            format!(" ({})", held.join(", "))
        }
    );
    for skipped in &imported.skipped {
        eprintln!("not imported: {skipped}");
    }
    for service in &imported.microservices {
        eprintln!("microservice: {service}");
    }
    for kept in &imported.not_recognized {
        eprintln!("kept as objects: {kept}");
    }
    Ok(())
}
