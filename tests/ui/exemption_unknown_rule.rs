// An exemption names a rule as a value: an exemption of a rule that does not exist (here a
// misspelt one) does not compile.
use kumiki::platform::Exemption;
use kumiki::prelude::*;

fn main() {
    let _ = Exemption::new(name!("agent"), &kumiki::rules::POD_PRIVILEGE, "a node agent");
}
