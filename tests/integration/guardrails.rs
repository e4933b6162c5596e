//! What a careless or hostile service crate cannot get past: a panic in its code, output that
//! changes between runs, arithmetic at the edge of its types.

use std::sync::atomic::{AtomicUsize, Ordering};

use kumiki::k8s_openapi::api::core::v1::ConfigMap;
use kumiki::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kumiki::prelude::*;
use kumiki_tests::ScratchDir;
use platform::Env;
use xtask::{Failure, Service, Workspace};

static PANIC_LINE: AtomicUsize = AtomicUsize::new(0);

fn panicking_app(env: Env, _: &ImageVersions) -> App {
    let replicas: Option<u16> = None.filter(|_| env == Env::Prd);
    PANIC_LINE.store(line!() as usize + 1, Ordering::SeqCst);
    App::new(Name::try_from(format!("x{}", replicas.expect("replicas are configured")).as_str()).unwrap())
}

/// This workspace with one more service crate, `broken`, whose `app` panics.
fn with_broken_service() -> Workspace {
    let mut services: Vec<Service> = xtask::SERVICES
        .iter()
        .map(|service| Service {
            name: service.name,
            app: service.app,
        })
        .collect();
    services.push(Service {
        name: "broken",
        app: |env, images| panicking_app(xtask::of(env), images),
    });
    Workspace {
        services: Box::leak(services.into_boxed_slice()),
        ..xtask::workspace()
    }
}

#[test]
fn a_panicking_service_is_one_error_naming_the_crate_and_the_line() {
    let workspace = with_broken_service();
    let failure = xtask::synthesize(&[Env::Dev], |env| workspace.model(env)).unwrap_err();
    assert_eq!(failure.exit_code(), 1);
    let Failure::Model(per_env) = &failure else {
        panic!("expected a model error, got {failure}");
    };
    let errors: Vec<String> = per_env[0].1.0.iter().map(ToString::to_string).collect();
    let line = PANIC_LINE.load(Ordering::SeqCst);
    assert_eq!(
        errors,
        [format!(
            "{}:{line}: dev/broken: service crate `broken` panicked building its app for dev: \
             replicas are configured; no other check ran",
            file!()
        )]
    );
    // Panics elsewhere still reach the harness as usual (the hook passes them on).
    assert!(std::panic::catch_unwind(|| panic!("ordinary")).is_err());
}

static CALLS: AtomicUsize = AtomicUsize::new(0);

/// A model whose ConfigMap differs on every call, as iterating a `HashMap` would make it.
fn unstable_model(_env: Env) -> Vec<App> {
    let call = CALLS.fetch_add(1, Ordering::SeqCst);
    let mut app = App::new(name!("unstable"));
    app.add(ConfigMap {
        metadata: ObjectMeta {
            name: Some("order".to_owned()),
            namespace: Some("services".to_owned()),
            ..Default::default()
        },
        data: Some([("first".to_owned(), format!("key-{call}"))].into()),
        ..Default::default()
    });
    vec![app]
}

#[test]
fn check_says_when_the_output_is_not_deterministic() {
    let root = ScratchDir::new("nondeterministic");
    xtask::synth(root.path(), &[Env::Dev], unstable_model).unwrap();
    let failure = xtask::check(root.path(), &[Env::Dev], unstable_model).unwrap_err();
    assert_eq!(failure.exit_code(), 1);
    let message = failure.to_string();
    assert!(
        message.starts_with("error: output is not deterministic: two synths of the same code differ in\n  release/dev/unstable/services.configmap.order.yaml\n"),
        "{message}"
    );
    // A stable model whose release is merely out of date is still reported as stale.
    let stable = |_env: Env| {
        let mut app = App::new(name!("unstable"));
        app.add(kumiki_tests::config_map(
            Some("services"),
            "order",
            &[("first", "fixed")],
        ));
        vec![app]
    };
    let failure = xtask::check(root.path(), &[Env::Dev], stable).unwrap_err();
    assert!(matches!(failure, Failure::Stale(_)), "{failure}");
}

/// A Secret written through a type of the service's own: the kind is what counts.
#[derive(serde::Serialize)]
struct PlainSecret {
    #[serde(rename = "apiVersion")]
    api_version: &'static str,
    kind: &'static str,
    metadata: ObjectMeta,
    #[serde(rename = "stringData")]
    string_data: std::collections::BTreeMap<String, String>,
}

