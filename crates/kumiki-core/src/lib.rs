//! Validated primitives of kumiki: environments, names, labels, ports and source locations.
//!
//! This crate has no dependencies and performs no IO. Its values are checked when they are
//! made: literals at compile time through the [`name!`], [`label_key!`], [`label_value!`],
//! [`label!`] and [`port!`] macros (each expands to a `const` item, so `cargo check` and
//! rust-analyzer report a bad literal too), dynamic values through `TryFrom` with an error
//! that names the value and the rule it breaks.

mod env;
mod label;
mod location;
mod name;
mod node_group;
mod port;
mod rule;
mod validated;

pub use env::{__distinct_env_names, DevOnly, EnvId, Environments, UnknownEnv, find_env};
pub use label::{Label, LabelKey, LabelValue};
pub use location::SourceLocation;
pub use name::Name;
pub use node_group::{NODE_GROUP_LABEL, NodeGroup, Taint};
pub use port::{InvalidPort, NodePort, PortNumber};
pub use rule::{FLOATING_TAGS, Invalid, Rule, Violation};
pub use validated::{AwsAccountId, AwsRegion, ImageDigest, ImageTag, PortName, RegistryHost, Repository, Subdomain};
