//! kumiki: a Kubernetes platform written as typed Rust, synthesized to plain YAML.
//!
//! A platform is a workspace of a few crates: the platform's (its environments, policy,
//! namespaces and Argo CD tree), one per service, and a small command line over
//! [`kumiki-cli`](https://docs.rs/kumiki-cli). The repository's `examples/acme/` is a complete
//! one; the README's "Start a new platform" walks through it.
//!
//! The facade is arranged by audience:
//! - [`prelude`]: what a service crate needs (the Microservice construct and its parts, the
//!   validated values and their literal macros);
//! - [`platform`]: what the platform team declares (environments and their policy, the mesh,
//!   egress, databases, the Argo CD tree, charts, placement);
//! - [`values`]: every validated value type and its error types;
//! - [`model`]: apps and objects, for tools that read or extend the model;
//! - [`synth`]: checking and rendering an environment, and the writer;
//! - [`rules`]: the rules synth checks (ids, summaries, explanations) and how a platform adds
//!   its own;
//! - [`crds`]: the custom resource types; [`k8s_openapi`]: the Kubernetes types, whose API
//!   version (`v1_35`) is chosen once in the workspace `Cargo.toml`;
//! - [`typestate`]: the Microservice's probe typestate, for helper functions that pass a
//!   builder around;
//! - [`images`]: the image versions file each service keeps (reading, editing, its schema).
//!
//! [`environments!`]: kumiki_core::environments
//!
//! A platform declares its environments as an enum of its own with [`environments!`]
//! (`prelude::environments!`), in promotion order, each a development or a production one. A
//! service crate exposes one function, `pub fn app(env: Env, images: &ImageVersions) -> App`,
//! over the platform's `Env`, which the command line calls for every environment with the
//! versions its `images.yaml` holds there; a `match` on `Env` is exhaustive, so a new
//! environment does not compile until every service handles it:
//!
//! ```
//! use kumiki::prelude::*;
//!
//! environments! {
//!     /// The platform's environments.
//!     pub enum Env, stage Stage {
//!         /// A developer's cluster.
//!         Dev = development("dev"),
//!         /// Staging.
//!         Stg = production("stg"),
//!         /// Production.
//!         Prd = production("prd"),
//!     }
//! }
//!
//! pub fn app(env: Env, images: &ImageVersions) -> App {
//!     let mut app = App::new(name!("hello"));
//!     let image = Image::at(Registry::DockerHub, repository!("acme/hello"), images.of(&name!("hello")));
//!     let replicas = match env {
//!         Env::Dev => 1,
//!         Env::Stg | Env::Prd => 2,
//!     };
//!     let _ = (image, replicas); // a real service adds its objects here
//!     app
//! }
//! let images = ImageVersions::read("images.yaml", Some("hello:\n  prd: \"1.10\"\n"), Env::Prd.id(), &Env::IDS, &kumiki::images::VersionPolicy::VERSIONS);
//! assert_eq!(app(Env::Prd, &images).name().as_str(), "hello");
//! ```

pub use k8s_openapi;
pub use kumiki_crds as crds;
pub use serde_json;

/// Everything a service crate usually needs.
pub mod prelude {
    pub use kumiki_constructs::{
        CircuitBreaker, Concurrency, Container, CronJob, DisruptionBudget, ExternalHost, Image, ImageVersion,
        ImageVersions, Listener, Microservice, PortRef, Probe, Protocol, Registry, Resources, Retries, RetryOn,
        ServiceId, TrafficPolicy, Version, VolumeClaim, Worker,
    };
    pub use kumiki_core::{
        EnvId, Environments, Label, LabelKey, LabelValue, Name, NodeGroup, PortName, PortNumber, aws_account_id,
        aws_region, environments, label, label_key, label_value, name, node_port, port, port_name, registry,
        repository, subdomain, tag,
    };
    pub use kumiki_crds::{Duration, duration};
    pub use kumiki_synth::{App, Object};
}

