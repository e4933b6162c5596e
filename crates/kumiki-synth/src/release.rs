//! The synthesized output of one environment, in memory.

use std::collections::BTreeMap;

use kumiki_core::{EnvId, SourceLocation};

use crate::call::Edge;

/// Files of `release/<env>/` (relative path `<app>/<namespace>.<kind>.<name>.yaml` to
/// contents, sorted, so iteration order is the same on every machine) and the service graph
/// they carry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Release {
    /// The environment.
    pub env: EnvId,
    /// Relative path, with `/` separators, to file contents.
    pub files: BTreeMap<String, String>,
    /// The service graph: every declared call, one edge per port, with what each layer of
    /// the rendered objects does with it.
    pub traffic: Vec<Edge>,
    /// Where each file's object was declared, by the same relative path: what a verdict on
    /// the rendered file (a real API server's, say) is reported at.
    pub sources: BTreeMap<String, FileSource>,
}

/// The declaration a release file was rendered from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileSource {
    /// The line that declared the object.
    pub location: SourceLocation,
    /// The app it belongs to.
    pub app: String,
}
