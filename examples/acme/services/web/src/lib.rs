//! The shop's web front end: port 8080, Service port 80. Without a mesh, the cluster's own
//! ingress controller routes to the Service; the front end calls the API by its Service name.

use acme_platform::{Env, GENERAL, SHOP};
use kumiki::prelude::*;

/// Marks the front end's handles.
pub struct Web;

impl ServiceId for Web {
    const NAME: Name = name!("web");
}

/// The front end of `env`.
pub fn app(env: Env, images: &ImageVersions) -> App {
    let container = name!("web");
    let image = Image::at(
        acme_platform::registry(),
        repository!("shop-web"),
        images.of(&container),
    );
    let region = match env {
        Env::Qa => "qa",
        Env::ProdEu => "eu",
        Env::ProdUs => "us",
    };
    let mut web = Container::<Web>::new(container, image)
        .with_env("API_URL", "http://api")
        .with_env("REGION", region);
    let http = web.port(Protocol::Http, port_name!("web"), port!(8080));
    Microservice::<Web>::new(&acme_platform::environment(env))
        .container(web)
        .readiness(Probe::http("/", &http))
        .liveness(Probe::tcp(&http))
        .expose(port!(80), &http)
        .allow_from(&SHOP, &[&http])
        .pin_to(&GENERAL)
        .build()
}
