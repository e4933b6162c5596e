//! What the Microservice construct emits: each test builds one variant and reads the typed
//! objects it lowered to (the YAML of the happy path is covered by `release/` itself).

use kumiki::k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use kumiki::k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use kumiki::k8s_openapi::api::core::v1::{ConfigMap, Container as K8sContainer, PodSpec, Service};
use kumiki::k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use kumiki::k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kumiki::prelude::*;
use kumiki::prelude::{Microservice, PortRef, VolumeClaim};
use kumiki::typestate::{HasLiveness, HasReadiness};
use kumiki_tests::{find, has};
use platform::Env;

struct Store;
impl ServiceId for Store {
    const NAME: Name = name!("store");
}

/// A microservice with a gRPC and an HTTP port on its main container and an exec-probed sidecar.
fn store(
    env: Env,
) -> (
    Microservice<Store, HasReadiness, HasLiveness>,
    PortRef<Store>,
    PortRef<Store>,
) {
    let mut main = Container::<Store>::new(
        name!("main"),
        Image::new(Registry::DockerHub, repository!("acme/store"), tag!("2.1.0")),
    );
    let grpc = main.port(Protocol::Grpc, port_name!("api"), port!(9000));
    let http = main.port(Protocol::Http, port_name!("admin"), port!(8081));
    let sidecar = Container::<Store>::new(
        name!("agent"),
        Image::new(Registry::DockerHub, repository!("acme/agent"), tag!("0.3.0")),
    );
    let service = Microservice::<Store>::new(&platform::environment(env))
        .container(main)
        .container(sidecar)
        .readiness(Probe::grpc(&grpc))
        .readiness(Probe::exec(&name!("agent"), &["agent", "status"]))
        .liveness(Probe::http("/live", &http).with_period_seconds(20))
        .liveness(Probe::exec(&name!("agent"), &["agent", "alive"]))
        .startup(Probe::http("/started", &http).with_failure_threshold(30))
        .expose(port!(50010), &grpc);
    (service, grpc, http)
}

fn container<'a>(pod: &'a PodSpec, name: &str) -> &'a K8sContainer {
    pod.containers.iter().find(|c| c.name == name).unwrap()
}

#[test]
fn probes_attach_to_the_container_that_declared_their_port() {
    let (service, _, _) = store(Env::Prd);
    let app = service.build();
    let deployment = find::<Deployment>(&app, "store");
    let pod = deployment.spec.as_ref().unwrap().template.spec.as_ref().unwrap();

    let main = container(pod, "main");
    let readiness = main.readiness_probe.as_ref().unwrap();
    assert_eq!(readiness.grpc.as_ref().unwrap().port, 9000);
    let liveness = main.liveness_probe.as_ref().unwrap();
    let live = liveness.http_get.as_ref().unwrap();
    assert_eq!(
        (live.path.as_deref(), &live.port),
        (Some("/live"), &IntOrString::String("http-admin".into()))
    );
    assert_eq!(liveness.period_seconds, Some(20));
    let startup = main.startup_probe.as_ref().unwrap();
    assert_eq!(startup.http_get.as_ref().unwrap().path.as_deref(), Some("/started"));
    assert_eq!(startup.failure_threshold, Some(30));

    let agent = container(pod, "agent");
    let exec = agent.readiness_probe.as_ref().unwrap().exec.as_ref().unwrap();
    assert_eq!(
        exec.command.as_deref(),
        Some(&["agent".to_owned(), "status".to_owned()][..])
    );
    let alive = agent.liveness_probe.as_ref().unwrap().exec.as_ref().unwrap();
    assert_eq!(
        alive.command.as_deref(),
        Some(&["agent".to_owned(), "alive".to_owned()][..])
    );
    assert!(agent.startup_probe.is_none());
    assert!(kumiki::synth::synthesize(kumiki_tests::bare(Env::Prd, vec![app])).is_ok());
}

#[test]
fn ports_carry_the_protocol_prefix_and_app_protocol() {
    let (service, _, _) = store(Env::Prd);
    let app = service.build();
    let service = find::<Service>(&app, "store");
    let port = &service.spec.as_ref().unwrap().ports.as_ref().unwrap()[0];
    assert_eq!(port.name.as_deref(), Some("grpc-api"));
    assert_eq!(port.app_protocol.as_deref(), Some("grpc"));
    assert_eq!(port.port, 50010);
    assert_eq!(port.target_port, Some(IntOrString::String("grpc-api".into())));
}

