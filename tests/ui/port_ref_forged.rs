// A port handle comes only from Container::port: it cannot be made up, nor copied from
// another service's handle.
use kumiki::prelude::*;

struct Account;
impl ServiceId for Account {
    const NAME: Name = name!("account");
}

struct Cart;
impl ServiceId for Cart {
    const NAME: Name = name!("cart");
}

fn forge(cart_http: PortRef<Cart>) -> PortRef<Account> {
    PortRef {
        port: cart_http.port,
        _service: std::marker::PhantomData,
    }
}

fn main() {
    let _ = forge;
}
