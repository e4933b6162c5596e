//! kumiki-live: a release judged by a real Kubernetes API server.
//!
//! - [`verify::prepare`] creates what a release assumes exists (upstream CRDs, its Namespaces);
//!   [`verify::dry_run`] server-side applies every object as a dry run with strict field
//!   validation and kumiki's field manager: refusals, and the pods Pod Security admission
//!   would refuse, are [`Finding`]s naming the object's file.
//! - [`verify::apply`] applies for real (the local control plane only) and dry-runs again: an
//!   object the server stores differently from its rendered form would stay OutOfSync in
//!   Argo CD.
//! - [`live::trees`] reads a live cluster for `diff --live`.
//! - [`cluster`] builds and runs the local control plane (etcd and kube-apiserver).
//!
//! It is a program of its own (`kumiki-live`, JSON on stdout) that kumiki-cli runs: the HTTP,
//! TLS and async stack it needs never reaches the synth path or a service crate.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

pub mod cluster;
pub mod live;
pub mod release;
pub mod server;
mod stable;
pub mod verify;

/// Why a command could not run (the cluster unreachable, a file unreadable): not a verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(pub String);

impl Error {
    fn io(path: &Path, error: &std::io::Error) -> Error {
        Error(format!("{}: {error}", path.display()))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

/// What the server said about one object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The object's file, relative to the release directory.
    pub file: String,
    /// What kind of verdict.
    pub kind: FindingKind,
    /// The object and the server's words.
    pub message: String,
}

/// The kinds of [`Finding`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    /// The server refuses the object (validation, admission, an unserved kind).
    Refused,
    /// Pod Security admission would refuse the pods its template creates.
    PodSecurity,
    /// The server stores it differently from the release: OutOfSync after every sync.
    Unstable,
    /// The server accepts it with a warning.
    Warning,
}

impl FindingKind {
    /// Whether a finding of this kind fails the command (a warning does not).
    pub fn fails(self) -> bool {
        self != FindingKind::Warning
    }
}

/// The verdict on a release.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// How many objects the server judged.
    pub objects: usize,
    /// What it said, in file order.
    pub findings: Vec<Finding>,
}

/// What `diff --live` compares: file → YAML, as the cluster holds each object now (`live`)
/// and as it would hold it after the release is applied (`release`), plus what the server
/// refused on the way.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveTrees {
    /// Objects as the cluster holds them.
    pub live: BTreeMap<String, String>,
    /// Objects as the cluster would hold them after applying the release.
    pub release: BTreeMap<String, String>,
    /// Objects the server refused in the dry run.
    pub findings: Vec<Finding>,
}
