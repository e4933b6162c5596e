// account's Service cannot forward to a port of another service's pods.
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
    let _service = Microservice::<Account>::new(&platform::environment(platform::Env::Prd)).expose(port!(80), &cart_http);
}
