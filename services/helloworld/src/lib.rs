//! The helloworld sample (paulbouwer/hello-kubernetes) on 8080, Service port 50002, reached
//! from outside through the ingress gateway listener 50002 (NodePort 30002), three replicas.

use kumiki::prelude::*;
use platform::Env;
use platform::node_groups;

/// Marks the helloworld service's handles.
pub struct Helloworld;

impl ServiceId for Helloworld {
    const NAME: Name = name!("helloworld");
}

/// The ingress listener.
pub const LISTENER: Listener = Listener::new(port_name!("helloworld"), port!(50002)).with_node_port(node_port!(30002));

/// The helloworld app of `env`.
pub fn app(env: Env, images: &ImageVersions) -> App {
    let container = name!("helloworld");
    let image = Image::at(
        Registry::DockerHub,
        repository!("paulbouwer/hello-kubernetes"),
        images.of(&container),
    );
    let mut helloworld = Container::<Helloworld>::new(container, image).with_env("PORT", "8080");
    let http = helloworld.port(Protocol::Http, port_name!("helloworld"), port!(8080));

    Microservice::<Helloworld>::new(&platform::environment(env))
        .container(helloworld)
        .readiness(Probe::http("/", &http))
        .liveness(Probe::tcp(&http).with_failure_threshold(6))
        .expose_on_ingress(LISTENER.port, &http, LISTENER)
        .replicas(3)
        .pin_to(&node_groups::APP)
        .build()
}
