//! kumiki: a Kubernetes platform written as typed Rust, synthesized to plain YAML.
//!
//! `platform/` and every crate under `services/` depend on this facade only, and usually
//! only on its [`prelude`]. The Kubernetes API version is chosen once, in the workspace
//! manifest, through the re-exported [`k8s_openapi`].
//!
//! A service crate exposes one function, `pub fn app(env: Env) -> App`, which `xtask` calls
//! for every environment:
//!
//! ```
//! use kumiki::prelude::*;
//!
//! pub fn app(env: Env) -> App {
//!     let mut app = App::new(name!("hello"));
//!     let replicas = match env {
//!         Env::Dev => 1,
//!         Env::Stg | Env::Prd => 2,
//!     };
//!     let _ = replicas; // a real service adds its objects here
//!     app
//! }
//! assert_eq!(app(Env::Prd).name().as_str(), "hello");
//! ```

pub use k8s_openapi;
pub use kumiki_constructs::{
    ChartVersion, GitOps, HelmChart, Project, RESOURCES_FINALIZER, SYNC_WAVE_ANNOTATION, Team, node_affinity,
    toleration,
};
pub use kumiki_constructs::{
    CircuitBreaker, Container, Database, DatabaseServer, DevCredentials, DisruptionBudget, Egress, Environment,
    ExternalHost, GatewayListener, GatewayProxy, HasLiveness, HasReadiness, Image, InClusterMySql, Listener,
    LivenessDeclared, MYSQL_PORT, ManagedMySql, Mesh, Microservice, NoLiveness, NoReadiness, Policy, PortRef, Probe,
    Protocol, PullPolicy, REVISION_LABEL, ReadinessDeclared, Registry, Resources, Retries, RetryOn, Rollout, Seccomp,
    SecurityPolicy, ServiceId, TrafficPolicy, VERSION_LABEL, Version, VolumeClaim,
};
pub use kumiki_core::{
    AwsAccountId, AwsRegion, DevOnly, Env, ImageTag, Invalid, InvalidPort, Label, LabelKey, LabelValue,
    NODE_GROUP_LABEL, Name, NodeGroup, NodePort, PortName, PortNumber, Repository, Rule, SourceLocation, Stage,
    Subdomain, Taint, UnknownEnv, Violation, aws_account_id, aws_region, label, label_key, label_value, name,
    node_port, port, port_name, repository, subdomain, tag,
};
pub use kumiki_crds::{self as crds, Duration, duration};
pub use kumiki_synth::{
    App, Declared, Identity, Object, ProvidedService, Release, ReleaseLayout, SynthError, SynthErrors, header,
    parallel, pod_template, render_yaml, render_yaml_fast_path_only, render_yaml_with_serde_saphyr, synthesize, write,
};
pub use serde_json;

/// Everything a platform or service crate usually needs.
pub mod prelude {
    pub use crate::{App, Env, Label, LabelKey, LabelValue, Name, NodeGroup, Object, PortNumber, Stage};
    pub use crate::{
        Container, DisruptionBudget, Image, Microservice, Probe, Protocol, Registry, Resources, ServiceId, VolumeClaim,
    };
    pub use crate::{ExternalHost, Listener, RetryOn, TrafficPolicy, Version};
    pub use crate::{
        aws_account_id, aws_region, duration, label, label_key, label_value, name, node_port, port, port_name,
        repository, subdomain, tag,
    };
}
