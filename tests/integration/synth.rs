//! Synthesis: determinism, collected errors with source locations, atomic writes, `check`.

use kumiki::k8s_openapi::api::core::v1::Namespace;
use kumiki::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kumiki::prelude::*;
use kumiki::synth::Model;
use kumiki::synth::write::Drift;
use kumiki_tests::{ScratchDir, bare, config_map, errors, snapshot};
use platform::Env;
use xtask::Failure;

fn model_with_duplicate(env: Env) -> Model {
    let mut first = App::new(name!("first"));
    first.add(config_map(Some("services"), "settings", &[]));
    let mut second = App::new(name!("second"));
    second.add(config_map(Some("services"), "settings", &[]));
    bare(env, vec![first, second])
}

/// Adds `object` to `app` and returns the line of the call, which is what the SDK records.
#[track_caller]
fn add_at_line(app: &mut App, object: impl Object) -> u32 {
    app.add(object);
    std::panic::Location::caller().line()
}

/// A new app and the line of the call.
#[track_caller]
fn new_app_at_line(name: Name) -> (App, u32) {
    (App::new(name), std::panic::Location::caller().line())
}

#[test]
fn two_synths_are_byte_identical() {
    let first = xtask::synthesize(&Env::ALL, xtask::model).unwrap();
    let second = xtask::synthesize(&Env::ALL, xtask::model).unwrap();
    assert_eq!(first, second);
    assert!(first.iter().all(|release| !release.files.is_empty()));
}

#[test]
fn registration_order_does_not_change_a_byte() {
    for env in Env::ALL {
        let forward = kumiki::synth::synthesize(xtask::model(env)).unwrap();
        let mut reversed = xtask::model(env);
        reversed.apps.reverse();
        assert!(reversed.apps.len() > 1, "the model has several apps to reorder");
        assert_eq!(kumiki::synth::synthesize(reversed).unwrap(), forward);
    }
}

#[test]
fn every_file_has_the_header_and_a_trailing_newline() {
    for release in xtask::synthesize(&Env::ALL, xtask::model).unwrap() {
        for (path, contents) in &release.files {
            assert!(
                contents.starts_with(&kumiki::synth::header(release.env, Some("cargo xtask"))),
                "{path}"
            );
            assert!(contents.ends_with('\n') && !contents.ends_with("\n\n"), "{path}");
        }
    }
}

#[test]
fn layout_is_app_namespace_kind_name() {
    let release = kumiki::synth::synthesize(xtask::model(Env::Prd)).unwrap();
    let paths: Vec<&str> = release.files.keys().map(String::as_str).collect();
    assert!(paths.contains(&"account/services.deployment.account.yaml"), "{paths:?}");
    assert!(paths.contains(&"account/services.service.account.yaml"), "{paths:?}");
    assert!(
        paths.contains(&"namespaces/_cluster.namespace.services.yaml"),
        "{paths:?}"
    );
}

#[test]
fn a_duplicate_identity_names_both_declarations() {
    let (mut first, mut second) = (App::new(name!("first")), App::new(name!("second")));
    let first_line = add_at_line(&mut first, config_map(Some("services"), "settings", &[]));
    let second_line = add_at_line(&mut second, config_map(Some("services"), "settings", &[]));
    let errors = errors(bare(Env::Stg, vec![second, first]));
    let file = file!();
    assert_eq!(
        errors,
        vec![format!(
            "{file}:{second_line}: stg/second: ConfigMap services/settings is declared twice; also declared at {file}:{first_line} (app first) [rule: object.identity]"
        )]
    );
}

#[test]
fn all_errors_are_reported_together_with_their_locations() {
    let mut app = App::new(name!("broken"));
    let no_namespace = add_at_line(&mut app, config_map(None, "no-namespace", &[]));
    let team = ObjectMeta {
        name: Some("team".into()),
        namespace: Some("services".into()),
        ..Default::default()
    };
    let namespaced_namespace = add_at_line(
        &mut app,
        Namespace {
            metadata: team,
            ..Default::default()
        },
    );
    let bad_name = add_at_line(&mut app, config_map(Some("services"), "Bad_Name", &[]));
    let mut labelled = config_map(Some("services"), "labelled", &[]);
    labelled.metadata.labels = Some([("version".to_owned(), "1.2.3+build".to_owned())].into());
    let bad_label = add_at_line(&mut app, labelled);
    let file = file!();
    assert_eq!(
        errors(bare(Env::Dev, vec![app])),
        vec![
            format!(
                "{file}:{no_namespace}: dev/broken: ConfigMap no-namespace: ConfigMap is namespaced but has no metadata.namespace [rule: object.scope]"
            ),
            format!(
                "{file}:{namespaced_namespace}: dev/broken: Namespace services/team: Namespace is cluster-scoped but has metadata.namespace \"services\" [rule: object.scope]"
            ),
            format!(
                "{file}:{bad_name}: dev/broken: ConfigMap services/Bad_Name: invalid DNS subdomain \"Bad_Name\": may contain only lowercase a-z, 0-9, '-' and '.' [rule: object.name]"
            ),
            format!(
                "{file}:{bad_label}: dev/broken: ConfigMap services/labelled: label version: invalid label value \"1.2.3+build\": may contain only A-Z, a-z, 0-9, '-', '_' and '.' [rule: object.name]"
            ),
        ]
    );
}

