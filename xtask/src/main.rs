//! `cargo xtask`: parses the command line and dispatches to the xtask library.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use kumiki::Env;

/// Synthesizes the platform written in Rust into plain YAML under release/, and checks it.
#[derive(Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask")]
#[command(after_help = "Exit codes: 0 success, 1 the model has errors (nothing written), \
2 usage error, 3 release/ is stale (check), 4 a file could not be read or written.")]
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Synth { env, out } => {
            let root = out.unwrap_or_else(xtask::default_release_root);
            xtask::synth(&root, &env.envs(), xtask::model).map(|written| {
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
            let root = out.unwrap_or_else(xtask::default_release_root);
            xtask::check(&root, &env.envs(), xtask::model)
                .map(|files| println!("{}: up to date ({files} files)", shown(&root)))
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
