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
    /// policy, namespaces and Argo CD tree (no service mesh), one example service, the JSON
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
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "kumiki", &mut std::io::stdout());
            ExitCode::SUCCESS
        }
    }
}
