//! Values the schema lets through but the API server refuses, Kubernetes merges, the kubelet
//! misplaces or Envoy does not parse, refused at synth through a patch, a raw object and a type
//! of the service's own; valid inputs that look odd (an OCI tag that is no label value) pass.

use kumiki::k8s_openapi::api::core::v1::{
    ConfigMap, EnvVar, HTTPGetAction, PersistentVolumeClaim, PersistentVolumeClaimSpec, Probe as K8sProbe, Secret,
    VolumeMount, VolumeResourceRequirements,
};
use kumiki::k8s_openapi::api::networking::v1::{
    NetworkPolicy, NetworkPolicyIngressRule, NetworkPolicyPeer, NetworkPolicySpec,
};
use kumiki::k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use kumiki::k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use kumiki::k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kumiki::prelude::*;
use kumiki_tests::{meta, plain_kind, with_intruder};
use platform::Env;
use serde_json::json;

/// The errors among `errors` that end with `tag` (`[rule: <id>]`).
fn of_rule<'e>(errors: &'e [String], tag: &str) -> Vec<&'e str> {
    errors
        .iter()
        .map(String::as_str)
        .filter(|error| error.ends_with(tag))
        .collect()
}

/// `message` at `line` of this file, for `object` of the intruder in prd, then `tag`.
fn at(line: u32, object: &str, message: &str, tag: &str) -> String {
    format!("{}:{line}: prd/intruder: {object}: {message} {tag}", file!())
}

/// The errors of the reference platform with the intruder's objects, and the line `add`
/// returns.
fn intruder(add: impl FnOnce(&mut App) -> u32) -> (Vec<String>, u32) {
    with_intruder(Env::Prd, add)
}

/// The intruder as a Microservice whose Deployment `patch` changes, and the line of the patch.
#[track_caller]
fn patched(app: &mut App, patch: impl Fn(&mut kumiki::k8s_openapi::api::core::v1::PodSpec) + 'static) {
    let service = kumiki_tests::shop(Env::Prd).named(name!("intruder"));
    let service = service.patch_deployment(move |deployment| {
        patch(deployment.spec.as_mut().unwrap().template.spec.as_mut().unwrap());
    });
    app.absorb(service.build());
}

#[test]
fn counts_probe_timings_and_probe_ports_are_refused_outside_their_ranges() {
    let (errors, line) = intruder(|app| {
        let line = line!() + 1;
        patched(app, |pod| {
            pod.termination_grace_period_seconds = Some(-1);
            let web = &mut pod.containers[0];
            web.liveness_probe = Some(K8sProbe {
                http_get: Some(HTTPGetAction {
                    port: IntOrString::String("admin".to_owned()),
                    ..Default::default()
                }),
                period_seconds: Some(0),
                success_threshold: Some(2),
                ..Default::default()
            });
        });
        line
    });
    let deployment = "Deployment services/intruder";
    assert_eq!(
        of_rule(&errors, "[rule: value.count]"),
        [
            at(
                line,
                deployment,
                "container \"web\": liveness probe periodSeconds is 0; it must be at least 1",
                "[rule: value.count]"
            ),
            at(
                line,
                deployment,
                "container \"web\": liveness probe successThreshold must be 1 (only a readiness probe may ask for more)",
                "[rule: value.count]"
            ),
            at(
                line,
                deployment,
                "terminationGracePeriodSeconds is -1; it cannot be negative",
                "[rule: value.count]"
            ),
        ]
    );
    assert_eq!(
        of_rule(&errors, "[rule: pod.probe-port]"),
        [at(
            line,
            deployment,
            "container \"web\": its liveness probe targets port \"admin\", which the container does not declare",
            "[rule: pod.probe-port]"
        )]
    );
}

plain_kind!(
    Scaler,
    "autoscaling",
    "autoscaling/v2",
    "HorizontalPodAutoscaler",
    "horizontalpodautoscalers"
);

