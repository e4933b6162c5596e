//! The orchestrator service: Python / FastAPI on 8000, Service port 50004, reached from
//! outside through the ingress gateway listener 50004 (NodePort 30004). Its tag
//! `00690e9` is quoted in `images.yaml`: unquoted, YAML reads it as the float `6.9e+11`
//! (the seed's did), and kumiki refuses it.

use kumiki::prelude::*;
use platform::Env;
use platform::node_groups;

/// Marks the orchestrator service's handles.
pub struct Orchestrator;

impl ServiceId for Orchestrator {
    const NAME: Name = name!("orchestrator");
}

/// The ingress listener. (`orchestr` because a port name is at most 10 characters and the
/// emitted name `http-<name>` at most 15.)
pub const LISTENER: Listener = Listener::new(port_name!("orchestr"), port!(50004)).with_node_port(node_port!(30004));

/// The orchestrator app of `env`.
pub fn app(env: Env, images: &ImageVersions) -> App {
    let image = platform::team_image(
        env,
        repository!("orchestrator-fastapi"),
        repository!("orchestrator-fastapi-repository"),
        images.of(&name!("fastapi")),
    );
    // The seed's prd gunicorn had no --bind and listened on 127.0.0.1:8000 only.
    let mut fastapi = Container::<Orchestrator>::new(name!("fastapi"), image).with_args(&["--bind", "0.0.0.0:8000"]);
    let http = fastapi.port(Protocol::Http, port_name!("orchestr"), port!(8000));

    Microservice::<Orchestrator>::new(&platform::environment_in(env, &platform::namespaces::ORCHESTRATION))
        .container(fastapi)
        .readiness(Probe::tcp(&http))
        .liveness(Probe::tcp(&http).with_failure_threshold(6))
        .expose_on_ingress(LISTENER.port, &http, LISTENER)
        .pin_to(&node_groups::APP)
        .build()
}