/// Makes `$type` (a struct with a `metadata` field) a Kubernetes kind of a service's own
/// Rust type: `$kind` of `$api_version` in group `$group`, namespaced.
macro_rules! own_kind {
    ($type:ident, $group:literal, $api_version:literal, $kind:literal, $plural:literal) => {
        impl kumiki::k8s_openapi::Resource for $type {
            const API_VERSION: &'static str = $api_version;
            const GROUP: &'static str = $group;
            const KIND: &'static str = $kind;
            const VERSION: &'static str = "v1";
            const URL_PATH_SEGMENT: &'static str = $plural;
            type Scope = kumiki::k8s_openapi::NamespaceResourceScope;
        }

        impl kumiki::k8s_openapi::Metadata for $type {
            type Ty = ObjectMeta;

            fn metadata(&self) -> &ObjectMeta {
                &self.metadata
            }

            fn metadata_mut(&mut self) -> &mut ObjectMeta {
                &mut self.metadata
            }
        }
    };
}

own_kind!(PlainSecret, "", "v1", "Secret", "secrets");

fn meta(name: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_owned()),
        namespace: Some("services".to_owned()),
        ..Default::default()
    }
}

fn errors(env: Env, app: App) -> Vec<String> {
    errors_of_apps(env, vec![app])
}

