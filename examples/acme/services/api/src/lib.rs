//! The shop's API: port 9000, Service port 80, reached by the web front end.

use acme_platform::{Env, GENERAL, SHOP};
use kumiki::prelude::*;

/// Marks the API's handles.
pub struct Api;

impl ServiceId for Api {
    const NAME: Name = name!("api");
}

/// The API of `env`.
pub fn app(env: Env, images: &ImageVersions) -> App {
    let container = name!("api");
    let image = Image::at(
        acme_platform::registry(),
        repository!("shop-api"),
        images.of(&container),
    );
    let mut api = Container::<Api>::new(container, image).with_env("LOG_FORMAT", "json");
    let http = api.port(Protocol::Http, port_name!("api"), port!(9000));
    let service = Microservice::<Api>::new(&acme_platform::environment(env))
        .container(api)
        .readiness(Probe::http("/ready", &http))
        .liveness(Probe::http("/live", &http))
        .expose(port!(80), &http)
        .allow_from(&SHOP, &[&http])
        .pin_to(&GENERAL);
    match env {
        Env::Qa => service.build(),
        Env::ProdEu | Env::ProdUs => service.autoscale(3, 12, 65).build(),
    }
}
