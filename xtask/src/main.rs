//! `cargo xtask`: the command line of `xtask-cli`, over this workspace's services.

use std::process::ExitCode;

fn main() -> ExitCode {
    xtask_cli::command::run(&xtask::workspace())
}
