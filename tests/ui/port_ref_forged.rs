// A port handle comes only from Container::port: it cannot be made up.
use kumiki::prelude::*;

struct Account;
impl ServiceId for Account {
    const NAME: Name = name!("account");
}

fn main() {
    let _http: kumiki::PortRef<Account> = kumiki::PortRef {
        container: name!("gin"),
        name: port_name!("account"),
        protocol: Protocol::Http,
        number: port!(8080),
        _service: std::marker::PhantomData,
    };
}