/// The errors of synthesizing `apps` in `env`; none when it synthesizes.
fn errors_of_apps(env: Env, apps: Vec<App>) -> Vec<String> {
    match kumiki::synth::synthesize(env, apps) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.0.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn a_secret_value_is_refused_outside_dev_whatever_type_wrote_it() {
    let secret = || PlainSecret {
        api_version: "v1",
        kind: "Secret",
        metadata: meta("sneaky"),
        string_data: [("password".to_owned(), "hunter2".to_owned())].into(),
    };
    let mut app = App::new(name!("sneaky"));
    let line = line!() + 1;
    app.add(secret());
    assert_eq!(
        errors(Env::Prd, app),
        [format!(
            "{}:{line}: prd/sneaky: Secret services/sneaky carries values (password) in prd: only dev may write a \
             secret value; read it from a secret store with an ExternalSecret",
            file!()
        )]
    );
    let mut app = App::new(name!("sneaky"));
    app.add(secret());
    assert_eq!(errors(Env::Dev, app), Vec::<String>::new());
}

#[test]
fn a_credential_in_a_config_map_is_refused_outside_dev() {
    let config = || kumiki_tests::config_map(Some("services"), "settings", &[("API_TOKEN", "abc"), ("REGION", "eu")]);
    let mut app = App::new(name!("leaky"));
    let line = line!() + 1;
    app.add(config());
    assert_eq!(
        errors(Env::Stg, app),
        [format!(
            "{}:{line}: stg/leaky: ConfigMap services/settings: key API_TOKEN looks like a credential and holds a \
             literal value in stg: keep it in a secret store and read it through an ExternalSecret",
            file!()
        )]
    );
    let mut app = App::new(name!("leaky"));
    app.add(config());
    assert_eq!(errors(Env::Dev, app), Vec::<String>::new());
}

struct Shop;
impl ServiceId for Shop {
    const NAME: Name = name!("shop");
}

type ReadyShop = Microservice<Shop, kumiki::typestate::HasReadiness, kumiki::typestate::HasLiveness>;

/// A valid shop service in `env`, ready to build, and its HTTP port; each test breaks it in
/// one way. Errors of the lowered objects point at the caller's line.
#[track_caller]
fn shop_and_port(env: Env) -> (ReadyShop, PortRef<Shop>) {
    let image = Image::new(Registry::DockerHub, repository!("acme/shop"), tag!("1.0.0"));
    let mut web = Container::<Shop>::new(name!("web"), image);
    let http = web.port(Protocol::Http, port_name!("web"), port!(8080));
    let service = Microservice::<Shop>::new(&platform::environment(env))
        .container(web)
        .readiness(Probe::tcp(&http))
        .liveness(Probe::tcp(&http));
    (service, http)
}

#[track_caller]
fn shop(env: Env) -> ReadyShop {
    shop_and_port(env).0
}

#[test]
fn a_credential_in_a_plain_variable_is_refused_outside_dev_through_the_construct_and_a_patch() {
    let image = Image::new(Registry::DockerHub, repository!("acme/shop"), tag!("1.0.0"));
    let mut web = Container::<Shop>::new(name!("web"), image).with_env("DB_PASSWORD", "hunter2");
    let http = web.port(Protocol::Http, port_name!("web"), port!(8080));
    let line = line!() + 1;
    let service = Microservice::<Shop>::new(&platform::environment(Env::Prd))
        .container(web)
        .readiness(Probe::tcp(&http))
        .liveness(Probe::tcp(&http));
    let expected = |line: u32, variable: &str| {
        format!(
            "{}:{line}: prd/shop: Deployment services/shop: container \"web\": variable {variable} looks like a \
             credential and holds a literal value in prd: read it from a Secret (`secretKeyRef`)",
            file!()
        )
    };
    assert_eq!(errors(Env::Prd, service.build()), [expected(line, "DB_PASSWORD")]);

    let service = shop(Env::Prd);
    let patch_line = line!() + 1;
    let app = service.patch_deployment(|deployment| {
        let pod = deployment.spec.as_mut().unwrap().template.spec.as_mut().unwrap();
        pod.containers[0].env = Some(vec![kumiki::k8s_openapi::api::core::v1::EnvVar {
            name: "STRIPE_API_KEY".to_owned(),
            value: Some("sk_live_123".to_owned()),
            ..Default::default()
        }]);
    });
    assert_eq!(errors(Env::Prd, app.build()), [expected(patch_line, "STRIPE_API_KEY")]);
}

/// A raw Deployment of app `rogue` as a careless team would write it: every pod rule broken.
const ROGUE: &str = "apiVersion: apps/v1
kind: Deployment
metadata: {name: rogue, namespace: services}
spec:
  selector: {matchLabels: {app: rogue}}
  template:
    metadata: {labels: {app: rogue}}
    spec:
      hostNetwork: true
      volumes:
      - name: docker
        hostPath: {path: /var/run/docker.sock}
      containers:
      - name: main
        image: acme/rogue:latest
        ports: [{containerPort: 80, hostPort: 80}]
        securityContext:
          privileged: true
          capabilities: {add: [SYS_ADMIN]}
          runAsUser: 0
";

fn rogue_errors(env: Env, with: impl FnOnce(&mut App)) -> (Vec<String>, u32) {
    let mut app = App::new(name!("rogue"));
    let line = line!() + 1;
    app.add(serde_saphyr::from_str::<kumiki::k8s_openapi::api::apps::v1::Deployment>(ROGUE).unwrap());
    with(&mut app);
    (errors(env, app), line)
}

#[test]
fn a_raw_workload_is_held_to_the_restricted_profile_and_the_platform_policy() {
    let (errors, line) = rogue_errors(Env::Prd, |_| {});
    let at = |message: &str| format!("{}:{line}: prd/rogue: Deployment services/rogue: {message}", file!());
    let expected = [
        at("shares the node's network namespace [rule: host-namespaces]"),
        at("volume \"docker\" is of type hostPath, which the restricted profile forbids [rule: volume-types]"),
        at("container \"main\": runs privileged [rule: privileged]"),
        at("container \"main\": does not set allowPrivilegeEscalation: false [rule: privilege-escalation]"),
        at("container \"main\": does not drop ALL capabilities [rule: capabilities]"),
        at("container \"main\": adds capability SYS_ADMIN [rule: capabilities]"),
        at("container \"main\": does not set runAsNonRoot: true [rule: run-as-non-root]"),
        at("container \"main\": runs as user 0 (root) [rule: run-as-non-root]"),
        at(
            "container \"main\": has no seccompProfile RuntimeDefault or Localhost (on the pod or the container) [rule: seccomp]",
        ),
        at("container \"main\": binds host port 80 [rule: host-ports]"),
        at("container \"main\": requests no cpu [rule: resources]"),
        at("container \"main\": requests no memory [rule: resources]"),
        at("container \"main\": has no memory limit [rule: resources]"),
        at("container \"main\": has no readiness probe [rule: probes]"),
        at("container \"main\": has no liveness probe [rule: probes]"),
        at(
            "container \"main\": image \"acme/rogue:latest\" is not pinned: prd needs a tag that is not floating (`latest`, `main`, ...), or a digest [rule: image]",
        ),
        at("runs as the namespace's default ServiceAccount: give the workload its own [rule: service-account]"),
    ];
    for message in &expected {
        assert!(errors.contains(message), "missing: {message}\nin: {errors:#?}");
    }
    assert_eq!(errors.len(), expected.len(), "{errors:#?}");
}

#[test]
fn only_another_app_can_exempt_a_workload() {
    // The platform exempts the rogue app from every rule but one: that one still holds.
    let mut platform_app = App::new(name!("platform-policy"));
    use kumiki::platform::PodRule;
    for rule in PodRule::ALL.into_iter().filter(|rule| *rule != PodRule::Privileged) {
        platform_app.publish(kumiki::platform::PodExemption {
            app: name!("rogue"),
            rule,
            reason: "a node agent, reviewed by the platform team",
        });
    }
    let mut rogue = App::new(name!("rogue"));
    let line = line!() + 1;
    rogue.add(serde_saphyr::from_str::<kumiki::k8s_openapi::api::apps::v1::Deployment>(ROGUE).unwrap());
    let errors = errors_of_apps(Env::Prd, vec![rogue, platform_app]);
    assert_eq!(
        errors,
        [format!(
            "{}:{line}: prd/rogue: Deployment services/rogue: container \"main\": runs privileged [rule: privileged]",
            file!()
        )]
    );

    // An app exempting itself is refused (a rule that does not exist does not compile:
    // tests/ui/pod_exemption_unknown_rule.rs).
    let (errors, app_line) = rogue_errors(Env::Dev, |app| {
        app.publish(kumiki::platform::PodExemption {
            app: name!("rogue"),
            rule: PodRule::Privileged,
            reason: "trust me",
        });
    });
    // The refusal points at the app's declaration (the helper's `App::new`, a line above the add).
    let refusal = format!(
        "{}:{}: dev/rogue: app rogue exempts its own workloads from rule privileged: only the platform may declare an exemption",
        file!(),
        app_line - 2
    );
    assert!(errors.contains(&refusal), "{refusal}\n{errors:#?}");
    assert!(
        errors.iter().any(|e| e.ends_with("runs privileged [rule: privileged]")),
        "{errors:#?}"
    );
}

#[test]
fn a_patch_that_breaks_the_pod_rules_is_reported_at_the_patch() {
    let service = shop(Env::Prd);
    let line = line!() + 1;
    let app = service.patch_deployment(|deployment| {
        let pod = deployment.spec.as_mut().unwrap().template.spec.as_mut().unwrap();
        pod.host_pid = Some(true);
        pod.service_account_name = Some("payments".to_owned());
        let security = pod.containers[0].security_context.as_mut().unwrap();
        security.privileged = Some(true);
    });
    let at = |message: &str| format!("{}:{line}: prd/shop: Deployment services/shop: {message}", file!());
    assert_eq!(
        errors(Env::Prd, app.build()),
        [
            at("container \"web\": runs privileged [rule: privileged]"),
            at(
                "runs as ServiceAccount \"payments\", which its app shop does not declare in services: a workload runs \
                as its own identity [rule: service-account]"
            ),
            at("shares the node's process namespace [rule: host-namespaces]"),
        ]
    );
}

/// A Job written through a type of the service's own: its pod template is still checked.
#[derive(serde::Serialize)]
struct PlainJob {
    #[serde(rename = "apiVersion")]
    api_version: &'static str,
    kind: &'static str,
    metadata: ObjectMeta,
    spec: serde_json::Value,
}

own_kind!(PlainJob, "batch", "batch/v1", "Job", "jobs");

#[test]
fn a_pod_template_in_a_custom_type_is_checked_like_any_other() {
    let mut app = App::new(name!("batch"));
    app.add(kumiki::k8s_openapi::api::core::v1::ServiceAccount {
        metadata: meta("migrate"),
        ..Default::default()
    });
    let line = line!() + 1;
    app.add(PlainJob {
        api_version: "batch/v1",
        kind: "Job",
        metadata: meta("migrate"),
        spec: serde_json::json!({"template": {"spec": {
            "serviceAccountName": "migrate",
            "restartPolicy": "Never",
            "hostIPC": true,
            "securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{
                "name": "migrate",
                "image": "acme/migrate:1.0.0",
                "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"memory": "64Mi"}},
                "securityContext": {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}}
            }]
        }}}),
    });
    // A job's container needs no probes; sharing the node's IPC namespace is refused.
    assert_eq!(
        errors(Env::Prd, app),
        [format!(
            "{}:{line}: prd/batch: Job services/migrate: shares the node's IPC namespace [rule: host-namespaces]",
            file!()
        )]
    );
}

