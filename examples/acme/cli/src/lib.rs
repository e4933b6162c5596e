//! Acme's workspace for kumiki's command line: its services, its platform, its environments.

use std::path::{Path, PathBuf};

use acme_platform::Env;
use kumiki_cli::{Service, Workspace, of};

/// Every service crate, by name.
pub static SERVICES: &[Service] = &[
    Service {
        name: "api",
        app: |env, images| api::app(of(env), images),
    },
    Service {
        name: "web",
        app: |env, images| web::app(of(env), images),
    },
];

/// This repository: its root (the parent of `cli/`), services and platform.
pub fn workspace() -> Workspace {
    Workspace {
        root: root(),
        envs: &Env::IDS,
        services: SERVICES,
        platform: |env, services| acme_platform::apps(of(env), services),
        rules: &[],
        command: "cargo acme",
        scaffold: None,
        release: acme_platform::RELEASE,
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(PathBuf::new, Path::to_path_buf)
}
