//! The registry of this workspace's service crates, and the model they make with `platform`.
//!
//! This crate is deliberately small: it depends on every service crate, so it is rebuilt
//! whenever one changes. The commands are kumiki-cli's (re-exported here), the benchmarks
//! xtask-bench's; neither depends on a service. What is this repository's own: the registry,
//! the workspace (`platform::apps`, `cargo xtask`) and the `new-service` template.

use std::path::{Path, PathBuf};

pub use kumiki_cli::*;
use platform::Env;

mod template;

#[path = "../registration.rs"]
#[allow(dead_code)] // build.rs uses the rest of the module
mod registration;

/// The message naming the crates under `services/` that xtask does not depend on (their
/// services would be missing from every release), with the lines to add; `None` when every
/// crate is registered.
pub fn unregistered_services() -> Option<String> {
    let services = workspace_root().join("services");
    let mut dirs: Vec<String> = (std::fs::read_dir(&services).ok()?.flatten())
        .filter(|entry| entry.path().join("Cargo.toml").is_file())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();
    let unregistered = registration::unregistered(&dirs, include_str!("../Cargo.toml"));
    (!unregistered.is_empty()).then(|| registration::unregistered_message(&unregistered))
}

include!(concat!(env!("OUT_DIR"), "/registry.rs"));

/// The message refusing this binary when it runs in another checkout than the one it was
/// built from (see [`kumiki_cli::built_elsewhere`]).
pub fn built_elsewhere() -> Option<String> {
    kumiki_cli::built_elsewhere(&workspace_root(), "xtask")
}

/// The workspace root (the parent of `xtask/`) this binary was built from.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask/ has a parent")
        .to_path_buf()
}

/// This workspace: its root and its registered services.
pub fn workspace() -> Workspace {
    Workspace {
        root: workspace_root(),
        envs: &platform::Env::IDS,
        services: SERVICES,
        platform: |env, services| platform::apps(of(env), services),
        rules: platform::rules::RULES,
        command: "cargo xtask",
        scaffold: Some(template::SCAFFOLD),
        release: platform::RELEASE,
    }
}

/// The whole model of `env`: every registered service's app, the platform's apps, facts and
/// rules.
pub fn model(env: Env) -> kumiki::synth::Model {
    workspace().model(env.id())
}

/// The default output root, `release/` in the workspace.
pub fn default_release_root() -> PathBuf {
    workspace().release_root()
}

#[cfg(test)]
mod tests {
    use super::registration::{registered, registry_source, unregistered, unregistered_message};

    #[test]
    fn every_service_crate_must_be_a_dependency() {
        let dirs = vec!["account".to_owned(), "order-api".to_owned()];
        let manifest = "[dependencies]\naccount = { path = \"../services/account\" }\n";
        let missing = unregistered(&dirs, manifest);
        assert_eq!(missing, vec!["order-api".to_owned()]);
        assert!(unregistered_message(&missing).contains("    order-api = { path = \"../services/order-api\" }"));
        assert!(registry_source(&dirs).contains(
            "Service { name: \"order-api\", app: |env, images| order_api::app(kumiki_cli::of(env), images) }"
        ));
        let manifest = format!("{manifest}order-api = {{ path = \"../services/order-api\" }}\n");
        assert_eq!(registered(&manifest), ["account", "order-api"]);
        assert_eq!(super::unregistered_services(), None);
    }

    #[test]
    fn the_registry_lists_every_directory_under_services() {
        let mut dirs: Vec<String> = std::fs::read_dir(super::workspace_root().join("services"))
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        dirs.sort();
        let registered: Vec<&str> = super::SERVICES.iter().map(|service| service.name).collect();
        assert_eq!(registered, dirs);
    }
}
