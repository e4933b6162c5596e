//! The CronJob builder: pods that run to completion on a schedule (a report, a cleanup).
//! Its pods are the Microservice's (one pod template lowering), so every pod-level guarantee
//! holds for them; as they do not run until stopped, they need no probes.

use std::marker::PhantomData;

use k8s_openapi::api::batch::v1::CronJob as K8sCronJob;
use kumiki_core::SourceLocation;
use kumiki_synth::App;

use crate::environment::Environment;
use crate::port::ServiceId;

use super::declarations::pod_declarations;
use super::lower::lower;
use super::spec::{Concurrency, CronSchedule, MicroserviceSpec, Patch, WorkloadKind};
use super::typestate::at;

/// A scheduled job of service `S`, lowered by [`CronJob::build`] into an [`App`] named
/// `S::NAME` holding a Kubernetes CronJob (a failed container restarts in its pod, two retries,
/// runs never overlap unless [`CronJob::concurrency`] says so), a ServiceAccount, a
/// NetworkPolicy that admits no ingress and its ConfigMaps.
///
/// ```
/// # use kumiki_constructs::*;
/// # use kumiki_core::{name, repository, tag};
/// # struct Report;
/// # impl ServiceId for Report { const NAME: kumiki_core::Name = name!("report"); }
/// # fn build(environment: &Environment) -> kumiki_synth::App {
/// let nightly = Container::<Report>::new(name!("report"), Image::new(Registry::DockerHub, repository!("acme/report"), tag!("2.1.0")));
/// CronJob::<Report>::new(environment, "30 2 * * *").container(nightly).build()
/// # }
/// ```
pub struct CronJob<S: ServiceId> {
    spec: MicroserviceSpec,
    _marker: PhantomData<S>,
}

impl<S: ServiceId> CronJob<S> {
    /// A job of `S` in `environment`, run on `schedule` (a cron expression of five fields:
    /// minute, hour, day of month, month, day of week; checked at synth time).
    #[track_caller]
    pub fn new(environment: &Environment, schedule: &str) -> Self {
        let declared_at = SourceLocation::caller();
        let mut spec = MicroserviceSpec::new(S::NAME, environment, declared_at);
        spec.kind = WorkloadKind::CronJob(CronSchedule {
            schedule: super::spec::At {
                value: schedule.to_owned(),
                at: declared_at,
            },
            time_zone: None,
            concurrency: Concurrency::Forbid,
        });
        CronJob {
            spec,
            _marker: PhantomData,
        }
    }

    pod_declarations!();

    /// Whether a run may start while the previous one still runs (default: it is skipped).
    pub fn concurrency(mut self, concurrency: Concurrency) -> Self {
        if let WorkloadKind::CronJob(schedule) = &mut self.spec.kind {
            schedule.concurrency = concurrency;
        }
        self
    }

    /// Reads the schedule in `time_zone` (an IANA name, `Europe/Berlin`) instead of the
    /// cluster's.
    pub fn time_zone(mut self, time_zone: &str) -> Self {
        if let WorkloadKind::CronJob(schedule) = &mut self.spec.kind {
            schedule.time_zone = Some(time_zone.to_owned());
        }
        self
    }

    /// Escape hatch: edits the lowered CronJob. Runs before synth-time checks, so the patched
    /// object is still validated, and its errors point at this call.
    #[track_caller]
    pub fn patch_cron_job(mut self, patch: impl Fn(&mut K8sCronJob) + 'static) -> Self {
        self.spec.patches.push(at(Patch::CronJob(Box::new(patch))));
        self
    }

    /// Lowers the job into its app.
    pub fn build(self) -> App {
        lower(self.spec)
    }
}
