use kumiki::prelude::*;

fn main() {
    let _group: NodeGroup = platform::node_groups::INGRES;
}
