// A registry host inside a repository literal would be prefixed with the environment's
// registry (`docker.io/ghcr.io/acme/web`): it does not compile; the host goes to Registry::Host.
use kumiki::prelude::*;

fn main() {
    let _ = repository!("ghcr.io/acme/web");
}
