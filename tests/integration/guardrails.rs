//! What a careless or hostile service crate cannot get past: a panic in its code, output that
//! changes between runs, arithmetic at the edge of its types.

use std::sync::atomic::{AtomicUsize, Ordering};

use kumiki::k8s_openapi::api::core::v1::ConfigMap;
use kumiki::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kumiki::prelude::*;
use kumiki_tests::ScratchDir;
use xtask::{Failure, Service, Workspace};

static PANIC_LINE: AtomicUsize = AtomicUsize::new(0);

fn panicking_app(env: Env) -> App {
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
        app: panicking_app,
    });
    Workspace {
        root: xtask::workspace_root(),
        services: Box::leak(services.into_boxed_slice()),
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

impl kumiki::k8s_openapi::Resource for PlainSecret {
    const API_VERSION: &'static str = "v1";
    const GROUP: &'static str = "";
    const KIND: &'static str = "Secret";
    const VERSION: &'static str = "v1";
    const URL_PATH_SEGMENT: &'static str = "secrets";
    type Scope = kumiki::k8s_openapi::NamespaceResourceScope;
}

impl kumiki::k8s_openapi::Metadata for PlainSecret {
    type Ty = ObjectMeta;

    fn metadata(&self) -> &ObjectMeta {
        &self.metadata
    }

    fn metadata_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
}

fn meta(name: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_owned()),
        namespace: Some("services".to_owned()),
        ..Default::default()
    }
}

fn errors(env: Env, app: App) -> Vec<String> {
    match kumiki::synth::synthesize(env, vec![app]) {
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

    let image = Image::new(Registry::DockerHub, repository!("acme/shop"), tag!("1.0.0"));
    let mut web = Container::<Shop>::new(name!("web"), image);
    let http = web.port(Protocol::Http, port_name!("web"), port!(8080));
    let service = Microservice::<Shop>::new(&platform::environment(Env::Prd))
        .container(web)
        .readiness(Probe::tcp(&http))
        .liveness(Probe::tcp(&http));
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
