//! Synth-time errors: collected, never thrown one at a time.

use std::fmt;

use kumiki_core::SourceLocation;

/// One problem in the model, at the declaration that causes it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct SynthError {
    /// Where the offending object or app was declared.
    pub location: SourceLocation,
    /// The construct path: `<env>/<app>`.
    pub path: String,
    /// What is wrong, naming the object.
    pub message: String,
    /// The id of the rule it breaks (`pod.probes`); `cargo xtask explain <id>` explains it.
    pub rule: &'static str,
}

impl fmt::Display for SynthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}: {} [rule: {}]",
            self.location, self.path, self.message, self.rule
        )
    }
}

/// Every problem found in a model, sorted by source location. Nothing is written while
/// there is one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SynthErrors(pub Vec<SynthError>);

impl fmt::Display for SynthErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for error in &self.0 {
            writeln!(f, "error: {error}")?;
        }
        let count = self.0.len();
        write!(
            f,
            "{count} error{} in the model; nothing was written",
            if count == 1 { "" } else { "s" }
        )
    }
}

impl std::error::Error for SynthErrors {}
