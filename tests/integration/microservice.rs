//! Synth-time rules of the Microservice construct and of the cross-object checks: each test
//! breaks one rule and asserts the message and the source location it names.

use kumiki::k8s_openapi::api::apps::v1::{StatefulSet, StatefulSetSpec};
use kumiki::k8s_openapi::api::core::v1::{Service, ServicePort, ServiceSpec};
use kumiki::k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use kumiki::k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kumiki::prelude::*;
use kumiki::prelude::{Microservice, PortRef};
use kumiki_tests::{bare, errors};
use platform::Env;

struct Shop;
impl ServiceId for Shop {
    const NAME: Name = name!("shop");
}

fn image() -> Image {
    Image::new(Registry::DockerHub, repository!("acme/shop"), tag!("1.0.0"))
}

/// A valid microservice and its HTTP port; each test changes one thing.
#[track_caller]
fn shop(
    env: Env,
    image: Image,
) -> (
    Microservice<Shop, kumiki::typestate::HasReadiness, kumiki::typestate::HasLiveness>,
    PortRef<Shop>,
    u32,
) {
    let line = std::panic::Location::caller().line();
    let mut web = Container::<Shop>::new(name!("web"), image);
    let http = web.port(Protocol::Http, port_name!("web"), port!(8080));
    let service = Microservice::<Shop>::new(&platform::environment(env))
        .container(web)
        .readiness(Probe::http("/ready", &http))
        .liveness(Probe::tcp(&http))
        .expose(port!(80), &http);
    (service, http, line)
}

/// `app` in `env` has exactly the one error `expect`, at `line` of this file.
fn check(env: Env, app: App, line: u32, expect: &str) {
    assert_eq!(
        errors(bare(env, vec![app])),
        vec![format!("{}:{line}: {env}/shop: {expect}", file!())]
    );
}

#[test]
fn the_valid_microservice_synthesizes_in_every_environment() {
    for env in Env::ALL {
        let (service, _, _) = shop(env, image());
        let release = kumiki::synth::synthesize(bare(env, vec![service.build()])).unwrap();
        // Workload, ServiceAccount, Service, its routes, the disruption budget, the
        // NetworkPolicy and the AuthorizationPolicy that admits nobody yet.
        assert_eq!(release.files.len(), 8, "{:?}", release.files.keys());
    }
}

#[test]
fn a_floating_image_is_refused_outside_dev() {
    let latest = || Image::latest(Registry::DockerHub, repository!("acme/shop"));
    assert!(kumiki::synth::synthesize(bare(Env::Dev, vec![shop(Env::Dev, latest()).0.build()])).is_ok());
    let (service, _, line) = shop(Env::Prd, latest());
    check(
        Env::Prd,
        service.build(),
        line,
        "Deployment services/shop: container \"web\": image \"docker.io/acme/shop:latest\" is not pinned: prd needs a \
         tag that is not floating (`latest`, `main`, ...), or a digest [rule: pod.image]",
    );
}

#[test]
fn a_local_image_is_refused_outside_dev() {
    let local = Image::new(Registry::Local, repository!("shop"), tag!("dev-1"));
    let (service, _, line) = shop(Env::Stg, local);
    check(
        Env::Stg,
        service.build(),
        line,
        "container \"web\": image shop:dev-1 comes from the local registry, which only dev has [rule: microservice.containers]",
    );
}

#[test]
fn a_node_group_the_environment_lacks_is_an_error() {
    let (service, _, _) = shop(Env::Dev, image());
    let line = line!() + 1;
    let app = service.pin_to(&platform::node_groups::INGRESS).build();
    check(
        Env::Dev,
        app,
        line,
        "is pinned to node group \"ingress\", which dev does not have [rule: microservice.placement]",
    );
}

#[test]
fn pinning_emits_the_affinity_and_the_toleration() {
    let (service, _, _) = shop(Env::Prd, image());
    let release = kumiki::synth::synthesize(bare(
        Env::Prd,
        vec![service.pin_to(&platform::node_groups::INGRESS).build()],
    ))
    .unwrap();
    let deployment = &release.files["shop/services.deployment.shop.yaml"];
    assert!(deployment.contains("- key: node.kubernetes.io/nodegroup\n                operator: In\n                values:\n                - ingress"), "{deployment}");
    assert!(deployment.contains("tolerations:\n      - effect: NoSchedule\n        key: node.kubernetes.io/nodegroup\n        operator: Equal\n        value: ingress"), "{deployment}");
}

