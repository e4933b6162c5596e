use kumiki::prelude::*;

fn main() {
    let _label = label!("Acme.io/team", "payments");
}
