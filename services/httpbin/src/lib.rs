//! The httpbin sample on 8080, Service port 50003, reached from outside through the ingress
//! gateway listener 50003 (NodePort 30003).
//!
//! The seed ran `kennethreitz/httpbin`, whose only tag is `latest`; kumiki refuses a
//! floating image outside dev, so this runs the maintained, versioned `mccutchen/go-httpbin`
//! (same API, port 8080 by default).

use kumiki::prelude::*;
use platform::Env;
use platform::node_groups;

/// Marks the httpbin service's handles.
pub struct Httpbin;

impl ServiceId for Httpbin {
    const NAME: Name = name!("httpbin");
}

/// The ingress listener.
pub const LISTENER: Listener = Listener::new(port_name!("httpbin"), port!(50003)).with_node_port(node_port!(30003));

/// The httpbin app of `env`.
pub fn app(env: Env, images: &ImageVersions) -> App {
    let container = name!("httpbin");
    let image = Image::at(
        Registry::DockerHub,
        repository!("mccutchen/go-httpbin"),
        images.of(&container),
    );
    let mut httpbin = Container::<Httpbin>::new(container, image);
    let http = httpbin.port(Protocol::Http, port_name!("httpbin"), port!(8080));

    Microservice::<Httpbin>::new(&platform::environment(env))
        .container(httpbin)
        .readiness(Probe::http("/status/200", &http))
        .liveness(Probe::tcp(&http).with_failure_threshold(6))
        .expose_on_ingress(LISTENER.port, &http, LISTENER)
        .pin_to(&node_groups::APP)
        .build()
}
