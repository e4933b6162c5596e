//! kumiki against a real API server: the local control plane (`cargo xtask cluster up`).
//!
//! Without one these tests say they were skipped and pass, unless
//! `KUMIKI_REQUIRE_CONTROL_PLANE=1` (as `.ci/run` sets it), which makes them fail instead.
//! Each test works in namespaces of its own, so they run in parallel on one server.

use std::io::Write;
use std::path::{Path, PathBuf};

use kumiki::k8s_openapi::api::core::v1::{LimitRange, LimitRangeItem, LimitRangeSpec, Namespace};
use kumiki::k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use kumiki::k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use kumiki::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kumiki::platform::{Exemption, PlatformFacts};
use kumiki::prelude::*;
use kumiki::rules::POD_RULES;
use kumiki::values::EnvId;
use kumiki_cli::live::{self, Target};
use kumiki_cli::{Failure, Workspace};
use kumiki_tests::{ScratchDir, config_map};
use platform::karpenter::node_pool::{
    NodePool, NodePoolSpec, NodePoolTemplate, NodePoolTemplateSpec, NodePoolTemplateSpecNodeClassRef,
    NodePoolTemplateSpecRequirements, NodePoolTemplateSpecRequirementsOperator,
};

/// The local control plane's kubeconfig, or `None` (the test is skipped) when none answers.
fn control_plane(test: &str) -> Option<PathBuf> {
    let kubeconfig = std::env::var_os("KUMIKI_KUBECONFIG").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/control-plane/kubeconfig"),
        PathBuf::from,
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let answer = runtime.block_on(kumiki_live::server::Server::connect(Some(&kubeconfig)));
    match answer {
        Ok(_) => Some(kubeconfig),
        Err(why) if std::env::var("KUMIKI_REQUIRE_CONTROL_PLANE").as_deref() == Ok("1") => {
            panic!("{test}: KUMIKI_REQUIRE_CONTROL_PLANE=1 but no control plane answers: {why}")
        }
        Err(why) => {
            // Straight to stderr, past the test harness's capture: a skip must be seen.
            let _ = writeln!(
                std::io::stderr(),
                "{test}: SKIPPED, no control plane ({why}); start one with `cargo xtask cluster up`"
            );
            None
        }
    }
}

fn dev() -> EnvId {
    xtask::workspace().envs[0]
}

/// A workspace at `scratch` whose only app is the platform `platform` builds, synthesized into
/// its release/.
fn workspace(scratch: &ScratchDir, platform: fn(EnvId, &[App]) -> (PlatformFacts, Vec<App>)) -> Workspace {
    let workspace = Workspace {
        root: scratch.path().to_path_buf(),
        services: &[],
        platform,
        ..xtask::workspace()
    };
    kumiki_cli::synth(&workspace.release_root(), &[dev()], |env| workspace.model(env)).expect("it synthesizes");
    workspace
}

fn target(kubeconfig: PathBuf) -> Target {
    Target {
        kubeconfig: Some(kubeconfig),
        program: Some(PathBuf::from(env!("CARGO_BIN_EXE_kumiki-live"))),
        ..Target::default()
    }
}

fn namespace(name: &str, labels: &[(&str, &str)]) -> Namespace {
    let mut namespace = Namespace::default();
    namespace.metadata.name = Some(name.to_owned());
    let labels = labels
        .iter()
        .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()));
    namespace.metadata.labels = Some(labels.collect());
    namespace
}

/// The line `refused_platform` declares its refused object at.
static REFUSED_LINE: std::sync::OnceLock<u32> = std::sync::OnceLock::new();

/// A NodePool that breaks a CEL rule of Karpenter's CRD (a requirement `In` no value): only
/// a server evaluating the CRD's `x-kubernetes-validations` knows.
fn refused_platform(_: EnvId, _: &[App]) -> (PlatformFacts, Vec<App>) {
    let mut app = App::new(name!("pools"));
    app.add(config_map(Some("default"), "accepted", &[("mode", "fast")]));
    REFUSED_LINE.get_or_init(|| line!() + 1);
    app.add(NodePool {
        metadata: ObjectMeta {
            name: Some("live-verify".to_owned()),
            ..Default::default()
        },
        spec: NodePoolSpec {
            template: NodePoolTemplate {
                spec: NodePoolTemplateSpec {
                    node_class_ref: NodePoolTemplateSpecNodeClassRef {
                        group: "karpenter.k8s.aws".to_owned(),
                        kind: "EC2NodeClass".to_owned(),
                        name: "default".to_owned(),
                    },
                    requirements: vec![NodePoolTemplateSpecRequirements {
                        key: "karpenter.sh/capacity-type".to_owned(),
                        min_values: None,
                        operator: NodePoolTemplateSpecRequirementsOperator::In,
                        values: Some(Vec::new()),
                    }],
                    ..Default::default()
                },
                metadata: None,
            },
            ..Default::default()
        },
    });
    (PlatformFacts::default(), vec![app])
}

