// Two environments with the same name would be one on the command line and in release/:
// the second would silently never be synthesized. The platform's declaration refuses it.
use kumiki::prelude::*;

environments! {
    /// The platform's environments.
    pub enum Env, stage Stage {
        /// Staging.
        Stg = production("stg"),
        /// Production, misnamed as staging.
        Prd = production("stg"),
    }
}

fn main() {
    let _ = Env::Prd.id();
}
