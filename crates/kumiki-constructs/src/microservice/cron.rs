//! Lowering of a CronJob's workload: the CronJob whose Job template holds the pod template
//! every workload kind shares (so every pod-level guarantee holds for its pods too).

use k8s_openapi::api::batch::v1::{CronJob, CronJobSpec, JobSpec, JobTemplateSpec};
use k8s_openapi::api::core::v1::PodTemplateSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::context::Lowering;
use super::spec::CronSchedule;

/// Runs a failed pod gets before its Job is marked failed.
const BACKOFF_LIMIT: i32 = 2;

impl Lowering<'_> {
    /// The CronJob running `template` on `schedule`: a failed container restarts in its pod,
    /// the last three successful and the last failed Jobs are kept for inspection.
    pub(crate) fn cron_job(&self, mut template: PodTemplateSpec, schedule: &CronSchedule) -> CronJob {
        if let Some(pod) = template.spec.as_mut() {
            pod.restart_policy = Some("OnFailure".to_owned());
        }
        CronJob {
            metadata: self.metadata(self.name()),
            spec: Some(CronJobSpec {
                schedule: schedule.schedule.value.clone(),
                time_zone: schedule.time_zone.clone(),
                concurrency_policy: Some(schedule.concurrency.as_str().to_owned()),
                successful_jobs_history_limit: Some(3),
                failed_jobs_history_limit: Some(1),
                job_template: JobTemplateSpec {
                    metadata: Some(ObjectMeta {
                        labels: Some(self.labels()),
                        ..Default::default()
                    }),
                    spec: Some(JobSpec {
                        backoff_limit: Some(BACKOFF_LIMIT),
                        template,
                        ..Default::default()
                    }),
                },
                ..Default::default()
            }),
            ..Default::default()
        }
    }
}
