// Istio rejects durations under 1ms; a zero timeout does not compile.
use kumiki::prelude::*;

fn main() {
    let _timeout = duration!(0 ms);
}
