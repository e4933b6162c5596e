//! What a careless or hostile service crate cannot get past: a panic in its code, output that
//! changes between runs, a key written twice, and a Rust type whose constants claim one kind
//! while its bytes are another (an object is what its YAML says).

use std::sync::atomic::{AtomicUsize, Ordering};

use kumiki::k8s_openapi::api::core::v1::ConfigMap;
use kumiki::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kumiki::prelude::*;
use kumiki::synth::Model;
use kumiki_tests::{ScratchDir, bare, errors, meta, own_kind, plain_kind};
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
             replicas are configured; no other check ran [rule: app.panic]",
            file!()
        )]
    );
}

static CALLS: AtomicUsize = AtomicUsize::new(0);

/// A model whose ConfigMap differs on every call, as iterating a `HashMap` would make it.
fn unstable_model(env: Env) -> Model {
    let call = CALLS.fetch_add(1, Ordering::SeqCst);
    let mut app = App::new(name!("unstable"));
    app.add(ConfigMap {
        metadata: meta("order"),
        data: Some([("first".to_owned(), format!("key-{call}"))].into()),
        ..Default::default()
    });
    bare(env, vec![app])
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
    let stable = |env: Env| {
        let mut app = App::new(name!("unstable"));
        app.add(kumiki_tests::config_map(
            Some("services"),
            "order",
            &[("first", "fixed")],
        ));
        bare(env, vec![app])
    };
    let failure = xtask::check(root.path(), &[Env::Dev], stable).unwrap_err();
    assert!(matches!(failure, Failure::Stale(_)), "{failure}");
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
        errors(bare(Env::Dev, vec![app])),
        [format!(
            "{}:{line}: dev/egress-twice: ServiceEntry twice: writes key `location` twice in one mapping (a field and a \
             flattened map?); the API server would keep only one of them [rule: object.repeated-key]",
            file!()
        )]
    );
}

// Its Rust constants say ConfigMap, a kind no pod rule reads; its bytes are whatever it writes.
plain_kind!(Disguised, "", "v1", "ConfigMap", "configmaps");

#[test]
fn a_type_is_checked_as_the_kind_its_bytes_say_not_the_kind_its_constants_claim() {
    let mut app = App::new(name!("disguised"));
    let line = line!() + 1;
    app.add(Disguised {
        api_version: "apps/v1",
        kind: "Deployment",
        metadata: meta("miner"),
        spec: serde_json::json!({
            "selector": {"matchLabels": {"app": "miner"}},
            "template": {"metadata": {"labels": {"app": "miner"}}, "spec": {
                "serviceAccountName": "miner",
                "containers": [{"name": "miner", "image": "acme/miner:1.0.0", "securityContext": {"privileged": true}}]
            }}
        }),
    });
    let errors = errors(bare(Env::Prd, vec![app]));
    let privileged = format!(
        "{}:{line}: prd/disguised: Deployment services/miner: container \"miner\": runs privileged [rule: pod.privileged]",
        file!()
    );
    assert!(errors.contains(&privileged), "{errors:#?}");
    // Written where the bytes say too: a Deployment's file, not a ConfigMap's.
    let mut app = App::new(name!("disguised"));
    app.add(Disguised {
        api_version: "v1",
        kind: "Secret",
        metadata: meta("token"),
        spec: serde_json::Value::Null,
    });
    let release = kumiki::synth::synthesize(bare(Env::Dev, vec![app])).unwrap();
    assert_eq!(
        release.files.keys().collect::<Vec<_>>(),
        ["disguised/services.secret.token.yaml"]
    );
}

#[test]
fn an_object_that_names_no_kind_is_refused() {
    let mut app = App::new(name!("nameless"));
    let line = line!() + 1;
    app.add(Disguised {
        api_version: "",
        kind: "",
        metadata: meta("thing"),
        spec: serde_json::Value::Null,
    });
    assert_eq!(
        errors(bare(Env::Dev, vec![app])),
        [format!(
            "{}:{line}: dev/nameless: ConfigMap thing: does not write `apiVersion` and `kind`: an object is what its \
             YAML says, whatever Rust type wrote it [rule: object.kind]",
            file!()
        )]
    );
}