#[test]
fn a_duplicate_app_name_is_an_error() {
    let (first, first_line) = new_app_at_line(name!("twin"));
    let (second, second_line) = new_app_at_line(name!("twin"));
    let file = file!();
    assert_eq!(
        errors(bare(Env::Prd, vec![first, second])),
        vec![format!(
            "{file}:{second_line}: prd/twin: app \"twin\" is declared twice; also declared at {file}:{first_line} \
             (two services with one name?); no other check ran until names are unique [rule: app.unique-name]"
        )]
    );
}

/// A second service crate that reuses the name of the reference platform's `account`.
struct Impostor;
impl ServiceId for Impostor {
    const NAME: Name = name!("account");
}

#[test]
fn a_duplicated_service_name_is_reported_once_at_the_offending_service() {
    let mut web = Container::<Impostor>::new(
        name!("web"),
        Image::latest(Registry::DockerHub, repository!("acme/web")),
    );
    let http = web.port(Protocol::Http, port_name!("web"), port!(8080));
    let line = line!() + 1;
    let impostor = Microservice::<Impostor>::new(&platform::environment(Env::Dev))
        .container(web)
        .readiness(Probe::tcp(&http))
        .liveness(Probe::tcp(&http))
        .expose(port!(80), &http)
        .build();
    let mut services: Vec<App> = xtask::workspace().service_apps(Env::Dev);
    services.push(impostor);
    let errors = errors(kumiki_tests::with_platform(Env::Dev, services));
    assert_eq!(errors.len(), 1, "one root cause, no follow-on errors: {errors:#?}");
    // Apps are ordered by name, then by declaration; the later declaration is the one reported.
    let expected = format!(
        "{}:{line}: dev/account: app \"account\" is declared twice; also declared at services/account/src/lib.rs:",
        file!()
    );
    assert!(errors[0].starts_with(&expected), "{}", errors[0]);
}

/// An app named `name` holding a Service that selects no pods, added on one line for every app.
fn app_with_orphan_service(name: Name) -> App {
    let mut app = App::new(name);
    app.add(kumiki::k8s_openapi::api::core::v1::Service {
        metadata: ObjectMeta {
            name: Some("orphan".to_owned()),
            namespace: Some(format!("{}-ns", app.name())),
            ..Default::default()
        },
        spec: Some(kumiki::k8s_openapi::api::core::v1::ServiceSpec {
            selector: Some([("app".to_owned(), "nobody".to_owned())].into()),
            ..Default::default()
        }),
        ..Default::default()
    });
    app
}

#[test]
fn problems_name_the_app_that_added_the_object_even_from_one_call_site() {
    let errors = errors(bare(
        Env::Prd,
        vec![
            app_with_orphan_service(name!("left")),
            app_with_orphan_service(name!("right")),
        ],
    ));
    let paths: Vec<&str> = (errors.iter())
        .map(|error| error.split(": ").nth(1).unwrap_or_default())
        .collect();
    assert_eq!(paths, ["prd/left", "prd/right"], "{errors:#?}");
    assert!(errors[0].contains("Service left-ns/orphan") && errors[1].contains("Service right-ns/orphan"));
}

#[test]
fn a_model_error_leaves_release_byte_identical() {
    let root = ScratchDir::new("atomic");
    xtask::synth(root.path(), &Env::ALL, xtask::model).unwrap();
    let before = snapshot(root.path());
    assert!(
        before.len() >= 9,
        "three environments were written: {:?}",
        before.keys()
    );

    let failure = xtask::synth(root.path(), &Env::ALL, model_with_duplicate).unwrap_err();
    assert!(
        matches!(&failure, Failure::Model(per_env) if per_env.len() == 3),
        "{failure}"
    );
    assert_eq!(failure.exit_code(), 1);
    // The same cause in three environments is one line naming them all.
    let text = failure.to_string();
    assert!(
        text.contains(": {dev,stg,prd}/second: ConfigMap services/settings is declared twice"),
        "{text}"
    );
    assert!(text.ends_with("\n1 error in the model; nothing was written"), "{text}");
    assert_eq!(snapshot(root.path()), before);
}

