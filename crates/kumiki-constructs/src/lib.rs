//! kumiki constructs: the [`Microservice`] and the typed pieces it is made of.
//!
//! A construct is a plain value built with a few required arguments and `with_*` methods,
//! lowered to k8s-openapi objects in one pass when it is built. Joints that the seed
//! platform kept in sync by hand are typed here: a probe or a Service port takes a
//! [`PortRef`] that only a container's port declaration hands out; a Microservice without
//! readiness and liveness probes has no `build()`; node groups are platform constants.

mod argocd;
pub mod components;
mod database;
mod egress;
mod env_var;
mod environment;
mod external_secret;
mod gitops;
mod image;
mod image_versions;
mod mesh;
mod microservice;
mod placement;
mod policy;
mod port;
mod probe;
pub mod rules;
mod storage;

pub use argocd::{APPLICATION_HEALTH_KEY, APPLICATION_HEALTH_LUA, ProjectAccess, rbac as argocd_rbac};
pub use database::{Database, DatabaseServer, DevCredentials, InClusterMySql, MYSQL_PORT, ManagedMySql};
pub use egress::{Egress, ExternalHost};
pub use environment::Environment;
pub use external_secret::external_secret;
pub use gitops::{
    AutomatedSync, Boundary, ChartVersion, GitOps, GroupKind, HelmChart, Kind, Project, RESOURCES_FINALIZER,
    SERVICE_KINDS, SERVICE_KINDS_WITHOUT_MESH, SYNC_WAVE_ANNOTATION, Team,
};
pub use image::{Image, ImageVersion, Registry};
pub use image_versions::{
    FileProblem, ImageVersions, Pinned, Promotion, ReleasePolicy, SCHEMA_FILE_NAME, VersionPolicy, VersionsDocument,
    WrittenVersion, check_value, json_schema, set_version,
};
pub use mesh::{
    CircuitBreaker, GatewayListener, GatewayProxy, Listener, Mesh, REVISION_LABEL, Retries, RetryOn, TrafficPolicy,
    VERSION_LABEL,
};
pub use microservice::{
    Concurrency, Container, CronJob, DisruptionBudget, HasLiveness, HasReadiness, LivenessDeclared, Microservice,
    NoLiveness, NoReadiness, ReadinessDeclared, Version, Worker,
};
pub use placement::{node_affinity, toleration};
pub use policy::{Policy, PullPolicy, Resources, Rollout, Seccomp, SecurityPolicy};
pub use port::{PortRef, Protocol, ServiceId};
pub use probe::Probe;
pub use storage::VolumeClaim;
