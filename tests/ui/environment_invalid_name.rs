// An environment's name is checked when the platform declares it: it names directories,
// labels and command-line values, so it must be a lowercase RFC 1035 label.
use kumiki::prelude::*;

environments! {
    /// The platform's environments.
    pub enum Env, stage Stage {
        /// Production in Europe.
        ProdEu = production("Prod_EU"),
    }
}

fn main() {
    let _ = Env::ProdEu.id();
}
