//! The commands that speak to an API server: `verify`, `cluster` and `diff --live`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use super::args::{ClusterAction, Format};
use super::{chosen, exit, one, shown};
use crate::live::Target;

pub(super) fn verify(
    workspace: &crate::Workspace,
    env: &str,
    kubeconfig: Option<PathBuf>,
    crds: Vec<PathBuf>,
) -> Result<(), crate::Failure> {
    let target = Target {
        kubeconfig,
        crds,
        ..Target::default()
    };
    let mut refused = Vec::new();
    let mut warned = Vec::new();
    for env in chosen(workspace, env)? {
        match crate::live::verify(workspace, env, &target, false) {
            Ok(verdict) => {
                for warning in &verdict.warnings {
                    eprintln!("warning: {warning}");
                }
                let dir = shown(&workspace.release_root().join(env.as_str()));
                println!("{dir}: {} objects accepted by the API server", verdict.objects);
            }
            Err(crate::Failure::Server { errors, warnings }) => {
                refused.extend(errors);
                warned.extend(warnings);
            }
            Err(failure) => return Err(failure),
        }
    }
    if refused.is_empty() {
        Ok(())
    } else {
        Err(crate::Failure::Server {
            errors: refused,
            warnings: warned,
        })
    }
}

pub(super) fn cluster(workspace: &crate::Workspace, action: ClusterAction) -> ExitCode {
    let verb = match action {
        ClusterAction::Up => "up",
        ClusterAction::Down => "down",
        ClusterAction::Status => "status",
        ClusterAction::Kubeconfig => {
            println!("{}", shown(&crate::live::cluster_dir(workspace).join("kubeconfig")));
            return ExitCode::SUCCESS;
        }
        ClusterAction::Apply { env, crds } => {
            let target = Target {
                crds,
                ..Target::default()
            };
            let applied = one(workspace, &env).and_then(|env| crate::live::verify(workspace, env, &target, true));
            let result = applied.map(|verdict| {
                for warning in &verdict.warnings {
                    eprintln!("warning: {warning}");
                }
                let dir = shown(&workspace.release_root().join(verdict.env.as_str()));
                println!(
                    "{dir}: {} objects applied to the local control plane, each stored as rendered",
                    verdict.objects
                );
            });
            return exit(workspace, result);
        }
    };
    match crate::live::cluster(workspace, verb) {
        Ok(code) => ExitCode::from(code),
        Err(failure) => exit(workspace, Err(failure)),
    }
}

/// `diff --live`: each environment's release/ against the cluster, in the diff's formats and
/// exit codes (1 when the server refused an object in the dry run).
pub(super) fn diff(
    workspace: &crate::Workspace,
    env: &str,
    format: Format,
    kubeconfig: Option<PathBuf>,
    selector: Option<String>,
) -> ExitCode {
    let target = Target {
        kubeconfig,
        selector,
        ..Target::default()
    };
    let mut diffs = Vec::new();
    let mut refused = Vec::new();
    let envs = match chosen(workspace, env) {
        Ok(envs) => envs,
        Err(failure) => return exit(workspace, Err(failure)),
    };
    for env in envs {
        match crate::live::diff(workspace, env, &target) {
            Ok((diff, env_refused)) => {
                diffs.push(diff);
                refused.extend(env_refused);
            }
            Err(failure) => return exit(workspace, Err(failure)),
        }
    }
    let rendered = match format {
        Format::Text => kumiki_diff::render_text(&diffs, true),
        Format::Markdown => kumiki_diff::render_markdown(&diffs),
        Format::Json => crate::json::to_json(&crate::json::DiffReport::new(&diffs)),
    };
    let _ = anstream::stdout().write_all(rendered.as_bytes());
    for line in &refused {
        eprintln!("error: {line}");
    }
    if refused.is_empty() {
        ExitCode::from(crate::diff_exit_code(&diffs))
    } else {
        ExitCode::from(1)
    }
}
