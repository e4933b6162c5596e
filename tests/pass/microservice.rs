//! A complete Microservice builds, and its lowering carries the declared port everywhere.
use kumiki::prelude::*;

struct Account;
impl ServiceId for Account {
    const NAME: Name = name!("account");
}

fn main() {
    let mut gin = Container::<Account>::new(name!("gin"), Image::new(Registry::DockerHub, repository!("acme/account"), tag!("1.0.0")));
    let http = gin.port(Protocol::Http, port_name!("account"), port!(8080));
    let app = Microservice::<Account>::new(&platform::environment(platform::Env::Prd))
        .container(gin)
        .readiness(Probe::http("/healthz", &http))
        .liveness(Probe::tcp(&http))
        .expose(port!(50000), &http)
        .pin_to(&platform::node_groups::APP)
        .build();
    assert_eq!(app.name().as_str(), "account");
    assert!(app.problems().is_empty());
}