#[test]
fn autoscale_bounds_must_be_ordered() {
    let (service, _, _) = shop(Env::Prd, image());
    let line = line!() + 1;
    let app = service.autoscale(5, 2, 70).build();
    check(
        Env::Prd,
        app,
        line,
        "HorizontalPodAutoscaler services/shop: minReplicas 5 exceeds maxReplicas 2 [rule: workload.autoscaler]",
    );
    let (service, _, _) = shop(Env::Prd, image());
    let line = line!() + 1;
    let app = service.autoscale(0, 2, 70).build();
    check(
        Env::Prd,
        app,
        line,
        "autoscale minimum is 0; an autoscaler keeps at least one replica [rule: microservice.scaling]",
    );
}

#[test]
fn an_autoscaled_deployment_has_no_fixed_replicas() {
    let (service, _, _) = shop(Env::Prd, image());
    let line = line!() + 1;
    let app = service.replicas(3).autoscale(2, 4, 70).build();
    check(
        Env::Prd,
        app,
        line,
        "sets both fixed replicas and autoscale; an autoscaled workload has no fixed replicas [rule: microservice.scaling]",
    );
    let (service, _, _) = shop(Env::Prd, image());
    let release = kumiki::synth::synthesize(bare(Env::Prd, vec![service.autoscale(2, 4, 70).build()])).unwrap();
    assert!(!release.files["shop/services.deployment.shop.yaml"].contains("replicas:"));
}

#[test]
fn a_disruption_budget_must_leave_room_to_evict() {
    let (service, _, _) = shop(Env::Prd, image());
    let line = line!() + 1;
    let app = service.replicas(2).disruption_budget(DisruptionBudget::MinAvailable(2));
    check(
        Env::Prd,
        app.build(),
        line,
        "PodDisruptionBudget services/shop: minAvailable 2 is not below the 2 replicas of Deployment services/shop: no pod could ever be evicted [rule: workload.disruption-budget]",
    );
    // Autoscaled, the Deployment has no replicas to compare with: the construct checks the minimum.
    let (service, _, _) = shop(Env::Prd, image());
    let line = line!() + 3;
    let app = service
        .autoscale(2, 4, 70)
        .disruption_budget(DisruptionBudget::MinAvailable(2))
        .build();
    check(
        Env::Prd,
        app,
        line,
        "disruption budget minAvailable 2 is not below the 2 replica(s): no pod could ever be evicted [rule: microservice.scaling]",
    );
}

#[test]
fn container_and_port_names_are_unique() {
    let (service, _, line) = shop(Env::Prd, image());
    let mut twin = Container::<Shop>::new(name!("web"), image());
    let port_line = line!() + 1;
    let _ = twin.port(Protocol::Http, port_name!("web"), port!(8080));
    assert_eq!(
        errors(bare(Env::Prd, vec![service.container(twin).build()])),
        vec![
            format!(
                "{}:{line}: prd/shop: Deployment services/shop: container \"web\" is declared twice [rule: pod.names]",
                file!()
            ),
            format!(
                "{}:{line}: prd/shop: Deployment services/shop: port name \"http-web\" is declared twice [rule: pod.names]",
                file!()
            ),
            format!(
                "{}:{port_line}: prd/shop: port 8080 is declared twice [rule: microservice.containers]",
                file!()
            ),
        ]
    );
}

#[test]
fn a_port_of_a_container_that_was_not_added_is_an_error() {
    let (service, _, line) = shop(Env::Prd, image());
    let mut sidecar = Container::<Shop>::new(name!("sidecar"), image());
    let metrics = sidecar.port(Protocol::Http, port_name!("metrics"), port!(9090));
    let expose_line = line!() + 2;
    assert_eq!(
        errors(bare(Env::Prd, vec![service.expose(port!(9090), &metrics).build()])),
        vec![
            format!(
                "{}:{line}: prd/shop: Service services/shop: targetPort \"http-metrics\" is not a container port of the selected pods [rule: service.selector]",
                file!()
            ),
            format!(
                "{}:{expose_line}: prd/shop: refers to a port or probe of container \"sidecar\", which was not added with `.container(..)` [rule: microservice.containers]",
                file!()
            ),
        ]
    );
}

#[test]
fn a_probe_of_a_container_that_was_not_added_points_at_the_probe() {
    let (service, _, _) = shop(Env::Prd, image());
    let line = line!() + 1;
    let probe = Probe::exec(&name!("sidecar"), &["true"]);
    check(
        Env::Prd,
        service.startup(probe).build(),
        line,
        "refers to a port or probe of container \"sidecar\", which was not added with `.container(..)` [rule: microservice.containers]",
    );
}

