//! The synthesized output of one environment, in memory.

use std::collections::BTreeMap;

use kumiki_core::Env;

/// Files of `release/<env>/`: relative path (`<app>/<namespace>.<kind>.<name>.yaml`) to
/// contents. Sorted, so iteration order is the same on every machine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Release {
    /// The environment.
    pub env: Env,
    /// Relative path, with `/` separators, to file contents.
    pub files: BTreeMap<String, String>,
}
