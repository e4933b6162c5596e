use kumiki::prelude::*;

fn main() {
    let _name = name!("2account");
}