#[test]
fn synth_prunes_files_the_code_no_longer_produces() {
    let root = ScratchDir::new("prune");
    xtask::synth(root.path(), &[Env::Dev], xtask::model).unwrap();
    let stale = root.path().join("dev/account/services.configmap.old.yaml");
    std::fs::write(&stale, "kind: ConfigMap\n").unwrap();
    let leftover_staging = root.path().join(".dev.staging/junk.yaml");
    std::fs::create_dir_all(leftover_staging.parent().unwrap()).unwrap();
    std::fs::write(&leftover_staging, "junk").unwrap();

    let written = xtask::synth(root.path(), &[Env::Dev], xtask::model).unwrap();
    assert_eq!(written[0].changes, 1);
    assert!(!stale.exists());
    assert!(!root.path().join(".dev.staging").exists());
    let expected = kumiki::synth::synthesize(xtask::model(Env::Dev)).unwrap();
    let on_disk: Vec<String> = snapshot(&root.path().join("dev")).into_keys().collect();
    assert_eq!(on_disk, expected.files.keys().cloned().collect::<Vec<_>>());
}

#[test]
fn an_up_to_date_release_is_not_rewritten() {
    let root = ScratchDir::new("untouched");
    xtask::synth(root.path(), &[Env::Prd], xtask::model).unwrap();
    let written = xtask::synth(root.path(), &[Env::Prd], xtask::model).unwrap();
    assert_eq!(
        written,
        vec![xtask::Written {
            env: Env::Prd.id(),
            files: written[0].files,
            changes: 0
        }]
    );
}

#[test]
fn check_names_missing_stale_and_unexpected_files() {
    let root = ScratchDir::new("check");
    xtask::synth(root.path(), &[Env::Stg], xtask::model).unwrap();
    assert!(xtask::check(root.path(), &[Env::Stg], xtask::model).is_ok());

    let dir = root.path().join("stg");
    std::fs::remove_file(dir.join("account/services.service.account.yaml")).unwrap();
    std::fs::write(dir.join("account/services.deployment.account.yaml"), "edited by hand\n").unwrap();
    std::fs::write(dir.join("namespaces/notes.txt"), "not synthesized\n").unwrap();

    let failure = xtask::check(root.path(), &[Env::Stg], xtask::model).unwrap_err();
    assert_eq!(failure.exit_code(), 3);
    let Failure::Stale(drift) = &failure else {
        panic!("{failure}")
    };
    assert_eq!(
        drift,
        &vec![
            (
                Env::Stg.id(),
                Drift::Missing("account/services.service.account.yaml".into())
            ),
            (
                Env::Stg.id(),
                Drift::Changed("account/services.deployment.account.yaml".into())
            ),
            (Env::Stg.id(), Drift::Unexpected("namespaces/notes.txt".into())),
        ]
    );
    assert!(
        failure.to_string().contains("differ from what the code synthesizes"),
        "{failure}"
    );
}

#[test]
fn the_benchmark_model_has_the_peers_object_set_and_synthesizes() {
    use xtask_bench::bench::{Profile, model};
    let release = kumiki::synth::synthesize(model(Env::Prd, 3, Profile::PeerParity, 0)).unwrap();
    let mut kinds: Vec<&str> = (release.files.keys())
        .filter(|path| path.starts_with("svc-00001/"))
        .map(|path| path.split('.').nth(1).unwrap())
        .collect();
    kinds.sort();
    assert_eq!(
        kinds,
        [
            "configmap",
            "deployment",
            "horizontalpodautoscaler",
            "poddisruptionbudget",
            "service"
        ]
    );
    assert_eq!(release.files.len(), 15);
    let full = kumiki::synth::synthesize(model(Env::Dev, 3, Profile::Full, 0)).unwrap();
    assert!(full.files.len() > 15);
    // A variant edits one service, as the incremental runs need: only its files differ.
    let edited = kumiki::synth::synthesize(model(Env::Prd, 3, Profile::PeerParity, 1)).unwrap();
    let differing: Vec<&String> = (release.files.keys().chain(edited.files.keys()))
        .filter(|path| release.files.get(*path) != edited.files.get(*path))
        .collect();
    assert!(!differing.is_empty());
    assert!(
        differing.iter().all(|path| path.starts_with("svc-00000/")),
        "{differing:?}"
    );
}
