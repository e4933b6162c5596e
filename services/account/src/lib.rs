//! The account service: Go / Gin listening on 8080, reached in the mesh on Service port
//! 50000. Its port is declared once, on the container; the probes, the Service and the
//! network policy refer to that declaration.

use kumiki::prelude::*;
use platform::Env;
use platform::{databases, namespaces, node_groups};

/// Marks the account service's handles.
pub struct Account;

impl ServiceId for Account {
    const NAME: Name = name!("account");
}

/// The account app of `env`.
pub fn app(env: Env, images: &ImageVersions) -> App {
    let image = platform::team_image(
        env,
        repository!("account-gin"),
        repository!("account-gin-repository"),
        images.of(&name!("gin")),
    );
    let mut gin = Container::<Account>::new(name!("gin"), image);
    let http = gin.port(Protocol::Http, port_name!("account"), port!(8080));

    let service = Microservice::<Account>::new(&platform::environment(env))
        .container(gin)
        .readiness(Probe::tcp(&http))
        .liveness(Probe::tcp(&http).with_failure_threshold(6))
        .expose(port!(50000), &http)
        // Reached in the mesh only, by the orchestrator's checkout saga: its identity alone, in
        // every layer (an AuthorizationPolicy on its ServiceAccount, a NetworkPolicy rule).
        .allow_caller(&namespaces::ORCHESTRATION, &name!("orchestrator"), &[&http])
        .pin_to(&node_groups::APP)
        .database(databases::database(env, name!("account")));
    match env {
        Env::Dev => service.build(),
        Env::Stg | Env::Prd => service.autoscale(2, 6, 70).build(),
    }
}
