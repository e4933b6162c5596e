//! Worker and CronJob: workloads without a Service, whose pods come from the Microservice's
//! one pod template lowering, so the same pod rules hold for them by construction and catch
//! what their escape hatches break.

use kumiki::k8s_openapi::api::apps::v1::Deployment;
use kumiki::k8s_openapi::api::batch::v1::CronJob as K8sCronJob;
use kumiki::k8s_openapi::api::core::v1::{PodSpec, Service};
use kumiki::prelude::*;
use kumiki_tests::{errors, find, has, on_platform};
use platform::Env;

struct Mailer;
impl ServiceId for Mailer {
    const NAME: Name = name!("mailer");
}

fn mailer_image() -> Image {
    Image::new(Registry::DockerHub, repository!("acme/mailer"), tag!("3.2.0"))
}

/// A queue consumer: no port but its health endpoint, probes on it.
fn worker(env: Env) -> Worker<Mailer, kumiki::typestate::HasReadiness, kumiki::typestate::HasLiveness> {
    let mut main = Container::<Mailer>::new(name!("mailer"), mailer_image());
    let health = main.port(Protocol::Http, port_name!("health"), port!(8081));
    Worker::<Mailer>::new(&platform::environment(env))
        .container(main)
        .readiness(Probe::http("/ready", &health))
        .liveness(Probe::tcp(&health))
        .config("QUEUE", "mail")
        .pin_to(&platform::node_groups::APP)
}

/// The pod spec of the Microservice the same containers make: what the Worker's must equal.
fn microservice_pod(env: Env) -> PodSpec {
    let mut main = Container::<Mailer>::new(name!("mailer"), mailer_image());
    let health = main.port(Protocol::Http, port_name!("health"), port!(8081));
    let app = Microservice::<Mailer>::new(&platform::environment(env))
        .container(main)
        .readiness(Probe::http("/ready", &health))
        .liveness(Probe::tcp(&health))
        .config("QUEUE", "mail")
        .pin_to(&platform::node_groups::APP)
        .build();
    let deployment = find::<Deployment>(&app, "mailer");
    deployment.spec.clone().unwrap().template.spec.unwrap()
}

#[test]
fn a_worker_runs_the_microservices_pods_without_a_service_and_synthesizes() {
    for env in Env::ALL {
        let app = worker(env).build();
        let deployment = find::<Deployment>(&app, "mailer");
        let pod = deployment.spec.clone().unwrap().template.spec.unwrap();
        assert_eq!(
            serde_json::to_value(&pod).unwrap(),
            serde_json::to_value(microservice_pod(env)).unwrap()
        );
        assert!(!has::<Service>(&app), "a worker has no Service");
        let kinds: Vec<&str> = app.objects().iter().map(|declared| declared.object.kind()).collect();
        assert!(
            !kinds
                .iter()
                .any(|kind| ["VirtualService", "DestinationRule", "Gateway"].contains(kind)),
            "{kinds:?}"
        );
        assert_eq!(errors(on_platform(env, vec![app])), Vec::<String>::new(), "{env}");
    }
}

#[test]
fn a_worker_patched_out_of_the_pod_rules_is_reported_at_the_patch() {
    let worker = worker(Env::Prd);
    let line = line!() + 1;
    let app = worker.patch_deployment(|deployment| {
        let pod = deployment.spec.as_mut().unwrap().template.spec.as_mut().unwrap();
        pod.containers[0].security_context.as_mut().unwrap().privileged = Some(true);
    });
    assert_eq!(
        errors(on_platform(Env::Prd, vec![app.build()])),
        [format!(
            "{}:{line}: prd/mailer: Deployment services/mailer: container \"mailer\": runs privileged [rule: pod.privileged]",
            file!()
        )]
    );
}

/// A nightly report run as a CronJob (its errors point at the caller).
#[track_caller]
fn report(env: Env, schedule: &str) -> CronJob<Mailer> {
    CronJob::<Mailer>::new(&platform::environment(env), schedule)
        .container(Container::<Mailer>::new(name!("mailer"), mailer_image()))
        .config("QUEUE", "mail")
        .pin_to(&platform::node_groups::APP)
}

#[test]
fn a_cron_job_runs_the_same_pods_to_completion_on_its_schedule_without_probes() {
    for env in Env::ALL {
        let app = report(env, "30 2 * * *").build();
        let cron_job = find::<K8sCronJob>(&app, "mailer");
        let spec = cron_job.spec.clone().unwrap();
        assert_eq!(spec.schedule, "30 2 * * *");
        assert_eq!(spec.concurrency_policy.as_deref(), Some("Forbid"));
        let mut pod = spec.job_template.spec.unwrap().template.spec.unwrap();
        assert_eq!(pod.restart_policy.as_deref(), Some("OnFailure"));
        // The Microservice's pod, but for the restart policy and the probes it does not need.
        pod.restart_policy = None;
        let mut expected = microservice_pod(env);
        for container in &mut expected.containers {
            (container.readiness_probe, container.liveness_probe, container.ports) = (None, None, None);
        }
        assert_eq!(
            serde_json::to_value(&pod).unwrap(),
            serde_json::to_value(&expected).unwrap()
        );
        assert!(!has::<Deployment>(&app) && !has::<Service>(&app));
        assert_eq!(errors(on_platform(env, vec![app])), Vec::<String>::new(), "{env}");
    }
}

#[test]
fn a_cron_job_patched_out_of_the_pod_rules_is_reported_at_the_patch() {
    let job = report(Env::Prd, "@daily");
    let line = line!() + 1;
    let app = job.patch_cron_job(|cron_job| {
        let job = cron_job.spec.as_mut().unwrap().job_template.spec.as_mut().unwrap();
        job.template.spec.as_mut().unwrap().host_network = Some(true);
    });
    assert_eq!(
        errors(on_platform(Env::Prd, vec![app.build()])),
        [format!(
            "{}:{line}: prd/mailer: CronJob services/mailer: shares the node's network namespace [rule: pod.host-namespaces]",
            file!()
        )]
    );
}

#[test]
fn a_schedule_that_is_not_a_cron_expression_is_an_error_at_the_job() {
    let line = line!() + 1;
    let hourly = report(Env::Dev, "0 * * *").build();
    let line_minute = line!() + 1;
    let minute = report(Env::Dev, "61 * * * *").build();
    let problems = |app: &App| -> Vec<String> {
        (app.problems().iter())
            .map(|problem| format!("{}: {} [rule: {}]", problem.location, problem.message, problem.rule.id))
            .collect()
    };
    assert_eq!(
        problems(&hourly),
        [format!(
            "{}:{line}: schedule \"0 * * *\" has 4 fields; a cron expression has 5 (minute hour day-of-month month \
             day-of-week) [rule: cron-job.schedule]",
            file!()
        )]
    );
    assert_eq!(
        problems(&minute),
        [format!(
            "{}:{line_minute}: schedule \"61 * * * *\" minute \"61\" is not 0-59, `*`, a range, a list or a step \
             [rule: cron-job.schedule]",
            file!()
        )]
    );
}
