//! The curl client: a pod with no Service that calls httpbin.org. Its requests leave the
//! cluster only through the egress gateway, along the route the platform declares for
//! [`platform::external_hosts::httpbin_org`].

use kumiki::prelude::*;
use platform::Env;
use platform::node_groups;

/// Marks the curl client's handles.
pub struct Curl;

impl ServiceId for Curl {
    const NAME: Name = name!("curl");
}

/// The curl app of `env`.
pub fn app(env: Env, images: &ImageVersions) -> App {
    let container_name = name!("curl");
    let image = Image::at(
        Registry::DockerHub,
        repository!("curlimages/curl"),
        images.of(&container_name),
    );
    let curl = Container::<Curl>::new(container_name.clone(), image).with_command(&["sleep", "infinity"]);
    let httpbin = platform::external_hosts::httpbin_org();
    let status_url = format!("http://{}:{}/status/200", httpbin.host, httpbin.port);

    Microservice::<Curl>::new(&platform::environment(env))
        .container(curl)
        // Ready once the egress path answers; alive while the shell it execs in can run.
        .readiness(
            Probe::exec(&container_name, &["curl", "-sf", "-o", "/dev/null", &status_url]).with_period_seconds(30),
        )
        .liveness(Probe::exec(&container_name, &["true"]))
        .pin_to(&node_groups::APP)
        .build()
}
