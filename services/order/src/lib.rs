//! The order service: PHP / Lumen (php-fpm on 9000) behind Nginx (8080) in one pod, reached
//! in the mesh on Service port 50005. Only Nginx's port is exposed; php-fpm is reached over
//! localhost and probed on its own port.
//!
//! Where the Service port comes from, and what checks it: `.expose(port!(50005), &http)` below
//! is the only place 50005 is written. `http` is the handle `nginx.port(..)` returned when
//! Nginx declared 8080, so the Service's `targetPort` (`http-order`), the probes and the
//! network policy can only name a port this pod really has (a handle of another service, or a
//! port that was never declared, does not compile; `port!` refuses 0 and numbers above 65535).
//! The DestinationRule and the mesh VirtualService are derived from the same declaration.
//! At synth time, the Service's selector must match these pods, its target port must resolve
//! to a container port, every route to `order:50005` must land on a port the Service exposes,
//! and no other object may take the name. `cargo xtask catalog --env prd` shows the result:
//! `8080/http-order`, `order:50005`. The database is the platform's (`databases::database`):
//! `DB_HOST=order-db` in every environment, fixing the seed's `127.0.0.1` (I-31).

use kumiki::prelude::*;
use platform::Env;
use platform::{databases, namespaces, node_groups};

/// Marks the order service's handles.
pub struct Order;

impl ServiceId for Order {
    const NAME: Name = name!("order");
}

/// The order app of `env`.
pub fn app(env: Env, images: &ImageVersions) -> App {
    let image = |container: &Name, local, ecr| platform::team_image(env, local, ecr, images.of(container));
    let nginx_name = name!("nginx");
    let mut nginx = Container::<Order>::new(
        nginx_name.clone(),
        image(
            &nginx_name,
            repository!("order-nginx"),
            repository!("order-nginx-repository"),
        ),
    );
    let http = nginx.port(Protocol::Http, port_name!("order"), port!(8080));
    let lumen_name = name!("lumen");
    let mut lumen = Container::<Order>::new(
        lumen_name.clone(),
        image(
            &lumen_name,
            repository!("order-lumen"),
            repository!("order-lumen-repository"),
        ),
    );
    let fastcgi = lumen.port(Protocol::Tcp, port_name!("fastcgi"), port!(9000));

    Microservice::<Order>::new(&platform::environment(env))
        .container(nginx)
        .container(lumen)
        .readiness(Probe::tcp(&http))
        .readiness(Probe::tcp(&fastcgi))
        .liveness(Probe::tcp(&http).with_failure_threshold(6))
        .liveness(Probe::tcp(&fastcgi).with_failure_threshold(6))
        .expose(port!(50005), &http)
        // Reached in the mesh only, by the orchestrator's checkout saga: its identity alone, in
        // every layer (an AuthorizationPolicy on its ServiceAccount, a NetworkPolicy rule).
        .allow_caller(&namespaces::ORCHESTRATION, &name!("orchestrator"), &[&http])
        .pin_to(&node_groups::APP)
        .database(databases::database(env, name!("order")))
        .build()
}
