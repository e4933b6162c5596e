//! `cargo xtask diff`: table-driven cases over pairs of object sets, and `--base` read
//! through git.

use std::process::Command;

use kumiki::k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use kumiki::k8s_openapi::api::batch::v1::Job;
use kumiki::k8s_openapi::api::core::v1::{ConfigMap, PersistentVolumeClaim, Service};
use kumiki::prelude::*;
use kumiki::synth::Model;
use kumiki_diff::{Tree, render_markdown, render_text};
use kumiki_tests::{ScratchDir, bare, pod_exemptions};
use platform::Env;

const REASON: &str = "diff fixtures exercise the review, not the pod rules";
use xtask::{Baseline, Failure};

/// Objects by app, written as the YAML a user would otherwise keep by hand.
type Objects = Vec<(&'static str, String)>;

/// Synthesizes `objects` for prd through the same pipeline as the product.
fn release(objects: &Objects) -> Tree {
    let mut apps: Vec<App> = Vec::new();
    for (app, yaml) in objects {
        if !apps.iter().any(|a| a.name().as_str() == *app) {
            apps.push(App::new(Name::try_from(*app).unwrap()));
        }
        let app = apps.iter_mut().find(|a| a.name().as_str() == *app).unwrap();
        let kind: serde_json::Value = serde_saphyr::from_str(yaml).unwrap();
        match kind["kind"].as_str().unwrap() {
            "Deployment" => app.add(serde_saphyr::from_str::<Deployment>(yaml).unwrap()),
            "StatefulSet" => app.add(serde_saphyr::from_str::<StatefulSet>(yaml).unwrap()),
            "Service" => app.add(serde_saphyr::from_str::<Service>(yaml).unwrap()),
            "ConfigMap" => app.add(serde_saphyr::from_str::<ConfigMap>(yaml).unwrap()),
            "Job" => app.add(serde_saphyr::from_str::<Job>(yaml).unwrap()),
            "PersistentVolumeClaim" => app.add(serde_saphyr::from_str::<PersistentVolumeClaim>(yaml).unwrap()),
            other => panic!("no test support for {other}"),
        };
    }
    // These fixtures are about review, not pod policy: the platform exempts them.
    let mut model = bare(Env::Prd, apps);
    model.facts.exemptions = pod_exemptions(&model.apps, REASON);
    kumiki::synth::synthesize(model).unwrap().files
}

fn deployment(selector: &str, replicas: u8, image: &str) -> String {
    format!(
        "apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: shop}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: {selector}}}}}
  template:
    metadata: {{labels: {{app: {selector}}}}}
    spec:
      containers: [{{name: web, image: '{image}'}}]
"
    )
}

fn service(name: &str, cluster_ip: &str, type_: &str) -> String {
    format!(
        "apiVersion: v1
kind: Service
metadata: {{name: {name}, namespace: shop}}
spec: {{type: {type_}, clusterIP: '{cluster_ip}', selector: {{app: web}}, ports: [{{port: 80}}]}}
"
    )
}

fn stateful_set(service_name: &str, storage: &str) -> String {
    format!(
        "apiVersion: apps/v1
kind: StatefulSet
metadata: {{name: db, namespace: shop}}
spec:
  serviceName: {service_name}
  selector: {{matchLabels: {{app: db}}}}
  template:
    metadata: {{labels: {{app: db}}}}
    spec:
      containers: [{{name: db, image: 'mysql:8.4.3', volumeMounts: [{{name: data, mountPath: /var/lib/mysql}}]}}]
  volumeClaimTemplates:
  - metadata: {{name: data}}
    spec: {{accessModes: [ReadWriteOnce], resources: {{requests: {{storage: {storage}}}}}}}
"
    )
}

fn headless(name: &str) -> String {
    format!(
        "apiVersion: v1
kind: Service
metadata: {{name: {name}, namespace: shop}}
spec: {{clusterIP: None, selector: {{app: db}}, ports: [{{port: 3306}}]}}
"
    )
}

fn job(command: &str) -> String {
    format!(
        "apiVersion: batch/v1
kind: Job
metadata: {{name: migrate, namespace: shop}}
spec:
  template:
    metadata: {{labels: {{job: migrate}}}}
    spec:
      restartPolicy: Never
      containers: [{{name: migrate, image: 'acme/migrate:1', command: [{command}]}}]
"
    )
}

fn claim(storage_class: &str) -> String {
    format!(
        "apiVersion: v1
kind: PersistentVolumeClaim
metadata: {{name: cache, namespace: shop}}
spec: {{storageClassName: {storage_class}, accessModes: [ReadWriteOnce], resources: {{requests: {{storage: 1Gi}}}}}}
"
    )
}

fn config_map(name: &str, value: &str, immutable: bool) -> String {
    format!(
        "apiVersion: v1
kind: ConfigMap
metadata: {{name: {name}, namespace: shop}}
immutable: {immutable}
data: {{LEVEL: '{value}'}}
"
    )
}

fn web() -> Objects {
    vec![
        ("web", deployment("web", 2, "docker.io/acme/web:1.0.0")),
        ("web", service("web", "10.0.0.10", "ClusterIP")),
    ]
}

fn with(mut objects: Objects, more: &[(&'static str, String)]) -> Objects {
    objects.extend(more.iter().cloned());
    objects
}

struct Case {
    name: &'static str,
    old: Objects,
    new: Objects,
    /// The exit code `cargo xtask diff` returns.
    exit: u8,
    /// Lines the text output must contain, in this order.
    expect: Vec<&'static str>,
}

fn cases() -> Vec<Case> {
    let db = || {
        vec![
            ("db", stateful_set("db-headless", "5Gi")),
            ("db", headless("db-headless")),
        ]
    };
    vec![
        Case {
            name: "unchanged",
            old: web(),
            new: web(),
            exit: 0,
            expect: vec!["prd: no change"],
        },
        Case {
            name: "added",
            old: web(),
            new: with(web(), &[("web", config_map("settings", "info", false))]),
            exit: 3,
            expect: vec![
                "prd: 1 added",
                "  web  1 added",
                "+ added ConfigMap shop/settings  web/shop.configmap.settings.yaml",
                "+++ b/web/shop.configmap.settings.yaml",
                "+  LEVEL: info",
            ],
        },
        Case {
            name: "removed",
            old: with(web(), &[("web", config_map("settings", "info", false))]),
            new: web(),
            exit: 3,
            expect: vec![
                "prd: 1 removed",
                "warning: prd/web: ConfigMap shop/settings is deleted from release/; no Application in this release syncs web, so whether the cluster loses it depends on the one that does",
                "- removed ConfigMap shop/settings  web/shop.configmap.settings.yaml",
            ],
        },
        Case {
            name: "changed",
            old: web(),
            new: vec![
                ("web", deployment("web", 3, "docker.io/acme/web:1.0.0")),
                ("web", service("web", "10.0.0.10", "ClusterIP")),
            ],
            exit: 3,
            expect: vec![
                "prd: 1 changed",
                "~ changed Deployment shop/web  web/shop.deployment.web.yaml",
                "--- a/web/shop.deployment.web.yaml",
                "-  replicas: 2",
                "+  replicas: 3",
            ],
        },
        Case {
            name: "moved to another app",
            old: with(web(), &[("web", config_map("settings", "info", false))]),
            new: with(web(), &[("shared", config_map("settings", "info", false))]),
            exit: 3,
            expect: vec![
                "prd: 1 moved",
                "  shared  1 moved",
                "warning: prd/shared: ConfigMap shop/settings moves from app web to app shared: two Argo CD Applications claim it during the sync, and web's prune may delete it before shared recreates it",
                "> moved ConfigMap shop/settings  web/shop.configmap.settings.yaml → shared/shop.configmap.settings.yaml",
            ],
        },
        Case {
            name: "image bump",
            old: web(),
            new: vec![
                ("web", deployment("web", 2, "docker.io/acme/web:1.1.0")),
                ("web", service("web", "10.0.0.10", "ClusterIP")),
            ],
            exit: 3,
            expect: vec![
                "image: prd/web/web: …/acme/web 1.0.0 → 1.1.0",
                "+      - image: docker.io/acme/web:1.1.0",
            ],
        },
        Case {
            name: "workload selector",
            old: web(),
            new: vec![
                ("web", deployment("web-v2", 2, "docker.io/acme/web:1.0.0")),
                ("web", {
                    let mut s = service("web", "10.0.0.10", "ClusterIP");
                    s = s.replace("{app: web}", "{app: web-v2}");
                    s
                }),
            ],
            exit: 3,
            expect: vec![
                "warning: prd/web: Deployment shop/web: spec.selector changes, which Kubernetes rejects: the sync fails until the Deployment is deleted and recreated (a replacement)",
            ],
        },
        Case {
            name: "StatefulSet volumeClaimTemplates",
            old: db(),
            new: vec![
                ("db", stateful_set("db-headless", "10Gi")),
                ("db", headless("db-headless")),
            ],
            exit: 3,
            expect: vec![
                "warning: prd/db: StatefulSet shop/db: spec.volumeClaimTemplates changes, which Kubernetes rejects: the sync fails until the StatefulSet is deleted and recreated (a replacement)",
            ],
        },
        Case {
            name: "StatefulSet serviceName",
            old: db(),
            new: vec![("db", stateful_set("db-peers", "5Gi")), ("db", headless("db-peers"))],
            exit: 3,
            expect: vec![
                "warning: prd/db: StatefulSet shop/db: spec.serviceName changes (db-headless → db-peers), which Kubernetes rejects",
            ],
        },
        Case {
            name: "Service clusterIP",
            old: web(),
            new: vec![
                ("web", deployment("web", 2, "docker.io/acme/web:1.0.0")),
                ("web", service("web", "10.0.0.11", "ClusterIP")),
            ],
            exit: 3,
            expect: vec![
                "warning: prd/web: Service shop/web: spec.clusterIP changes (10.0.0.10 → 10.0.0.11), which Kubernetes rejects",
            ],
        },
        Case {
            name: "Service type",
            old: web(),
            new: vec![
                ("web", deployment("web", 2, "docker.io/acme/web:1.0.0")),
                ("web", service("web", "10.0.0.10", "NodePort")),
            ],
            exit: 3,
            expect: vec![
                "warning: prd/web: Service shop/web: spec.type changes (ClusterIP → NodePort): clients reach it differently",
            ],
        },
        Case {
            name: "Job template",
            old: vec![("jobs", job("migrate"))],
            new: vec![("jobs", job("migrate, --dry-run"))],
            exit: 3,
            expect: vec![
                "warning: prd/jobs: Job shop/migrate: spec.template changes, which Kubernetes rejects: the sync fails until the Job is deleted and recreated (a replacement)",
            ],
        },
        Case {
            name: "PVC storage class",
            old: vec![("cache", claim("gp2"))],
            new: vec![("cache", claim("gp3"))],
            exit: 3,
            expect: vec![
                "warning: prd/cache: PersistentVolumeClaim shop/cache: spec.storageClassName changes (gp2 → gp3), which Kubernetes rejects",
            ],
        },
        Case {
            name: "immutable ConfigMap data",
            old: vec![("cfg", config_map("settings", "info", true))],
            new: vec![("cfg", config_map("settings", "debug", true))],
            exit: 3,
            expect: vec![
                "warning: prd/cfg: ConfigMap shop/settings is immutable and its data changes, which Kubernetes rejects",
            ],
        },
    ]
}

#[test]
fn each_kind_of_change_is_reported_with_its_exit_code() {
    for case in cases() {
        let diff = kumiki_diff::compare("prd", &release(&case.old), &release(&case.new)).unwrap();
        let diffs = [diff];
        let text = render_text(&diffs, false);
        assert_eq!(xtask::diff_exit_code(&diffs), case.exit, "{}:\n{text}", case.name);
        let mut rest = text.as_str();
        for line in &case.expect {
            let found = rest
                .find(line)
                .unwrap_or_else(|| panic!("{}: missing or out of order {line:?} in:\n{text}", case.name));
            rest = &rest[found + line.len()..];
        }
        // Only the cases that expect a warning produce one.
        let expects_warning = case.expect.iter().any(|line| line.starts_with("warning:"));
        assert_eq!(text.contains("warning:"), expects_warning, "{}:\n{text}", case.name);
    }
}

#[test]
fn kinds_are_ordered_by_importance_within_an_app() {
    let old = vec![("db", config_map("other", "x", false))];
    let new = vec![
        ("db", config_map("settings", "info", false)),
        ("db", headless("db-headless")),
        ("db", stateful_set("db-headless", "5Gi")),
        ("db", config_map("other", "x", false)),
    ];
    let diff = kumiki_diff::compare("prd", &release(&old), &release(&new)).unwrap();
    let order: Vec<String> = diff.changes.iter().map(|c| c.key.to_string()).collect();
    assert_eq!(
        order,
        [
            "StatefulSet shop/db",
            "Service shop/db-headless",
            "ConfigMap shop/settings"
        ]
    );
}

/// An Argo CD Application syncing `release/prd/web`, pruning or not.
fn with_application(mut tree: Tree, prune: bool) -> Tree {
    let application = format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: web\n  namespace: argocd\nspec:\n  source:\n    path: release/prd/web\n  syncPolicy:\n    automated:\n      prune: {prune}\n"
    );
    tree.insert("team-app/argocd.application.web.yaml".to_owned(), application);
    tree
}

#[test]
fn a_deletion_warning_says_what_the_application_syncing_it_does() {
    let old = with(web(), &[("web", config_map("settings", "info", false))]);
    for (prune, expected) in [
        (
            true,
            "warning: prd/web: ConfigMap shop/settings is deleted: Application web prunes, so Argo CD removes it from the cluster",
        ),
        (
            false,
            "warning: prd/web: ConfigMap shop/settings is deleted from release/ but stays in the cluster: Application web does not prune; delete it by hand or sync once with prune",
        ),
    ] {
        let before = with_application(release(&old), prune);
        let after = with_application(release(&web()), prune);
        let diff = kumiki_diff::compare("prd", &before, &after).unwrap();
        let text = render_text(&[diff], false);
        assert!(text.contains(expected), "prune {prune}:\n{text}");
    }
}

#[test]
fn a_config_map_replaced_by_its_new_content_hash_is_reported_where_it_stays_behind() {
    let old = with(web(), &[("web", config_map("web-config-1a2b3c4d", "info", true))]);
    let new = with(web(), &[("web", config_map("web-config-5e6f7a8b", "debug", true))]);
    let before = with_application(release(&old), false);
    let after = with_application(release(&new), false);
    let diff = kumiki_diff::compare("prd", &before, &after).unwrap();
    let text = render_text(&[diff], false);
    assert!(
        text.contains(
            "warning: prd/web: replaced by ConfigMap web-config-5e6f7a8b (its contents changed; the workloads mount the new one): \
             ConfigMap shop/web-config-1a2b3c4d is deleted from release/ but stays in the cluster: Application web does not prune"
        ),
        "{text}"
    );
    // A ConfigMap whose name is no content hash is an ordinary deletion.
    let old = with(web(), &[("web", config_map("settings", "info", false))]);
    let new = with(web(), &[("web", config_map("settings-v2", "info", false))]);
    let diff = kumiki_diff::compare("prd", &release(&old), &release(&new)).unwrap();
    assert!(!render_text(&[diff], false).contains("replaced by"));
}

/// A canary Deployment of web beside the stable one, running `image`.
fn canary(image: &str) -> String {
    deployment("web-canary", 1, image).replace("{name: web, namespace", "{name: web-canary, namespace")
}

#[test]
fn a_bump_two_workloads_share_is_shown_once() {
    let old = vec![
        ("web", deployment("web", 2, "docker.io/acme/web:1.0.0")),
        ("web", canary("docker.io/acme/web:1.0.0")),
    ];
    let new = vec![
        ("web", deployment("web", 2, "docker.io/acme/web:1.1.0")),
        ("web", canary("docker.io/acme/web:1.1.0")),
    ];
    let diff = kumiki_diff::compare("prd", &release(&old), &release(&new)).unwrap();
    let text = render_text(std::slice::from_ref(&diff), false);
    assert_eq!(
        text.matches("image: prd/web/web: …/acme/web 1.0.0 → 1.1.0\n").count(),
        1,
        "{text}"
    );
    let markdown = render_markdown(&[diff]);
    assert_eq!(
        markdown.matches("- web/web: …/acme/web 1.0.0 → 1.1.0\n").count(),
        1,
        "{markdown}"
    );
}

#[test]
fn markdown_collapses_each_app_and_warns_up_front() {
    let old = with(web(), &[("web", config_map("settings", "info", false))]);
    let new = vec![
        ("web", deployment("web", 2, "docker.io/acme/web:1.1.0")),
        ("web", service("web", "10.0.0.10", "ClusterIP")),
    ];
    let diff = kumiki_diff::compare("prd", &release(&old), &release(&new)).unwrap();
    let markdown = render_markdown(&[diff]);
    let warning = markdown
        .find("> [!WARNING]\n> - `web`: ConfigMap shop/settings is deleted")
        .unwrap();
    let details = markdown
        .find("<details><summary><b>web</b>: 1 removed, 1 changed</summary>")
        .unwrap();
    assert!(warning < details, "{markdown}");
    assert!(markdown.contains("| `web` | 0 | 1 | 1 | 0 |"), "{markdown}");
    assert!(markdown.contains("- web/web: …/acme/web 1.0.0 → 1.1.0"), "{markdown}");
    assert!(
        markdown.contains("```diff\n--- a/web/shop.deployment.web.yaml"),
        "{markdown}"
    );
    assert!(markdown.trim_end().ends_with("</details>"), "{markdown}");
}

#[test]
fn colour_marks_additions_and_removals_only_when_asked() {
    let old = web();
    let new = vec![
        ("web", deployment("web", 3, "docker.io/acme/web:1.0.0")),
        ("web", service("web", "10.0.0.10", "ClusterIP")),
    ];
    let diff = [kumiki_diff::compare("prd", &release(&old), &release(&new)).unwrap()];
    assert!(render_text(&diff, true).contains("\u{1b}[32m+  replicas: 3\u{1b}[0m"));
    assert!(!render_text(&diff, false).contains('\u{1b}'));
}

fn git(dir: &std::path::Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=kumiki tests", "-c", "user.email=tests@kumiki.invalid"])
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn model(replicas: u8) -> impl Fn(Env) -> Model {
    move |env| {
        let mut app = App::new(name!("web"));
        app.add(
            serde_saphyr::from_str::<Deployment>(&deployment("web", replicas, "docker.io/acme/web:1.0.0")).unwrap(),
        );
        let mut model = bare(env, vec![app]);
        model.facts.exemptions = pod_exemptions(&model.apps, REASON);
        model
    }
}

#[test]
fn base_reads_the_release_at_a_git_ref_without_the_work_tree() {
    let repo = ScratchDir::new("diff-base");
    git(repo.path(), &["init", "--quiet"]);
    let release_root = repo.path().join("release");
    xtask::synth(&release_root, &[Env::Prd], model(2)).unwrap();
    git(repo.path(), &["add", "release"]);
    git(repo.path(), &["commit", "--quiet", "-m", "two replicas"]);
    // The work tree now holds what the code synthesizes; the commit still has two replicas.
    xtask::synth(&release_root, &[Env::Prd], model(3)).unwrap();
    let status_before = git(repo.path(), &["status", "--porcelain"]);

    let on_disk = xtask::diff(&Baseline::Directory(release_root.clone()), &[Env::Prd], model(3)).unwrap();
    assert_eq!(xtask::diff_exit_code(&on_disk), 0);
    let head = Baseline::GitRef {
        repo: repo.path().to_path_buf(),
        reference: "HEAD".to_owned(),
    };
    let against_head = xtask::diff(&head, &[Env::Prd], model(3)).unwrap();
    assert_eq!(xtask::diff_exit_code(&against_head), 3);
    let text = render_text(&against_head, false);
    assert!(text.contains("-  replicas: 2\n+  replicas: 3"), "{text}");
    assert_eq!(
        git(repo.path(), &["status", "--porcelain"]),
        status_before,
        "the work tree is untouched"
    );

    let unknown = Baseline::GitRef {
        repo: repo.path().to_path_buf(),
        reference: "no-such-branch".to_owned(),
    };
    let failure = xtask::diff(&unknown, &[Env::Prd], model(3)).unwrap_err();
    assert!(matches!(failure, Failure::Git(_)), "{failure}");
    assert_eq!(failure.exit_code(), 4);
    assert!(
        failure
            .to_string()
            .contains("no-such-branch is not a commit of this repository"),
        "{failure}"
    );
}

#[test]
fn base_reads_this_projects_own_history() {
    let root = xtask::workspace_root();
    let head = Baseline::GitRef {
        repo: root.clone(),
        reference: "HEAD".to_owned(),
    };
    let tree = head.tree(Env::Prd).unwrap();
    let path = "account/services.deployment.account.yaml";
    // Read independently of the diff's own reader: `git show`.
    let shown = git(&root, &["show", &format!("HEAD:release/prd/{path}")]);
    assert_eq!(tree[path], shown);
    let listed = git(&root, &["ls-tree", "-r", "--name-only", "HEAD", "--", "release/prd/"]);
    assert_eq!(tree.len(), listed.lines().count());
}

#[test]
fn json_describes_each_change_with_its_object_warnings_and_images() {
    let old = with(web(), &[("web", config_map("settings", "info", false))]);
    let new = vec![
        ("web", deployment("web", 2, "docker.io/acme/web:1.1.0")),
        ("web", service("web", "10.0.0.10", "ClusterIP")),
    ];
    let diff = kumiki_diff::compare("prd", &release(&old), &release(&new)).unwrap();
    let report = xtask::json::DiffReport::new(&[diff]);
    let json: serde_json::Value = serde_json::from_str(&xtask::json::to_json(&report)).unwrap();
    assert_eq!(json["format"], 1);
    let changes = json["environments"][0]["changes"].as_array().unwrap();
    let removed = changes.iter().find(|change| change["kind"] == "removed").unwrap();
    assert_eq!(removed["object"]["kind"], "ConfigMap");
    assert_eq!(removed["object"]["namespace"], "shop");
    assert!(removed["warnings"][0].as_str().unwrap().contains("is deleted"));
    let changed = changes.iter().find(|change| change["kind"] == "changed").unwrap();
    assert_eq!(changed["image_changes"][0]["to"], "docker.io/acme/web:1.1.0");
    assert_eq!(changed["image_changes"][0]["promoted_from"], serde_json::Value::Null);
    let body = changed["diff"].as_str().unwrap();
    assert!(
        body.starts_with("--- a/web/") && body.contains("+") && body.contains("web:1.1.0"),
        "{body}"
    );
}
