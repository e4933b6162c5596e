//! Where in the Rust sources something was declared.

use std::fmt;
use std::panic::Location;

/// The file and line of a declaration, captured with `#[track_caller]` so that a synth-time
/// error points at the user's code, not at the SDK.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SourceLocation {
    /// Path of the source file, relative to the workspace root when built by cargo.
    pub file: &'static str,
    /// 1-based line number.
    pub line: u32,
}

impl SourceLocation {
    /// The location of the caller; call it from a `#[track_caller]` function.
    #[track_caller]
    pub fn caller() -> Self {
        let location = Location::caller();
        SourceLocation {
            file: location.file(),
            line: location.line(),
        }
    }
}

impl fmt::Display for SourceLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}