#[test]
fn verify_reports_what_the_server_refuses_at_the_line_that_declared_it() {
    let Some(kubeconfig) = control_plane("verify") else {
        return;
    };
    let scratch = ScratchDir::new("live-verify");
    let workspace = workspace(&scratch, refused_platform);
    let mut target = target(kubeconfig);
    target.crds = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("../../crds/karpenter")];
    let verdict = live::verify(&workspace, dev(), &target, false);
    let Err(Failure::Server { errors, .. }) = verdict else {
        panic!("expected a refusal, got {verdict:?}")
    };
    let line = REFUSED_LINE.get().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    let prefix = format!(
        "{}:{line}: dev/pools: NodePool live-verify: the API server refuses it: ",
        file!()
    );
    assert!(errors[0].starts_with(&prefix), "{errors:?}");
    assert!(
        errors[0].contains("requirements with operator 'In' must have a value defined"),
        "{errors:?}"
    );
    assert!(errors[0].ends_with(" [rule: server]"), "{errors:?}");
}

fn pod_security_platform(_: EnvId, _: &[App]) -> (PlatformFacts, Vec<App>) {
    use kumiki::k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
    use kumiki::k8s_openapi::api::core::v1::{Container, PodSpec, PodTemplateSpec, SecurityContext};
    let mut app = App::new(name!("privileged"));
    app.add(namespace(
        "live-restricted",
        &[("pod-security.kubernetes.io/enforce", "restricted")],
    ));
    let labels = Some([("app.kubernetes.io/name".to_owned(), "root".to_owned())].into());
    let mut deployment = Deployment {
        metadata: kumiki_tests::meta("root"),
        spec: Some(DeploymentSpec {
            selector: LabelSelector {
                match_labels: labels.clone(),
                ..Default::default()
            },
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels,
                    ..Default::default()
                }),
                spec: Some(PodSpec {
                    containers: vec![Container {
                        name: "root".to_owned(),
                        image: Some("busybox:1.37".to_owned()),
                        security_context: Some(SecurityContext {
                            privileged: Some(true),
                            ..Default::default()
                        }),
                        ..Default::default()
                    }],
                    ..Default::default()
                }),
            },
            ..Default::default()
        }),
        ..Default::default()
    };
    deployment.metadata.namespace = Some("live-restricted".to_owned());
    app.add(deployment);
    // The platform lifted kumiki's pod rules for this app; the namespace still enforces the
    // restricted profile, and the server says so.
    let exemptions = (POD_RULES.iter())
        .map(|rule| Exemption::new(name!("privileged"), rule, "a node agent, reviewed by the platform team"))
        .collect();
    let mut facts = PlatformFacts::default();
    facts.exemptions = exemptions;
    (facts, vec![app])
}

#[test]
fn a_template_whose_pods_pod_security_would_refuse_is_refused() {
    let Some(kubeconfig) = control_plane("pod security") else {
        return;
    };
    let scratch = ScratchDir::new("live-pod-security");
    let workspace = workspace(&scratch, pod_security_platform);
    let verdict = live::verify(&workspace, dev(), &target(kubeconfig), false);
    let Err(Failure::Server { errors, .. }) = verdict else {
        panic!("expected a refusal, got {verdict:?}")
    };
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("dev/privileged: Deployment live-restricted/root: Pod Security admission would refuse its pods: would violate PodSecurity \"restricted:latest\": privileged"),
        "{errors:?}"
    );
    assert!(errors[0].ends_with("[rule: server]"), "{errors:?}");
}

/// The line `normalized_platform` declares its LimitRange at.
static NORMALIZED_LINE: std::sync::OnceLock<u32> = std::sync::OnceLock::new();

fn normalized_platform(_: EnvId, _: &[App]) -> (PlatformFacts, Vec<App>) {
    let mut app = App::new(name!("limits"));
    app.add(namespace("live-stable", &[]));
    let mut limits = LimitRange {
        metadata: kumiki_tests::meta("memory"),
        spec: Some(LimitRangeSpec {
            limits: vec![LimitRangeItem {
                type_: "Container".to_owned(),
                default: Some([("memory".to_owned(), Quantity("1024Mi".to_owned()))].into()),
                ..Default::default()
            }],
        }),
    };
    limits.metadata.namespace = Some("live-stable".to_owned());
    NORMALIZED_LINE.get_or_init(|| line!() + 1);
    app.add(limits);
    (PlatformFacts::default(), vec![app])
}

#[test]
fn an_object_the_server_stores_differently_would_stay_out_of_sync() {
    let Some(kubeconfig) = control_plane("sync stability") else {
        return;
    };
    let scratch = ScratchDir::new("live-stable");
    let workspace = workspace(&scratch, normalized_platform);
    let verdict = live::verify(&workspace, dev(), &target(kubeconfig.clone()), true);
    let Err(Failure::Server { errors, .. }) = verdict else {
        panic!("expected an unstable object, got {verdict:?}")
    };
    let line = NORMALIZED_LINE.get().unwrap();
    assert_eq!(
        errors,
        [format!(
            "{}:{line}: dev/limits: LimitRange live-stable/memory: the server stores it differently from the release, \
             so Argo CD would show it OutOfSync after every sync: `spec.limits[0].default.memory`: rendered \"1024Mi\", \
             stored \"1Gi\"; render the stored form, or declare the difference ignored in its Application \
             (in release/dev/limits/live-stable.limitrange.memory.yaml) [rule: server.out-of-sync]",
            file!()
        )]
    );
    // Only a real apply shows the difference: the dry run accepts it.
    let verdict = live::verify(&workspace, dev(), &target(kubeconfig), false);
    assert!(verdict.is_ok(), "{verdict:?}");
}

