//! `cargo acme`: kumiki's command line over Acme's workspace.

fn main() -> std::process::ExitCode {
    let workspace = acme_cli::workspace();
    if let Some(message) = kumiki_cli::built_elsewhere(&workspace.root, "cli") {
        eprintln!("error: {message}");
        return std::process::ExitCode::from(2);
    }
    kumiki_cli::command::main(&workspace)
}
