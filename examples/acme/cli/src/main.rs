//! `cargo acme`: kumiki's command line over Acme's workspace.

fn main() -> std::process::ExitCode {
    kumiki_cli::command::main(&acme_cli::workspace())
}
