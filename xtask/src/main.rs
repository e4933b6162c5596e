//! `cargo xtask`: kumiki's command line over this workspace's services, with this
//! repository's benchmarks beside it.

use std::process::ExitCode;

fn main() -> ExitCode {
    if let Some(message) = xtask::built_elsewhere() {
        eprintln!("error: {message}");
        return ExitCode::from(2);
    }
    if let Some(message) = xtask::unregistered_services() {
        eprintln!("error: {message}");
        return ExitCode::from(2);
    }
    kumiki_cli::command::main_with(&xtask::workspace(), xtask_bench::run)
}
