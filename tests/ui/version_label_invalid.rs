// A version name is a label value (it becomes the pod label and the subset name): a space
// does not compile.
use kumiki::prelude::*;

fn main() {
    let _canary = Version::new(label_value!("v2 canary"), 10);
}
