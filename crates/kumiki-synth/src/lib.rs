//! The kumiki model and its synthesis to YAML.
//!
//! An [`App`] is a named set of typed Kubernetes objects, each remembered with the source
//! location that declared it. [`synthesize`] checks every app of one environment together,
//! collecting every error, and renders the objects into a [`Release`]: file paths and bytes,
//! in memory. Only the [`write`] module touches the file system.

mod app;
mod checks;
mod emit;
mod error;
mod exemption;
mod object;
pub mod parallel;
mod provided;
mod release;
mod render;
mod synth;
pub mod write;

pub use app::{App, Declared};
pub use error::{SynthError, SynthErrors};
pub use exemption::{PodExemption, PodRule};
pub use object::{Identity, Object, pod_template};
pub use provided::{
    ClusterNodeGroups, GeneratedBy, MetricsScraper, ProvidedService, RegisteredHosts, ReleaseLayout, mesh_principal,
};
pub use release::Release;
pub use render::{header, render_yaml, render_yaml_into};
#[cfg(feature = "test-hooks")]
pub use render::{render_yaml_fast_path_only, render_yaml_with_serde_saphyr};
pub use synth::{synthesize, synthesize_borrowed};