#[test]
fn the_patched_deployment_is_still_checked() {
    let (service, _, _) = shop(Env::Prd, image());
    // Errors point at the patch; the Service and the budget that no longer select the pods
    // are consequences of the broken Deployment, reported with it rather than on their own.
    let line = line!() + 2;
    let app = service
        .patch_deployment(|d| {
            let pod = d.spec.as_mut().unwrap().template.spec.as_mut().unwrap();
            pod.containers[0].volume_mounts.as_mut().unwrap()[0].name = "cache".to_owned();
            let resources = pod.containers[0].resources.as_mut().unwrap();
            resources.requests.as_mut().unwrap().insert(
                "memory".into(),
                kumiki::k8s_openapi::apimachinery::pkg::api::resource::Quantity("1Gi".into()),
            );
            d.spec
                .as_mut()
                .unwrap()
                .template
                .metadata
                .as_mut()
                .unwrap()
                .labels
                .as_mut()
                .unwrap()
                .remove("app.kubernetes.io/name");
        })
        .build();
    assert_eq!(
        errors(bare(Env::Prd, vec![app])),
        vec![
            format!(
                "{}:{line}: prd/shop: Deployment services/shop: container \"web\" mounts volume \"cache\", which the pod does not declare [rule: pod.names]",
                file!()
            ),
            format!(
                "{}:{line}: prd/shop: Deployment services/shop: container \"web\": memory request 1Gi exceeds its limit 128Mi [rule: pod.requests]",
                file!()
            ),
            format!(
                "{}:{line}: prd/shop: Deployment services/shop: selector {{\"app.kubernetes.io/name\": \"shop\"}} does not match its own pod template labels [rule: workload.selector]",
                file!()
            ),
        ]
    );
}

#[test]
fn a_service_target_port_must_exist_on_the_pods() {
    let (service, _, _) = shop(Env::Prd, image());
    let mut app = service.build();
    let selector = [("app.kubernetes.io/name".to_owned(), "shop".to_owned())].into();
    let line = line!() + 1;
    app.add(Service {
        metadata: ObjectMeta {
            name: Some("shop-admin".into()),
            namespace: Some("services".into()),
            ..Default::default()
        },
        spec: Some(ServiceSpec {
            selector: Some(selector),
            ports: Some(vec![ServicePort {
                port: 81,
                target_port: Some(IntOrString::String("http-admin".into())),
                ..Default::default()
            }]),
            ..Default::default()
        }),
        ..Default::default()
    });
    check(
        Env::Prd,
        app,
        line,
        "Service services/shop-admin: targetPort \"http-admin\" is not a container port of the selected pods [rule: service.selector]",
    );
}

#[test]
fn a_stateful_set_must_name_a_headless_service() {
    let (service, _, _) = shop(Env::Dev, image());
    let mut app = service.build();
    let labels: std::collections::BTreeMap<String, String> =
        [("app.kubernetes.io/name".to_owned(), "db".to_owned())].into();
    let line = line!() + 1;
    app.add(StatefulSet {
        metadata: ObjectMeta {
            name: Some("db".into()),
            namespace: Some("services".into()),
            ..Default::default()
        },
        spec: Some(StatefulSetSpec {
            // The seed's account database named the app's Service here.
            service_name: Some("shop".into()),
            selector: LabelSelector {
                match_labels: Some(labels.clone()),
                ..Default::default()
            },
            template: kumiki::k8s_openapi::api::core::v1::PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(labels),
                    ..Default::default()
                }),
                // Its pods run as the shop's own ServiceAccount: only the Service is missing.
                spec: Some(kumiki::k8s_openapi::api::core::v1::PodSpec {
                    service_account_name: Some("shop".into()),
                    ..Default::default()
                }),
            },
            ..Default::default()
        }),
        ..Default::default()
    });
    check(
        Env::Dev,
        app,
        line,
        "StatefulSet services/db: serviceName \"shop\" names no headless Service (clusterIP: None) in services [rule: workload.headless-service]",
    );
}

#[test]
fn a_patch_must_match_the_workload_kind() {
    let (service, _, _) = shop(Env::Dev, image());
    let line = line!() + 3;
    let app = service
        .stateful(kumiki::prelude::VolumeClaim::new(name!("data"), "/data", 1))
        .patch_deployment(|d| d.spec.as_mut().unwrap().min_ready_seconds = Some(5))
        .build();
    check(
        Env::Dev,
        app,
        line,
        "patches a Deployment, but a stateful Microservice runs a StatefulSet: use `.patch_stateful_set(..)` [rule: microservice.rollout]",
    );

    let (service, _, _) = shop(Env::Dev, image());
    let line = line!() + 2;
    let app = service
        .patch_stateful_set(|s| s.spec.as_mut().unwrap().min_ready_seconds = Some(5))
        .build();
    check(
        Env::Dev,
        app,
        line,
        "patches a StatefulSet, but this Microservice runs a Deployment: use `.patch_deployment(..)` [rule: microservice.rollout]",
    );
}