#[test]
fn config_is_delivered_through_a_config_map_named_by_its_content() {
    let config_map_of = |value: &str| {
        let (service, _, _) = store(Env::Stg);
        let app = service
            .config("LOG_LEVEL", value)
            .config("REGION", "ap-northeast-1")
            .build();
        let config_map = app
            .objects()
            .iter()
            .find_map(|d| d.object.as_any().downcast_ref::<ConfigMap>())
            .expect("a ConfigMap")
            .clone();
        let deployment = find::<Deployment>(&app, "store");
        let pod = deployment.spec.as_ref().unwrap().template.spec.as_ref().unwrap();
        let sources: Vec<String> = pod
            .containers
            .iter()
            .map(|c| {
                c.env_from.as_ref().unwrap()[0]
                    .config_map_ref
                    .as_ref()
                    .unwrap()
                    .name
                    .clone()
            })
            .collect();
        (config_map, sources)
    };
    let (info, info_refs) = config_map_of("info");
    let (debug, debug_refs) = config_map_of("debug");
    let info_name = info.metadata.name.clone().unwrap();
    let debug_name = debug.metadata.name.clone().unwrap();

    assert!(info_name.starts_with("store-config-"), "{info_name}");
    assert_ne!(
        info_name, debug_name,
        "a changed setting must change the name, so pods roll"
    );
    assert_eq!(info_refs, vec![info_name.clone(), info_name.clone()]);
    assert_eq!(debug_refs, vec![debug_name.clone(), debug_name]);
    assert_eq!(info.data.unwrap()["LOG_LEVEL"], "info");
    assert_eq!(info.immutable, Some(true));
    assert_eq!(
        config_map_of("info").0.metadata.name.unwrap(),
        info_name,
        "the name is stable"
    );
}

#[test]
fn a_stateful_microservice_runs_a_stateful_set_with_its_headless_service() {
    let (service, _, _) = store(Env::Prd);
    let app = service
        .stateful(VolumeClaim::new(name!("data"), "/var/lib/store", 5).with_storage_class(name!("gp3")))
        .autoscale(2, 4, 80)
        .build();
    assert!(!has::<Deployment>(&app));

    let stateful_set = find::<StatefulSet>(&app, "store");
    let spec = stateful_set.spec.as_ref().unwrap();
    assert_eq!(spec.service_name.as_deref(), Some("store-headless"));
    assert_eq!(spec.replicas, None, "the autoscaler owns the replica count");
    let claim = &spec.volume_claim_templates.as_ref().unwrap()[0];
    let claim_spec = claim.spec.as_ref().unwrap();
    assert_eq!(claim.metadata.name.as_deref(), Some("data"));
    assert_eq!(claim_spec.storage_class_name.as_deref(), Some("gp3"));
    assert_eq!(
        claim_spec.access_modes.as_deref(),
        Some(&["ReadWriteOnce".to_owned()][..])
    );
    assert_eq!(
        claim_spec.resources.as_ref().unwrap().requests.as_ref().unwrap()["storage"],
        Quantity("5Gi".into())
    );
    let pod = spec.template.spec.as_ref().unwrap();
    let mounts = |name: &str| -> Vec<(String, String)> {
        let mounts = container(pod, name).volume_mounts.iter().flatten();
        mounts.map(|m| (m.name.clone(), m.mount_path.clone())).collect()
    };
    assert!(mounts("main").contains(&("data".into(), "/var/lib/store".into())));
    assert!(
        !mounts("agent").iter().any(|(name, _)| name == "data"),
        "only the main container mounts it"
    );
    assert_eq!(pod.security_context.as_ref().unwrap().fs_group, Some(10001));

    let headless = find::<Service>(&app, "store-headless").spec.as_ref().unwrap();
    assert_eq!(headless.cluster_ip.as_deref(), Some("None"));
    let ports: Vec<(Option<&str>, i32)> = (headless.ports.iter().flatten())
        .map(|p| (p.name.as_deref(), p.port))
        .collect();
    assert_eq!(ports, vec![(Some("grpc-api"), 9000), (Some("http-admin"), 8081)]);

    let autoscaler = find::<HorizontalPodAutoscaler>(&app, "store");
    assert_eq!(autoscaler.spec.as_ref().unwrap().scale_target_ref.kind, "StatefulSet");
    assert!(
        find::<Service>(&app, "store")
            .spec
            .as_ref()
            .unwrap()
            .cluster_ip
            .is_none()
    );

    let release = kumiki::synth::synthesize(kumiki_tests::bare(Env::Prd, vec![app])).unwrap();
    assert!(release.files.contains_key("store/services.statefulset.store.yaml"));
    assert!(release.files.contains_key("store/services.service.store-headless.yaml"));
}
