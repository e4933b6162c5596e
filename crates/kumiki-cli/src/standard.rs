//! The standard scaffold: what `new-service` creates in a workspace made by `kumiki init`
//! (or any workspace that follows its conventions): a crate depending on `kumiki` and the
//! workspace's `platform` crate, which exports `Env`, `environment(env)`, `image(env,
//! repository, version)`, `NAMESPACE` and `NODE_GROUP`; registered in `xtask/Cargo.toml`.

use kumiki::images::SCHEMA_FILE_NAME;

use crate::scaffold::{NewService, Scaffold};

/// `new-service` in a workspace made by `kumiki init`.
pub const STANDARD: Scaffold = Scaffold {
    registry_manifest: "xtask/Cargo.toml",
    reserved_crates: &["kumiki", "kumiki-cli", "platform", "xtask"],
    files,
};

fn files(service: &NewService<'_>) -> Vec<(String, String)> {
    vec![
        ("Cargo.toml".to_owned(), cargo_toml(service.crate_name)),
        ("src/lib.rs".to_owned(), lib_rs(service)),
        (crate::IMAGES_FILE.to_owned(), images_yaml(service)),
    ]
}

fn cargo_toml(crate_name: &str) -> String {
    format!(
        r#"[package]
name = "{crate_name}"
version = "0.1.0"
description = "The {crate_name} service."
edition.workspace = true
rust-version.workspace = true
license.workspace = true
publish.workspace = true

[dependencies]
kumiki.workspace = true
platform.workspace = true
"#
    )
}

fn lib_rs(service: &NewService<'_>) -> String {
    let NewService {
        crate_name,
        service_type,
        port_name,
        port,
        image_repository: repository,
        ..
    } = service;
    format!(
        r#"//! The {crate_name} service: listens on {port}, reached on Service port {port}.
//! Scaffolded by `new-service`: set its image versions in `images.yaml` (`cargo xtask
//! set-image {crate_name} --env <env> <tag>`) and the probes of its health endpoint, then
//! `cargo xtask synth`.

use kumiki::prelude::*;
use platform::{{Env, NAMESPACE, NODE_GROUP}};

/// Marks the {crate_name} service's handles.
pub struct {service_type};

impl ServiceId for {service_type} {{
    const NAME: Name = name!("{crate_name}");
}}

/// The {crate_name} app of `env`.
pub fn app(env: Env, images: &ImageVersions) -> App {{
    let container = name!("{crate_name}");
    let image = platform::image(env, repository!("{repository}"), images.of(&container));
    let mut main = Container::<{service_type}>::new(container, image);
    let http = main.port(Protocol::Http, port_name!("{port_name}"), port!({port}));
    Microservice::<{service_type}>::new(&platform::environment(env))
        .container(main)
        // A TCP check until the service has a health endpoint (`Probe::http("/healthz", &http)`).
        .readiness(Probe::tcp(&http))
        .liveness(Probe::tcp(&http).with_failure_threshold(6))
        .expose(port!({port}), &http)
        .allow_from(&NAMESPACE, &[&http])
        .pin_to(&NODE_GROUP)
        .build()
}}
"#
    )
}

/// The image versions: the local build (`latest`) where the environment is for development,
/// a first release elsewhere.
fn images_yaml(service: &NewService<'_>) -> String {
    let versions: String = (service.envs.iter())
        .map(|env| {
            let version = if env.is_development() { "latest" } else { "0.1.0" };
            format!("  {env}: {version}\n")
        })
        .collect();
    format!(
        "# yaml-language-server: $schema=../../schemas/{SCHEMA_FILE_NAME}\n\
         # The image version of each container, per environment (`cargo xtask set-image`, `cargo xtask promote`).\n\
         {}:\n{versions}",
        service.crate_name
    )
}