/// The reference platform in prd with one more service app, `intruder`, holding `objects`.
fn platform_with_intruder(add: impl FnOnce(&mut App) -> u32) -> (Vec<String>, u32) {
    let mut services: Vec<App> = xtask::workspace().service_apps(Env::Prd);
    let mut intruder = App::new(name!("intruder"));
    let line = add(&mut intruder);
    services.push(intruder);
    let mut apps = platform::apps(Env::Prd, &services);
    apps.extend(services);
    let errors = errors_of_apps(Env::Prd, apps);
    (errors, line)
}

#[test]
fn only_the_app_that_owns_a_service_routes_it() {
    use kumiki::crds::istio::{
        VirtualService, VirtualServiceHttp, VirtualServiceHttpRoute, VirtualServiceHttpRouteDestination,
        VirtualServiceSpec,
    };
    let (errors, line) = platform_with_intruder(|app| {
        let line = line!() + 1;
        app.add(VirtualService {
            metadata: meta("steal-account"),
            spec: VirtualServiceSpec {
                hosts: Some(vec!["account".to_owned()]),
                http: Some(vec![VirtualServiceHttp {
                    route: Some(vec![VirtualServiceHttpRoute {
                        destination: VirtualServiceHttpRouteDestination {
                            host: "account".to_owned(),
                            ..Default::default()
                        },
                        ..Default::default()
                    }]),
                    ..Default::default()
                }]),
                export_to: Some(vec![".".to_owned()]),
                ..Default::default()
            },
        });
        line
    });
    assert_eq!(
        errors,
        [format!(
            "{}:{line}: prd/intruder: VirtualService services/steal-account governs host \"account\", the Service of app \
             account: only the app that owns a Service routes it",
            file!()
        )]
    );
}