#[test]
fn the_patched_stateful_set_is_still_checked() {
    let (service, _, _) = shop(Env::Dev, image());
    let line = line!() + 3;
    let app = service
        .stateful(kumiki::prelude::VolumeClaim::new(name!("data"), "/data", 1))
        .patch_stateful_set(|s| s.spec.as_mut().unwrap().service_name = Some("shop".to_owned()))
        .build();
    check(
        Env::Dev,
        app,
        line,
        "StatefulSet services/shop: serviceName \"shop\" names no headless Service (clusterIP: None) in services [rule: workload.headless-service]",
    );
}

#[test]
fn config_files_are_mounted_read_only_from_a_content_hashed_config_map() {
    use kumiki::k8s_openapi::api::apps::v1::Deployment;
    use kumiki::k8s_openapi::api::core::v1::ConfigMap;
    let build = |level: &str| {
        let (service, _, _) = shop(Env::Prd, image());
        service
            .config_file("/etc/shop", "settings.toml", &format!("level = \"{level}\"\n"))
            .config_file("/etc/shop", "banner.txt", "welcome\n")
            .build()
    };
    let app = build("info");
    let map: &ConfigMap = (app.objects().iter())
        .find_map(|declared| declared.object.as_any().downcast_ref::<ConfigMap>())
        .expect("a ConfigMap of the files");
    let name = map.metadata.name.clone().unwrap();
    assert!(name.starts_with("shop-files-"), "{name}");
    assert_eq!(map.immutable, Some(true));
    assert_eq!(map.data.as_ref().unwrap()["settings.toml"], "level = \"info\"\n");
    let pod = kumiki_tests::find::<Deployment>(&app, "shop")
        .spec
        .as_ref()
        .unwrap()
        .template
        .spec
        .clone()
        .unwrap();
    let volume = (pod.volumes.iter().flatten())
        .find(|volume| volume.name == "config-files")
        .unwrap();
    assert_eq!(volume.config_map.as_ref().unwrap().name, name);
    let mount = (pod.containers[0].volume_mounts.iter().flatten())
        .find(|mount| mount.name == "config-files")
        .unwrap();
    assert_eq!((mount.mount_path.as_str(), mount.read_only), ("/etc/shop", Some(true)));
    // Other contents, another name: the pods roll.
    let other_app = build("debug");
    let other: &ConfigMap = (other_app.objects().iter())
        .find_map(|declared| declared.object.as_any().downcast_ref::<ConfigMap>())
        .unwrap();
    assert_ne!(other.metadata.name.as_deref(), Some(name.as_str()));
    assert!(kumiki::synth::synthesize(bare(Env::Prd, vec![app])).is_ok());
}

#[test]
fn config_files_go_in_one_absolute_directory() {
    let (service, _, _) = shop(Env::Prd, image());
    let first = line!() + 1;
    let service = service.config_file("etc/shop", "a.toml", "a = 1\n");
    let second = line!() + 1;
    let app = service.config_file("/etc/other", "b.toml", "b = 2\n").build();
    let problems: Vec<String> = (app.problems().iter())
        .map(|problem| format!("{}: {} [rule: {}]", problem.location, problem.message, problem.rule.id))
        .collect();
    assert_eq!(
        problems,
        [
            format!(
                "{}:{first}: config file directory \"etc/shop\" is not an absolute path [rule: microservice.config-files]",
                file!()
            ),
            format!(
                "{}:{second}: config files go in one directory: \"/etc/other\" differs from \"etc/shop\", declared first [rule: microservice.config-files]",
                file!()
            ),
        ]
    );
}

#[test]
fn the_settings_config_map_points_at_the_config_call() {
    use kumiki::k8s_openapi::api::core::v1::ConfigMap;
    let (service, _, _) = shop(Env::Prd, image());
    let line = line!() + 1;
    let app = service.config("LEVEL", "info").build();
    let declared = (app.objects().iter())
        .find(|declared| declared.object.as_any().downcast_ref::<ConfigMap>().is_some())
        .unwrap();
    assert_eq!(declared.location.to_string(), format!("{}:{line}", file!()));
}
