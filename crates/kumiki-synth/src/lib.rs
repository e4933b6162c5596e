//! The kumiki model and its synthesis to YAML.
//!
//! An [`App`] is a named set of typed Kubernetes objects, each remembered with the source
//! location that declared it. [`synthesize`] takes a [`Model`] (the apps of one environment,
//! the platform's [`PlatformFacts`] and its own [`rules`]), serializes every object once,
//! checks the rendered release with every rule, collecting every error, and renders the
//! objects into a [`Release`]: file paths and bytes, in memory. Only the [`write`] module
//! touches the file system.

mod app;
mod authority;
mod call;
mod emit;
mod error;
mod facts;
mod imported;
mod json;
mod object;
pub mod parallel;
mod release;
mod render;
mod rule;
pub mod rules;
mod synth;
mod tree;
pub mod write;

pub use app::{App, Declared, Reported};
pub use authority::{Authority, Grant, Kind, Right};
pub use call::{DeclaredCall, DeclaredNamespace, Edge, Layer, Passage};
pub use error::{SynthError, SynthErrors};
pub use facts::{Exemption, MetricsScraper, Owner, PlatformFacts, ProvidedService, ReleaseLayout, mesh_principal};
pub use imported::{Imported, typed};
pub use json::JsonError;
pub use object::{Object, pod_template};
pub use release::{FileSource, Release};
pub use render::{header, render_yaml, render_yaml_into};
#[cfg(feature = "test-hooks")]
pub use render::{object_yaml_both_ways, render_yaml_fast_path_only, render_yaml_with_serde_saphyr};
pub use synth::{CLUSTER_SCOPE_MARKER, Model, synthesize};
pub use tree::{Document, Fields, Items, Json};
