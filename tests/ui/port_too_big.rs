use kumiki::prelude::*;

fn main() {
    let _port = port!(70000);
}
