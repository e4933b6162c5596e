//! The synthesized output of one environment, in memory.

use std::collections::BTreeMap;

use kumiki_core::EnvId;

/// Files of `release/<env>/`: relative path (`<app>/<namespace>.<kind>.<name>.yaml`) to
/// contents. Sorted, so iteration order is the same on every machine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Release {
    /// The environment.
    pub env: EnvId,
    /// Relative path, with `/` separators, to file contents.
    pub files: BTreeMap<String, String>,
}
