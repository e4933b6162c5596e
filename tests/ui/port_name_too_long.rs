use kumiki::prelude::*;

fn main() {
    let _name = port_name!("orchestrator");
}
