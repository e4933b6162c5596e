use kumiki::prelude::*;

fn main() {
    let _label = label!("app.kubernetes.io/version", "1.2.3+build/7");
}
