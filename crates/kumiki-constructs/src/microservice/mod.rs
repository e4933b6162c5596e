//! The Microservice construct: one workload with its Service, ServiceAccount, disruption
//! budget, optional autoscaler, network policy, mesh routing and configuration.
//!
//! Only the builders (`builder`, `container`) are generic over the service marker; they
//! record what a service declares, and where, into a `spec`. Validation (`validate`) and
//! lowering (`lower`, by concern: `workload`, `service`, `access`, `scaling`, `database`)
//! read that spec and are compiled once, in the SDK, however many services use them.

mod access;
mod builder;
mod container;
mod context;
mod database;
mod lower;
mod metrics;
mod scaling;
mod service;
mod spec;
mod validate;
mod workload;

pub use builder::{
    HasLiveness, HasReadiness, LivenessDeclared, Microservice, NoLiveness, NoReadiness, ReadinessDeclared,
};
pub use container::Container;
pub use spec::{DisruptionBudget, Version};
