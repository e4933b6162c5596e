use kumiki::prelude::*;

fn main() {
    let _tag = tag!("1.0+build");
}
