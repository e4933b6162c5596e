use kumiki::prelude::*;

fn main() {
    let _key = label_key!("acme.io/");
}