/// What the platform team declares: environments and the policy every workload gets, the
/// mesh and its gateways, egress, databases, the Argo CD tree and charts, node placement.
pub mod platform {
    /// The platform components (Istio, Argo CD, External Secrets, kube-prometheus-stack,
    /// Karpenter) as charts at the versions kumiki is tested with.
    pub use kumiki_constructs::components;
    pub use kumiki_constructs::{
        APPLICATION_HEALTH_KEY, APPLICATION_HEALTH_LUA, AutomatedSync, Boundary, ChartVersion, Database,
        DatabaseServer, DevCredentials, Egress, Environment, GatewayListener, GatewayProxy, GitOps, GroupKind,
        HelmChart, InClusterMySql, Kind, MYSQL_PORT, ManagedMySql, Mesh, Policy, Project, ProjectAccess, PullPolicy,
        RESOURCES_FINALIZER, REVISION_LABEL, Rollout, SERVICE_KINDS, SERVICE_KINDS_WITHOUT_MESH, SYNC_WAVE_ANNOTATION,
        Seccomp, SecurityPolicy, Team, VERSION_LABEL, argocd_rbac, external_secret, node_affinity, toleration,
    };
    pub use kumiki_core::{NODE_GROUP_LABEL, Taint};
    pub use kumiki_synth::{
        Authority, Exemption, Grant, MetricsScraper, PlatformFacts, ProvidedService, ReleaseLayout, Right,
    };
}

/// The rules synth checks, as values: each with a stable id, a summary and an explanation.
/// Every synth error names one (`[rule: <id>]`); the platform's [`Exemption`]s name them; a
/// platform adds its own as [`PlatformRule`]s over the same [`Index`] of the rendered release.
///
/// [`Exemption`]: kumiki_synth::Exemption
pub mod rules {
    pub use kumiki_constructs::rules::*;
    pub use kumiki_synth::rules::*;

    /// Every built-in rule (synthesis' and the constructs'), in id order.
    pub fn built_in() -> Vec<&'static Rule> {
        let mut all: Vec<&'static Rule> = SYNTH_RULES.iter().chain(CONSTRUCT_RULES).copied().collect();
        all.sort_by_key(|rule| rule.id);
        all
    }
}

/// Objects brought in from YAML (`kumiki import-yaml`): a kind with a Rust type read into it,
/// any other held as JSON.
pub mod import {
    pub use kumiki_synth::{Imported, typed};
}

/// Validated values: each type's only constructors check the value (literals at compile time
/// through the macros of the [`prelude`], others through `TryFrom`).
pub mod values {
    pub use kumiki_core::{
        AwsAccountId, AwsRegion, DevOnly, EnvId, Environments, FLOATING_TAGS, ImageDigest, ImageTag, Invalid,
        InvalidPort, Label, LabelKey, LabelValue, Name, NodeGroup, NodePort, PortName, PortNumber, RegistryHost,
        Repository, Rule, SourceLocation, Subdomain, Taint, UnknownEnv, Violation, find_env,
    };
}

/// The model: apps of typed objects, each remembered with the line that declared it.
pub mod model {
    pub use kumiki_synth::{App, Declared, Object, Owner, ProvidedService, ReleaseLayout, Reported, pod_template};
}

/// Checking and rendering an environment, and writing it (the only IO in the SDK).
pub mod synth {
    pub use kumiki_synth::{
        CLUSTER_SCOPE_MARKER, DeclaredCall, DeclaredNamespace, Edge, Layer, Model, Passage, PlatformFacts, Release,
        SynthError, SynthErrors, header, parallel, render_yaml, synthesize, write,
    };
}

/// The Microservice's probe typestate: `build()` exists once readiness and liveness are declared.
pub mod typestate {
    pub use kumiki_constructs::{
        HasLiveness, HasReadiness, LivenessDeclared, NoLiveness, NoReadiness, ReadinessDeclared,
    };
}

/// Image versions as data: each service's versions file, read into [`ImageVersions`] when
/// the model is built, edited one value at a time by tools (`set-image`, `promote`, bots), and
/// described by a JSON Schema for editors.
///
/// [`ImageVersions`]: kumiki_constructs::ImageVersions
pub mod images {
    pub use kumiki_constructs::{
        FileProblem, ImageVersion, ImageVersions, Pinned, Promotion, ReleasePolicy, SCHEMA_FILE_NAME, VersionPolicy,
        VersionsDocument, WrittenVersion, check_value, json_schema, set_version,
    };
}

/// What tests hold the SDK to (feature `test-hooks`): the reference renderings the emitter is
/// tested against, and the field paths the rules' views read and the scopes of the kinds
/// kumiki knows (held to the vendored CRDs).
#[cfg(feature = "test-hooks")]
pub mod test_hooks {
    pub use kumiki_synth::rules::{ViewPaths, known_scopes, view_paths};
    pub use kumiki_synth::{object_yaml_both_ways, render_yaml_fast_path_only, render_yaml_with_serde_saphyr};
}
