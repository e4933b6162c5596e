//! The customer service: Python / FastAPI on 8000, Service port 50001, reached from outside
//! through the ingress gateway listener 50001 (NodePort 30001).

use kumiki::prelude::*;
use platform::Env;
use platform::{databases, node_groups};

/// Marks the customer service's handles.
pub struct Customer;

impl ServiceId for Customer {
    const NAME: Name = name!("customer");
}

/// The ingress listener: the Gateway server, the route match and the gateway Service port.
pub const LISTENER: Listener = Listener::new(port_name!("customer"), port!(50001)).with_node_port(node_port!(30001));

/// The customer app of `env`.
pub fn app(env: Env, images: &ImageVersions) -> App {
    let image = platform::team_image(
        env,
        repository!("customer-fastapi"),
        repository!("customer-fastapi-repository"),
        images.of(&name!("fastapi")),
    );
    let mut fastapi = Container::<Customer>::new(name!("fastapi"), image);
    let http = fastapi.port(Protocol::Http, port_name!("customer"), port!(8000));

    Microservice::<Customer>::new(&platform::environment(env))
        .container(fastapi)
        .readiness(Probe::tcp(&http))
        .liveness(Probe::tcp(&http).with_failure_threshold(6))
        .expose_on_ingress(LISTENER.port, &http, LISTENER)
        .pin_to(&node_groups::APP)
        .database(databases::database(env, name!("customer")))
        .build()
}
