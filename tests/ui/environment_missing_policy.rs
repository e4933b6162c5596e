// An Environment is built with its builder; leaving out a required field (the policy every
// pod gets) does not compile.
use kumiki::platform::Environment;
use kumiki::prelude::*;

fn main() {
    let _environment = Environment::builder()
        .env(platform::Env::Prd.id())
        .namespace(name!("services"))
        .node_groups(vec![])
        .part_of(label_value!("shop"))
        .build();
}