#[test]
fn counts_of_a_raw_object_and_a_custom_type_are_held_to_the_same_ranges() {
    let (errors, line) = intruder(|app| {
        let line = line!() + 1;
        app.add(Scaler {
            api_version: "autoscaling/v2",
            kind: "HorizontalPodAutoscaler",
            metadata: meta("intruder"),
            spec: json!({"minReplicas": 0, "maxReplicas": 0, "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "intruder"}}),
        });
        line
    });
    let hpa = "HorizontalPodAutoscaler services/intruder";
    let counts = of_rule(&errors, "[rule: value.count]");
    assert_eq!(
        counts,
        [
            at(
                line,
                hpa,
                "maxReplicas is 0; it must be at least 1",
                "[rule: value.count]"
            ),
            at(
                line,
                hpa,
                "minReplicas is 0; it must be at least 1",
                "[rule: value.count]"
            ),
        ]
    );
}

#[test]
fn a_claim_of_no_storage_is_refused() {
    let (errors, line) = intruder(|app| {
        let line = line!() + 1;
        app.add(PersistentVolumeClaim {
            metadata: meta("nothing"),
            spec: Some(PersistentVolumeClaimSpec {
                resources: Some(VolumeResourceRequirements {
                    requests: Some([("storage".to_owned(), Quantity("0Gi".to_owned()))].into()),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        });
        line
    });
    assert_eq!(
        of_rule(&errors, "[rule: value.claim-size]"),
        [at(
            line,
            "PersistentVolumeClaim services/nothing",
            "requests 0Gi of storage; a claim needs more than nothing",
            "[rule: value.claim-size]"
        )]
    );
}

#[test]
fn entries_written_twice_are_refused_where_kubernetes_merges_or_refuses_them() {
    let (errors, line) = intruder(|app| {
        let line = line!() + 1;
        patched(app, |pod| {
            let web = &mut pod.containers[0];
            let variable = EnvVar {
                name: "MODE".to_owned(),
                value: Some("a".to_owned()),
                ..Default::default()
            };
            web.env = Some(vec![variable.clone(), variable]);
        });
        line
    });
    let (secret_errors, secret_line) = intruder(|app| {
        let line = line!() + 1;
        app.add(Secret {
            metadata: meta("both"),
            data: Some([("token".to_owned(), kumiki::k8s_openapi::ByteString(b"a".to_vec()))].into()),
            string_data: Some([("token".to_owned(), "b".to_owned())].into()),
            ..Default::default()
        });
        line
    });
    assert_eq!(
        of_rule(&errors, "[rule: object.duplicates]"),
        [at(
            line,
            "Deployment services/intruder",
            "container \"web\": variable MODE is set twice; the last one silently wins",
            "[rule: object.duplicates]"
        )]
    );
    assert_eq!(
        of_rule(&secret_errors, "[rule: object.duplicates]"),
        [at(
            secret_line,
            "Secret services/both",
            "key \"token\" is in both data and stringData; one silently replaces the other",
            "[rule: object.duplicates]"
        )]
    );
}

#[test]
fn mounts_over_system_directories_or_each_other_and_kubelet_file_names_are_refused() {
    let (errors, line) = intruder(|app| {
        app.add(kumiki_tests::config_map(
            Some("services"),
            "intruder-files",
            &[("..data", "x")],
        ));
        let line = line!() + 1;
        patched(app, |pod| {
            pod.volumes = Some(vec![
                kumiki::k8s_openapi::api::core::v1::Volume {
                    name: "config".to_owned(),
                    empty_dir: Some(Default::default()),
                    ..Default::default()
                },
                kumiki::k8s_openapi::api::core::v1::Volume {
                    name: "more".to_owned(),
                    empty_dir: Some(Default::default()),
                    ..Default::default()
                },
            ]);
            pod.containers[0].volume_mounts = Some(vec![
                VolumeMount {
                    name: "config".to_owned(),
                    mount_path: "/etc".to_owned(),
                    ..Default::default()
                },
                VolumeMount {
                    name: "more".to_owned(),
                    mount_path: "/etc/app".to_owned(),
                    ..Default::default()
                },
            ]);
        });
        line - 1
    });
    let deployment = "Deployment services/intruder";
    assert_eq!(
        of_rule(&errors, "[rule: pod.mount-path]"),
        [
            at(
                line + 1,
                deployment,
                "container \"web\": a volume mounted at \"/etc\" hides the system directory there",
                "[rule: pod.mount-path]"
            ),
            at(
                line + 1,
                deployment,
                "container \"web\": the mount at \"/etc/app\" lies inside the mount at \"/etc\", which it hides",
                "[rule: pod.mount-path]"
            ),
        ]
    );
    assert!(
        errors.iter().any(
            |error| error.contains("ConfigMap services/intruder-files: data key \"..data\"")
                && error.ends_with("[rule: structure.keys]")
        ),
        "{errors:#?}"
    );
}

plain_kind!(
    Route,
    "networking.istio.io",
    "networking.istio.io/v1",
    "VirtualService",
    "virtualservices"
);

#[test]
fn istio_durations_and_retry_policies_are_in_the_form_istio_accepts() {
    let (errors, line) = intruder(|app| {
        let line = line!() + 1;
        app.add(Route {
            api_version: "networking.istio.io/v1",
            kind: "VirtualService",
            metadata: meta("slow"),
            spec: json!({
                "hosts": ["account"],
                "exportTo": ["."],
                "http": [{
                    "timeout": "5",
                    "retries": {"attempts": 3, "perTryTimeout": "500us", "retryOn": "5xx,connection-failure"},
                    "route": [{"destination": {"host": "account"}}]
                }]
            }),
        });
        line
    });
    let route = "VirtualService services/slow";
    assert_eq!(
        of_rule(&errors, "[rule: mesh.duration]"),
        [
            at(
                line,
                route,
                "spec.http[0].retries.perTryTimeout \"500us\" is below 1ms, the least Istio accepts",
                "[rule: mesh.duration]"
            ),
            at(
                line,
                route,
                "spec.http[0].retries.retryOn names \"connection-failure\", which is no retry policy Envoy knows",
                "[rule: mesh.duration]"
            ),
            at(
                line,
                route,
                "spec.http[0].timeout \"5\" is not a duration Istio accepts (e.g. 1.5s, 300ms, 2m)",
                "[rule: mesh.duration]"
            ),
        ]
    );
}

#[test]
fn a_pod_of_the_mesh_leaves_istios_ports_to_its_sidecar() {
    let (errors, line) = intruder(|app| {
        let line = line!() + 1;
        patched(app, |pod| {
            pod.containers[0]
                .ports
                .get_or_insert_default()
                .push(kumiki::k8s_openapi::api::core::v1::ContainerPort {
                    container_port: 15090,
                    name: Some("stats".to_owned()),
                    ..Default::default()
                });
        });
        line
    });
    assert_eq!(
        of_rule(&errors, "[rule: mesh.reserved-port]"),
        [at(
            line,
            "Deployment services/intruder",
            "container \"web\": port 15090 is one Istio's sidecar listens on in every pod of the mesh",
            "[rule: mesh.reserved-port]"
        )]
    );
}

#[test]
fn a_namespace_that_nothing_creates_is_an_error_where_it_is_named() {
    let (errors, lines) = {
        let mut lines = Vec::new();
        let (errors, _) = intruder(|app| {
            lines.push(line!() + 1);
            app.add(NetworkPolicy {
                metadata: meta("from-monitoring"),
                spec: Some(NetworkPolicySpec {
                    pod_selector: Some(LabelSelector {
                        match_labels: Some([("app.kubernetes.io/name".to_owned(), "intruder".to_owned())].into()),
                        ..Default::default()
                    }),
                    ingress: Some(vec![NetworkPolicyIngressRule {
                        from: Some(vec![NetworkPolicyPeer {
                            namespace_selector: Some(LabelSelector {
                                match_labels: Some(
                                    [("kubernetes.io/metadata.name".to_owned(), "monitoring".to_owned())].into(),
                                ),
                                ..Default::default()
                            }),
                            ..Default::default()
                        }]),
                        ..Default::default()
                    }]),
                    ..Default::default()
                }),
            });
            lines.push(line!() + 1);
            app.add(ConfigMap {
                metadata: meta("tracing"),
                data: Some(
                    [(
                        "collector".to_owned(),
                        "http://jaeger-collector.jager.svc:14268/api/traces".to_owned(),
                    )]
                    .into(),
                ),
                ..Default::default()
            });
            0
        });
        (errors, lines)
    };
    assert_eq!(
        of_rule(&errors, "[rule: reference.namespace]"),
        [
            at(
                lines[0],
                "NetworkPolicy services/from-monitoring",
                "its namespace selector (.spec.ingress[0].from[0].namespaceSelector.matchLabels.kubernetes.io/metadata.name) names \
                 namespace \"monitoring\", which no object of the release creates or lives in and the platform does not declare",
                "[rule: reference.namespace]"
            ),
            at(
                lines[1],
                "ConfigMap services/tracing",
                "the address in data key collector names namespace \"jager\", which no object of the release creates or lives in \
                 and the platform does not declare",
                "[rule: reference.namespace]"
            ),
        ]
    );
}

#[test]
fn a_valid_oci_tag_that_is_no_label_value_is_accepted_and_left_out_of_the_labels() {
    let service = || {
        let image = Image::new(Registry::DockerHub, repository!("acme/shop"), tag!("1.0."));
        let mut web = Container::<kumiki_tests::Shop>::new(name!("web"), image);
        let http = web.port(Protocol::Http, port_name!("web"), port!(8080));
        Microservice::<kumiki_tests::Shop>::new(&platform::environment(Env::Prd))
            .container(web)
            .readiness(Probe::tcp(&http))
            .liveness(Probe::tcp(&http))
            .expose(port!(80), &http)
    };
    // As the only version, and with a canary of its own tag.
    let canary = service().versions(vec![
        Version::new(label_value!("v1"), 90),
        Version::new(label_value!("v2"), 10).with_tag(tag!("2.0_")),
    ]);
    for app in [service().build(), canary.build()] {
        let errors = kumiki_tests::errors(kumiki_tests::with_platform(Env::Prd, vec![app]));
        assert_eq!(errors, Vec::<String>::new());
    }
}

#[test]
fn the_construct_refuses_a_variable_or_a_scratch_directory_twice_at_the_second_call() {
    let image = Image::new(Registry::DockerHub, repository!("acme/shop"), tag!("1.0.0"));
    let web = Container::<kumiki_tests::Shop>::new(name!("web"), image).with_env("MODE", "a");
    let variable_line = line!() + 1;
    let web = web.with_secret_env("MODE", "shop-secrets", "mode");
    let web = web.with_scratch(name!("run"), "/run/app");
    let scratch_line = line!() + 1;
    let mut web = web.with_scratch(name!("sockets"), "/run/app");
    let http = web.port(Protocol::Http, port_name!("web"), port!(8080));
    let service = Microservice::<kumiki_tests::Shop>::new(&platform::environment(Env::Prd))
        .container(web)
        .readiness(Probe::tcp(&http))
        .liveness(Probe::tcp(&http));
    let errors = kumiki_tests::errors(kumiki_tests::on_platform(Env::Prd, vec![service.build()]));
    let at = |line: u32, message: &str| {
        format!(
            "{}:{line}: prd/shop: {message} [rule: microservice.containers]",
            file!()
        )
    };
    assert_eq!(
        errors,
        [
            at(
                variable_line,
                "container \"web\": variable MODE is set twice (Kubernetes would silently keep the last)"
            ),
            at(
                scratch_line,
                "container \"web\": a scratch directory is mounted at \"/run/app\" twice"
            ),
        ]
    );
}
