//! `kumiki-live`: the program kumiki-cli runs for `verify`, `cluster` and `diff --live`.
//! Verdicts are JSON on stdout; exit codes: 0 it ran (the verdict is in the JSON), 1 it could
//! not (the reason on stderr), 2 usage. `cluster` passes the script's exit code through.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use kumiki_live::release::{ReleaseObject, read_crds, read_release};
use kumiki_live::server::Server;
use kumiki_live::{Error, cluster, live, verify};

#[derive(Parser)]
#[command(
    name = "kumiki-live",
    version,
    about = "A kumiki release judged by a real Kubernetes API server"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Creates the CRDs and Namespaces the release assumes, then server-side applies every
    /// object as a dry run (strict field validation); prints the report as JSON.
    Verify {
        #[command(flatten)]
        target: Target,
    },
    /// Applies the release for real (to a cluster on 127.0.0.1 only), then dry-runs it again
    /// and reports objects the server stores differently (OutOfSync in Argo CD); JSON.
    Apply {
        #[command(flatten)]
        target: Target,
    },
    /// What the cluster holds for the release's objects, and what it would hold after
    /// applying them (server-side dry run), plus kumiki's objects of `env` the release lacks;
    /// JSON.
    Live {
        #[command(flatten)]
        target: Target,
        /// The environment (objects labeled `env=<env>` and `app.kubernetes.io/managed-by=kumiki`).
        #[arg(long)]
        env: String,
        /// A label selector narrowing which of those objects count (`team=payments`).
        #[arg(long)]
        selector: Option<String>,
    },
    /// The local control plane kept in `--dir`.
    Cluster {
        /// up, down or status.
        #[arg(value_parser = ["up", "down", "status"])]
        verb: String,
        /// Its private directory (certificates, token, data, logs).
        #[arg(long)]
        dir: PathBuf,
    },
}

#[derive(clap::Args)]
struct Target {
    /// The environment's release directory (`release/<env>`).
    #[arg(long)]
    release: PathBuf,
    /// A directory of upstream CRDs to install first (repeatable).
    #[arg(long)]
    crds: Vec<PathBuf>,
    /// The cluster's kubeconfig (default: as kubectl chooses: KUBECONFIG, ~/.kube/config).
    #[arg(long)]
    kubeconfig: Option<PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Cluster { verb, dir } = &cli.command {
        let verb = match verb.as_str() {
            "up" => cluster::Verb::Up,
            "down" => cluster::Verb::Down,
            _ => cluster::Verb::Status,
        };
        return match cluster::run(dir, verb) {
            Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
            Err(error) => failed(&error),
        };
    }
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
    let outcome = match runtime {
        Ok(runtime) => runtime.block_on(run(cli.command)),
        Err(error) => Err(Error(format!("cannot start the async runtime: {error}"))),
    };
    match outcome {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(error) => failed(&error),
    }
}

fn failed(error: &Error) -> ExitCode {
    eprintln!("error: {error}");
    ExitCode::FAILURE
}

async fn run(command: Command) -> Result<String, Error> {
    match command {
        Command::Verify { target } => {
            let (mut server, release, mut findings) = prepared(&target).await?;
            let mut report = verify::dry_run(&mut server, &release).await?;
            findings.append(&mut report.findings);
            report.findings = findings;
            Ok(to_json(&report))
        }
        Command::Apply { target } => {
            let (mut server, release, mut findings) = prepared(&target).await?;
            if !server.is_loopback() {
                return Err(Error(format!(
                    "{}: apply writes for real, so it runs against the local control plane only (127.0.0.1)",
                    server.url()
                )));
            }
            let mut report = verify::apply(&mut server, &release).await?;
            findings.append(&mut report.findings);
            report.findings = findings;
            Ok(to_json(&report))
        }
        Command::Live { target, env, selector } => {
            let mut server = Server::connect(target.kubeconfig.as_deref()).await?;
            let release = read_release(&target.release)?;
            Ok(to_json(
                &live::trees(&mut server, &release, &env, selector.as_deref()).await?,
            ))
        }
        Command::Cluster { .. } => unreachable!("run before the runtime starts"),
    }
}

/// Connected, the release read and what it assumes created.
async fn prepared(target: &Target) -> Result<(Server, Vec<ReleaseObject>, Vec<kumiki_live::Finding>), Error> {
    let release = read_release(&target.release)?;
    let crds = read_crds(&target.crds)?;
    let mut server = Server::connect(target.kubeconfig.as_deref()).await?;
    let findings = verify::prepare(&mut server, &crds, &release).await?;
    Ok((server, release, findings))
}

fn to_json(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|error| format!("{{\"error\": \"{error}\"}}"))
}
