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
