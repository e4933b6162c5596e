// An ingress listener routes to a port of this service only: another service's port handle
// does not fit.
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
    let mut cart = Container::<Cart>::new(name!("cart"), Image::new(Registry::DockerHub, repository!("acme/cart"), tag!("1.0.0")));
    let cart_http = cart.port(Protocol::Http, port_name!("cart"), port!(8080));
    let listener = Listener::new(port_name!("account"), port!(50000));
    let _service = Microservice::<Account>::new(&platform::environment(platform::Env::Prd)).expose_on_ingress(port!(80), &cart_http, listener);
}