/// A VirtualService written through a type of the service's own.
#[derive(serde::Serialize)]
struct PlainVirtualService {
    #[serde(rename = "apiVersion")]
    api_version: &'static str,
    kind: &'static str,
    metadata: ObjectMeta,
    spec: serde_json::Value,
}

own_kind!(
    PlainVirtualService,
    "networking.istio.io",
    "networking.istio.io/v1",
    "VirtualService",
    "virtualservices"
);

#[test]
fn a_route_of_a_custom_type_is_held_to_ownership_too() {
    let (errors, line) = platform_with_intruder(|app| {
        let line = line!() + 1;
        app.add(PlainVirtualService {
            api_version: "networking.istio.io/v1",
            kind: "VirtualService",
            metadata: meta("steal-order"),
            spec: serde_json::json!({"hosts": ["order.services.svc.cluster.local"], "exportTo": ["."]}),
        });
        line
    });
    assert_eq!(
        errors,
        [format!(
            "{}:{line}: prd/intruder: VirtualService services/steal-order governs host \"order.services.svc.cluster.local\", \
             the Service of app order: only the app that owns a Service routes it",
            file!()
        )]
    );
}

#[test]
fn a_route_of_a_custom_type_is_held_to_the_route_rules_too() {
    // The mesh checks read objects by kind: the same rules as for kumiki's own VirtualService.
    let (errors, line) = platform_with_intruder(|app| {
        let line = line!() + 1;
        app.add(PlainVirtualService {
            api_version: "networking.istio.io/v1",
            kind: "VirtualService",
            metadata: meta("to-nowhere"),
            spec: serde_json::json!({
                "hosts": ["intruder"],
                "exportTo": ["."],
                "http": [{"route": [{"destination": {"host": "ghost"}, "weight": 60},
                                    {"destination": {"host": "ghost"}, "weight": 60}]}],
            }),
        });
        line
    });
    let at = |message: &str| {
        format!(
            "{}:{line}: prd/intruder: VirtualService services/to-nowhere: {message}",
            file!()
        )
    };
    assert_eq!(
        errors,
        [
            at("route weights add up to 120, not 100"),
            at("routes to host \"ghost\", which is neither a Service nor a ServiceEntry host"),
            at("routes to host \"ghost\", which is neither a Service nor a ServiceEntry host"),
        ]
    );
}