/// Labels this test's objects carry, so the diff counts no other release's objects of dev on
/// the shared control plane.
const CASE: (&str, &str) = ("kumiki.dev/test", "live-diff");

fn drift_platform(_: EnvId, _: &[App]) -> (PlatformFacts, Vec<App>) {
    // The labels kumiki's constructs put on every object: what the diff finds leftovers by.
    let labels = [("app.kubernetes.io/managed-by", "kumiki"), ("env", "dev"), CASE];
    let mut app = App::new(name!("drift"));
    app.add(namespace("live-diff", &labels));
    for (name, data) in [("settings", ("mode", "fast")), ("extra", ("kept", "yes"))] {
        let mut config = config_map(Some("live-diff"), name, &[data]);
        config.metadata.labels = Some(labels.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect());
        app.add(config);
    }
    (PlatformFacts::default(), vec![app])
}

/// Each change of the live diff: (kind, object) pairs.
fn changes(workspace: &Workspace, target: &Target) -> Vec<(String, String)> {
    let (diff, refused) = live::diff(workspace, dev(), target).expect("the diff runs");
    assert_eq!(refused, Vec::<String>::new());
    (diff.changes.iter())
        .map(|change| (change.kind.as_str().to_owned(), change.key.to_string()))
        .collect()
}

#[test]
fn diff_live_shows_changes_deletions_and_drift_against_the_cluster() {
    let Some(kubeconfig) = control_plane("diff --live") else {
        return;
    };
    let scratch = ScratchDir::new("live-diff");
    let workspace = workspace(&scratch, drift_platform);
    let target = Target {
        selector: Some(format!("{}={}", CASE.0, CASE.1)),
        ..target(kubeconfig.clone())
    };
    live::verify(&workspace, dev(), &target, true).expect("applied, and stored as rendered");
    assert_eq!(changes(&workspace, &target), [], "nothing changes after an apply");

    let dir = workspace.release_root().join("dev/drift");
    let settings = dir.join("live-diff.configmap.settings.yaml");
    let rendered = std::fs::read_to_string(&settings).unwrap();
    std::fs::write(&settings, rendered.replace("mode: fast", "mode: slow")).unwrap();
    let (diff, _) = live::diff(&workspace, dev(), &target).unwrap();
    let text = kumiki_diff::render_text(&[diff], false);
    assert!(text.contains("-  mode: fast\n+  mode: slow"), "{text}");
    std::fs::write(&settings, &rendered).unwrap();

    std::fs::remove_file(dir.join("live-diff.configmap.extra.yaml")).unwrap();
    assert_eq!(
        changes(&workspace, &target),
        [("removed".to_owned(), "ConfigMap live-diff/extra".to_owned())],
        "an object kumiki applied that the release no longer has"
    );

    // Someone edits the object on the server: the release would put it back.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut server = kumiki_live::server::Server::connect(Some(&kubeconfig)).await.unwrap();
        let mut object = kumiki_live::release::read_release(&dir)
            .unwrap()
            .into_iter()
            .find(|object| object.name() == "settings")
            .unwrap();
        object.value["data"]["mode"] = "edited by hand".into();
        let answer = server.apply(&object, false).await.unwrap().unwrap();
        assert!(answer.accepted(), "{answer:?}");
    });
    let (diff, _) = live::diff(&workspace, dev(), &target).unwrap();
    let text = kumiki_diff::render_text(&[diff], false);
    assert!(text.contains("-  mode: edited by hand\n+  mode: fast"), "{text}");
}

#[test]
fn verify_judges_only_the_release_the_code_synthesizes() {
    // No server is asked: a stale release/ is refused first (so no control plane is needed).
    let scratch = ScratchDir::new("live-stale");
    let workspace = workspace(&scratch, drift_platform);
    let settings = workspace
        .release_root()
        .join("dev/drift/live-diff.configmap.settings.yaml");
    let edited = std::fs::read_to_string(&settings).unwrap().replace("fast", "edited");
    std::fs::write(&settings, edited).unwrap();
    let unreachable = Target {
        kubeconfig: Some(scratch.path().join("no-such-kubeconfig")),
        program: Some(PathBuf::from("/no/such/kumiki-live")),
        ..Target::default()
    };
    let verdict = live::verify(&workspace, dev(), &unreachable, false);
    let Err(failure @ Failure::Stale(_)) = verdict else {
        panic!("expected a stale release, got {verdict:?}")
    };
    assert_eq!(failure.exit_code(), 3);
    assert!(
        failure
            .to_string()
            .contains("stale      release/dev/drift/live-diff.configmap.settings.yaml"),
        "{failure}"
    );
}
