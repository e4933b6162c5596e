// A registry is a host name with a dot (or localhost), an optional port up to 65535 and an
// optional path: a port out of range does not compile.
use kumiki::prelude::*;

fn main() {
    let _ = registry!("registry.example.com:99999/team");
}