#[test]
fn a_custom_resource_of_the_wrong_shape_is_refused_at_its_line() {
    let (errors, line) = platform_with_intruder(|app| {
        let line = line!() + 1;
        app.add(PlainVirtualService {
            api_version: "networking.istio.io/v1",
            kind: "VirtualService",
            metadata: meta("misshapen"),
            spec: serde_json::json!({"hosts": ["intruder"], "http": "everything"}),
        });
        line
    });
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with(&format!(
            "{}:{line}: prd/intruder: VirtualService services/misshapen: its spec does not have the shape of the \
             networking.istio.io schema (invalid type: string \"everything\", expected a sequence",
            file!()
        )),
        "{errors:?}"
    );
}

/// A NetworkPolicy written through a type of the service's own.
#[derive(serde::Serialize)]
struct PlainNetworkPolicy {
    #[serde(rename = "apiVersion")]
    api_version: &'static str,
    kind: &'static str,
    metadata: ObjectMeta,
    spec: serde_json::Value,
}

own_kind!(
    PlainNetworkPolicy,
    "networking.k8s.io",
    "networking.k8s.io/v1",
    "NetworkPolicy",
    "networkpolicies"
);

#[test]
fn a_network_policy_of_a_custom_type_is_held_to_the_scrape_path_too() {
    use kumiki::k8s_openapi::api::networking::v1::NetworkPolicy;
    let mut apps = xtask::model(Env::Prd);
    let account = kumiki_tests::app_mut(&mut apps, "account");
    let policy = kumiki_tests::take::<NetworkPolicy>(account, "account");
    // The same policy without its rule for Prometheus, written through another type.
    let mut spec = serde_json::to_value(policy.spec.unwrap()).unwrap();
    spec["ingress"].as_array_mut().unwrap().retain(|rule| {
        rule["from"][0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"] != "prometheus"
    });
    let line = line!() + 1;
    account.add(PlainNetworkPolicy {
        api_version: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: policy.metadata,
        spec,
    });
    assert_eq!(
        errors_of_apps(Env::Prd, apps),
        [format!(
            "{}:{line}: prd/account: NetworkPolicy services/account admits no ingress from namespace prometheus on port \
             15090 of Deployment services/account, which PodMonitor prometheus/envoy-stats scrapes: the scraper \
             (prometheus/kube-prometheus-stack-prometheus) cannot reach it",
            file!()
        )]
    );
}

#[test]
fn an_authorization_policy_selects_its_own_pods_and_names_its_sources() {
    use kumiki::crds::istio::{
        AuthorizationPolicy, AuthorizationPolicyAction, AuthorizationPolicyRules, AuthorizationPolicySelector,
        AuthorizationPolicySpec,
    };
    let (errors, line) = platform_with_intruder(|app| {
        let line = line!() + 1;
        app.add(AuthorizationPolicy {
            metadata: meta("open-account"),
            spec: AuthorizationPolicySpec {
                selector: Some(AuthorizationPolicySelector {
                    match_labels: Some([("app.kubernetes.io/name".to_owned(), "account".to_owned())].into()),
                }),
                action: Some(AuthorizationPolicyAction::Allow),
                rules: Some(vec![AuthorizationPolicyRules::default()]),
                ..Default::default()
            },
        });
        app.add(AuthorizationPolicy {
            metadata: meta("open-everything"),
            spec: AuthorizationPolicySpec {
                selector: None,
                action: Some(AuthorizationPolicyAction::Allow),
                rules: None,
                ..Default::default()
            },
        });
        line
    });
    let at = |line: u32, message: &str| {
        format!(
            "{}:{line}: prd/intruder: AuthorizationPolicy services/{message}",
            file!()
        )
    };
    assert_eq!(
        errors,
        [
            at(
                line,
                "open-account: ALLOW rule 1 names no source, so it allows any caller: name the principals"
            ),
            at(
                line,
                "open-account: selects pods of app account: only the app that owns a workload authorizes calls to it"
            ),
            at(
                line + 11,
                "open-everything: an ALLOW policy without a selector opens every workload of services: select the app's own pods"
            ),
        ]
    );
}

/// A ServiceEntry of a service's own type: a typed field and a flattened map of "more".
#[derive(serde::Serialize)]
struct LooseServiceEntry {
    #[serde(rename = "apiVersion")]
    api_version: &'static str,
    kind: &'static str,
    metadata: ObjectMeta,
    spec: LooseServiceEntrySpec,
}

#[derive(serde::Serialize)]
struct LooseServiceEntrySpec {
    hosts: Vec<String>,
    location: &'static str,
    #[serde(flatten)]
    more: std::collections::BTreeMap<String, serde_json::Value>,
}

own_kind!(
    LooseServiceEntry,
    "networking.istio.io",
    "networking.istio.io/v1",
    "ServiceEntry",
    "serviceentries"
);

#[test]
fn a_key_written_twice_in_one_mapping_is_refused() {
    let mut app = App::new(name!("egress-twice"));
    let line = line!() + 1;
    app.add(LooseServiceEntry {
        api_version: "networking.istio.io/v1",
        kind: "ServiceEntry",
        metadata: meta("twice"),
        spec: LooseServiceEntrySpec {
            hosts: vec!["api.example.com".to_owned()],
            location: "MESH_EXTERNAL",
            // The typed field already writes `location`: the map repeats it.
            more: [("location".to_owned(), serde_json::json!("MESH_INTERNAL"))].into(),
        },
    });
    assert_eq!(
        errors(Env::Dev, app),
        [format!(
            "{}:{line}: dev/egress-twice: ServiceEntry.networking.istio.io services/twice: writes key `location` twice \
             in one mapping (a field and a flattened map?); the API server would keep only one of them",
            file!()
        )]
    );
}

#[test]
fn what_the_api_server_would_reject_is_refused() {
    use kumiki::k8s_openapi::api::core::v1::{Service, ServicePort, ServiceSpec};
    let mut app = App::new(name!("invalid"));
    let config_line = line!() + 1;
    app.add(kumiki_tests::config_map(
        Some("services"),
        "settings",
        &[("bad key!", "x")],
    ));
    let service_line = line!() + 1;
    app.add(Service {
        metadata: meta("web.v2"),
        spec: Some(ServiceSpec {
            ports: Some(vec![ServicePort {
                port: 70000,
                node_port: Some(80),
                ..Default::default()
            }]),
            ..Default::default()
        }),
        ..Default::default()
    });
    let file = file!();
    assert_eq!(
        errors(Env::Dev, app),
        [
            format!(
                "{file}:{config_line}: dev/invalid: ConfigMap services/settings: data key \"bad key!\" may contain only letters, digits, '-', '_' and '.' (at most 253)"
            ),
            format!(
                "{file}:{service_line}: dev/invalid: Service services/web.v2: invalid name \"web.v2\": may contain only lowercase a-z, 0-9 and '-' (a Service name is a DNS label)"
            ),
            format!(
                "{file}:{service_line}: dev/invalid: Service services/web.v2: nodePort 80 is outside the default range 30000..=32767"
            ),
            format!("{file}:{service_line}: dev/invalid: Service services/web.v2: port 70000 is outside 1..=65535"),
        ]
    );
    let big_line = line!() + 3;
    let big = errors(Env::Dev, {
        let mut app = App::new(name!("invalid"));
        app.add(kumiki_tests::config_map(
            Some("services"),
            "big",
            &[("blob", &"x".repeat(300_000))],
        ));
        app
    });
    let prefix = format!("{file}:{big_line}: dev/invalid: ConfigMap services/big: is ");
    let suffix = " bytes of YAML; Argo CD's apply keeps a copy in an annotation limited to 262144 bytes: split it (a ConfigMap per file, say)";
    assert_eq!(big.len(), 1, "{big:?}");
    let size: usize = big[0]
        .strip_prefix(&prefix)
        .and_then(|rest| rest.strip_suffix(suffix))
        .unwrap()
        .parse()
        .unwrap();
    assert!(size > 300_000, "{size}");
}

#[test]
fn invalid_variable_names_quantities_and_labels_are_refused_through_a_patch() {
    let service = shop(Env::Dev);
    let line = line!() + 1;
    let app = service.patch_deployment(|deployment| {
        let template = &mut deployment.spec.as_mut().unwrap().template;
        (template.metadata.as_mut().unwrap().labels.as_mut().unwrap())
            .insert("tier".to_owned(), "front end".to_owned());
        let container = &mut template.spec.as_mut().unwrap().containers[0];
        container.env = Some(vec![kumiki::k8s_openapi::api::core::v1::EnvVar {
            name: "1ST_VALUE".to_owned(),
            value: Some("x".to_owned()),
            ..Default::default()
        }]);
        let requests = container.resources.as_mut().unwrap().requests.as_mut().unwrap();
        requests.insert(
            "cpu".to_owned(),
            kumiki::k8s_openapi::apimachinery::pkg::api::resource::Quantity("lots".to_owned()),
        );
    });
    let at = |message: &str| format!("{}:{line}: dev/shop: Deployment services/shop: {message}", file!());
    assert_eq!(
        errors(Env::Dev, app.build()),
        [
            at("container \"web\": cpu \"lots\" is not a quantity"),
            at(
                "container \"web\": variable name \"1ST_VALUE\" may contain only letters, digits, '_', '-' and '.', and not start with a digit"
            ),
            at(
                "pod template label: label tier: invalid label value \"front end\": may contain only A-Z, a-z, 0-9, '-', '_' and '.'"
            ),
        ]
    );
}

#[test]
fn a_service_registers_only_the_hosts_the_platform_declares_and_only_for_itself() {
    use kumiki::crds::istio::{ServiceEntry, ServiceEntryLocation, ServiceEntryResolution, ServiceEntrySpec};
    let (errors, line) = platform_with_intruder(|app| {
        let line = line!() + 1;
        app.add(ServiceEntry {
            metadata: meta("stripe"),
            spec: ServiceEntrySpec {
                hosts: vec!["api.stripe.com".to_owned()],
                location: Some(ServiceEntryLocation::MeshExternal),
                resolution: Some(ServiceEntryResolution::Dns),
                export_to: Some(vec!["*".to_owned()]),
                ..Default::default()
            },
        });
        line
    });
    let at = |message: &str| {
        format!(
            "{}:{line}: prd/intruder: ServiceEntry services/stripe {message}",
            file!()
        )
    };
    assert_eq!(
        errors,
        [
            at("is exported to [\"*\"]: a service's ServiceEntry is exported only to its own namespace (\".\")"),
            at(
                "registers host \"api.stripe.com\", which the platform does not declare: calls out of the cluster go through the platform's egress"
            ),
        ]
    );
}

#[test]
fn a_patch_cannot_pin_pods_outside_the_clusters_node_groups() {
    let (errors, line) = platform_with_intruder(|app| {
        let line = line!() + 1;
        let service = shop(Env::Prd).named(name!("intruder")).patch_deployment(|deployment| {
            let pod = deployment.spec.as_mut().unwrap().template.spec.as_mut().unwrap();
            pod.node_selector = Some([(kumiki::platform::NODE_GROUP_LABEL.to_owned(), "gpu".to_owned())].into());
            pod.tolerations = Some(vec![kumiki::k8s_openapi::api::core::v1::Toleration {
                operator: Some("Exists".to_owned()),
                ..Default::default()
            }]);
        });
        app.absorb(service.build());
        line
    });
    let at = |message: &str| {
        format!(
            "{}:{line}: prd/intruder: Deployment services/intruder: {message}",
            file!()
        )
    };
    assert_eq!(
        errors,
        [
            at("is pinned to node group \"gpu\", which prd does not have [rule: placement]"),
            at("tolerates every taint [rule: placement]"),
        ]
    );
}

#[test]
fn two_listeners_cannot_claim_one_node_port() {
    // Whatever the platform's services are: claim the NodePort of the first listener that has
    // one, on a port no listener uses.
    let listeners: Vec<kumiki::platform::GatewayListener> = (xtask::workspace().service_apps(Env::Prd).iter())
        .flat_map(|app| {
            app.published::<kumiki::platform::GatewayListener>()
                .cloned()
                .collect::<Vec<_>>()
        })
        .collect();
    let taken = listeners
        .iter()
        .find(|opened| opened.listener.node_port.is_some())
        .expect("a listener with a NodePort");
    let free_port = listeners.iter().map(|opened| opened.listener.port.get()).max().unwrap() + 1;
    let (errors, line) = platform_with_intruder(|app| {
        let port = PortNumber::try_from(i64::from(free_port)).unwrap();
        let listener = Listener::new(port_name!("intruder"), port).with_node_port(taken.listener.node_port.unwrap());
        let (service, http) = shop_and_port(Env::Prd);
        let service = service.named(name!("intruder"));
        let line = line!() + 1;
        let service = service.expose_on_ingress(port, &http, listener);
        app.absorb(service.build());
        line
    });
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let expected = format!(
        "{}:{line}: prd/mesh: listener intruder (port {free_port}) claims NodePort {} of istio-ingressgateway, which listener {} (port {}) declared at {} already uses",
        file!(),
        taken.listener.node_port.unwrap(),
        taken.listener.name,
        taken.listener.port,
        taken.declared_at
    );
    assert_eq!(errors[0], expected);
}
