// A pod rule is typed: an exemption of a rule that does not exist (here a misspelt one)
// does not compile.
use kumiki::platform::PodExemption;
use kumiki::prelude::*;

fn main() {
    let _ = PodExemption {
        app: name!("agent"),
        rule: "privilege",
        reason: "a node agent",
    };
}
