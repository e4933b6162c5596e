//! The workload constructs: the Microservice (one workload with its Service, ServiceAccount,
//! disruption budget, optional autoscaler, network policy, mesh routing and configuration),
//! the Worker (the same without a Service: a queue consumer) and the CronJob (pods run to
//! completion on a schedule).
//!
//! Only the builders (`builder`, `worker`, `cron_job`, `container`, with what they share in
//! `declarations`) are generic over the service marker; they record what a service declares,
//! and where, into one `spec`. Validation (`validate`) and lowering (`lower`, by concern: one
//! pod template for every kind in `workload`, then `cron`, `service`, `routing`, `access`,
//! `scaling`, `database`) read that spec and are compiled once, in the SDK, however many
//! services use them.

mod access;
mod builder;
mod container;
mod context;
mod cron;
mod cron_job;
mod database;
mod declarations;
mod lower;
mod metrics;
mod routing;
mod scaling;
mod service;
pub(crate) mod spec;
pub(crate) mod typestate;
mod validate;
mod worker;
mod workload;

pub use builder::{
    HasLiveness, HasReadiness, LivenessDeclared, Microservice, NoLiveness, NoReadiness, ReadinessDeclared,
};
pub use container::Container;
pub use cron_job::CronJob;
pub use spec::{Concurrency, DisruptionBudget, Version};
pub use worker::Worker;
