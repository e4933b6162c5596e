//! Where in the Rust sources something was declared.

use std::collections::BTreeSet;
use std::fmt;
use std::panic::Location;
use std::sync::Mutex;

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
        Self::caller_inner()
    }

    /// `file` as a `'static` path for locations in data files (read at run time): each
    /// distinct path is kept once for the life of the process.
    pub fn intern_file(file: &str) -> &'static str {
        static FILES: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());
        let mut files = FILES.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(known) = files.get(file) {
            return known;
        }
        let leaked: &'static str = Box::leak(file.to_owned().into_boxed_str());
        files.insert(leaked);
        leaked
    }

    #[track_caller]
    fn caller_inner() -> Self {
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
