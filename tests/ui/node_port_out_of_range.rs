// A NodePort outside Kubernetes' range 30000..=32767 (the seed's old table used 30000 for a
// Service port too) does not compile.
use kumiki::prelude::*;

fn main() {
    let _listener = Listener::new(port_name!("customer"), port!(50001)).with_node_port(node_port!(8080));
}
