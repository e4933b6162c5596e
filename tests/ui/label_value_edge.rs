use kumiki::prelude::*;

fn main() {
    let _value = label_value!("-canary");
}
