//! A rule as a value: its stable id, a one-line summary and an explanation with an example of
//! the fix. Every synth error names the rule that found it (`[rule: <id>]`), exemptions name
//! rules, and `cargo xtask rules` / `cargo xtask explain <id>` print them.

use std::fmt;

/// A rule kumiki (or a platform) checks. Ids are stable: errors, exemptions and `explain`
/// refer to them. Built-in ids are `<area>.<what>` (`pod.probes`, `mesh.route-target`); a
/// platform's own rules take a prefix of their own (`acme.owner-label`).
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Rule {
    /// The stable id, e.g. `pod.probes`.
    pub id: &'static str,
    /// What it requires, in one line.
    pub summary: &'static str,
    /// Why, and an example of the fix.
    pub explanation: &'static str,
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.id, self.summary)
    }
}
