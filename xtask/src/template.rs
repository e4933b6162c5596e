//! The reference platform's scaffold for `cargo xtask new-service`: a crate with one
//! Microservice built on this platform's helpers (`platform::team_image`, its namespaces and
//! node groups), and its image versions file.

use kumiki::images::SCHEMA_FILE_NAME;
use kumiki_cli::scaffold::{NewService, Scaffold};

/// `new-service` in this repository: registered in `xtask/Cargo.toml`.
pub const SCAFFOLD: Scaffold = Scaffold {
    registry_manifest: "xtask/Cargo.toml",
    reserved_crates: &[
        "kumiki",
        "platform",
        "xtask",
        "xtask-bench",
        "tests",
        "clap",
        "anstream",
    ],
    files,
};

fn files(service: &NewService<'_>) -> Vec<(String, String)> {
    vec![
        ("Cargo.toml".to_owned(), cargo_toml(service.crate_name)),
        ("src/lib.rs".to_owned(), lib_rs(service)),
        (kumiki_cli::IMAGES_FILE.to_owned(), images_yaml(service.crate_name)),
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
publish = false

[dependencies]
kumiki.workspace = true
platform.workspace = true

[lints]
workspace = true
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
        r#"//! The {crate_name} service: listens on {port}, reached in the mesh on Service port {port}.
//! Scaffolded by `cargo xtask new-service`: set the image tag CI pushes in `images.yaml`
//! (`cargo xtask set-image {crate_name} --env stg <tag>`) and the probes of the service's
//! health endpoint, then `cargo xtask synth`.

use kumiki::prelude::*;
use platform::{{Env, namespaces, node_groups}};

/// Marks the {crate_name} service's handles.
pub struct {service_type};

impl ServiceId for {service_type} {{
    const NAME: Name = name!("{crate_name}");
}}

/// The {crate_name} app of `env`.
pub fn app(env: Env, images: &ImageVersions) -> App {{
    // dev runs the image built on the developer's machine (`{crate_name}:latest`); stg and prd
    // the version CI pushes to ECR. The versions are in images.yaml.
    let container = name!("{crate_name}");
    let image = platform::team_image(
        env,
        repository!("{crate_name}"),
        repository!("{repository}"),
        images.of(&container),
    );
    let mut main = Container::<{service_type}>::new(container, image);
    let http = main.port(Protocol::Http, port_name!("{port_name}"), port!({port}));

    Microservice::<{service_type}>::new(&platform::environment(env))
        .container(main)
        // A TCP check until the service has a health endpoint (`Probe::http("/healthz", &http)`).
        .readiness(Probe::tcp(&http))
        .liveness(Probe::tcp(&http).with_failure_threshold(6))
        .expose(port!({port}), &http)
        .allow_from(&namespaces::SERVICES, &[&http])
        .pin_to(&node_groups::APP)
        .build()
}}
"#
    )
}

/// The new service's image versions: its local build in dev, a first release elsewhere.
fn images_yaml(crate_name: &str) -> String {
    format!(
        r#"# yaml-language-server: $schema=../../schemas/{schema}
# The image version of each container, per environment (`cargo xtask set-image`, `cargo xtask promote`).
{crate_name}:
  dev: latest
  stg: 0.1.0
  prd: 0.1.0
"#,
        schema = SCHEMA_FILE_NAME
    )
}
