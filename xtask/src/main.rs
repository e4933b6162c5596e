//! `cargo xtask`: the command line of `xtask-cli`, over this workspace's services.

use std::process::ExitCode;

fn main() -> ExitCode {
    if let Some(message) = xtask::unregistered_services() {
        eprintln!("error: {message}");
        return ExitCode::from(2);
    }
    xtask_cli::command::run(&xtask::workspace())
}
