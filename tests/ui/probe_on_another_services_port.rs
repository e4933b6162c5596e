// A probe of account cannot target a port that the cart service declared.
use kumiki::prelude::*;

struct Account;
impl ServiceId for Account {
    const NAME: Name = name!("account");
}

struct Cart;
impl ServiceId for Cart {
    const NAME: Name = name!("cart");
}

fn main() {
    let mut cart = Container::<Cart>::new(name!("cart"), Image::new(Registry::DockerHub, repository!("acme/account"), tag!("1.0.0")));
    let cart_http = cart.port(Protocol::Http, port_name!("cart"), port!(8080));
    let gin = Container::<Account>::new(name!("gin"), Image::new(Registry::DockerHub, repository!("acme/account"), tag!("1.0.0")));
    let _service = Microservice::<Account>::new(&platform::environment(platform::Env::Prd))
        .container(gin)
        .readiness(Probe::http("/healthz", &cart_http));
}
