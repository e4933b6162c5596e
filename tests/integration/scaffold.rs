//! `cargo xtask new-service`: a scaffolded crate builds and synthesizes in every environment
//! (proven in a copy of the workspace, with its own build), and every refusal leaves the
//! workspace byte-identical.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use kumiki_tests::{ScratchDir, snapshot};
use xtask::Failure;
use xtask::scaffold::{Request, new_service};

/// Copies `from` into `to`, keeping modification times so that the copy's build stays
/// incremental between test runs.
fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let (source, target) = (entry.path(), to.join(entry.file_name()));
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&source, &target);
        } else {
            fs::copy(&source, &target).unwrap();
            let modified = entry.metadata().unwrap().modified().unwrap();
            fs::File::options()
                .write(true)
                .open(&target)
                .unwrap()
                .set_modified(modified)
                .unwrap();
        }
    }
}

/// The workspace's sources (no target/, release/ or git) copied to a fixed place under
/// target/, so the copy's own build is reused from one test run to the next.
fn workspace_copy() -> (PathBuf, PathBuf) {
    let workspace = xtask::workspace_root();
    let base = workspace.join("target").join("scaffold-test");
    let root = base.join("workspace");
    if root.exists() {
        fs::remove_dir_all(&root).unwrap();
    }
    fs::create_dir_all(&root).unwrap();
    for file in ["Cargo.toml", "Cargo.lock", "rust-toolchain.toml", "clippy.toml"] {
        fs::copy(workspace.join(file), root.join(file)).unwrap();
    }
    for dir in ["crates", "platform", "services", "xtask", "tests", "schemas", "crds"] {
        copy_tree(&workspace.join(dir), &root.join(dir));
    }
    // The one script a test reads (the rest of scripts/ holds the oracles' node_modules).
    fs::create_dir_all(root.join("scripts")).unwrap();
    fs::copy(
        workspace.join("scripts/label-dev-nodes.sh"),
        root.join("scripts/label-dev-nodes.sh"),
    )
    .unwrap();
    (root, base.join("target"))
}

#[test]
fn a_scaffolded_service_builds_synthesizes_and_keeps_the_suite_green() {
    let (root, target) = workspace_copy();
    let copy = xtask::Workspace {
        root: root.clone(),
        ..xtask::workspace()
    };
    let created = new_service(
        &copy,
        &Request {
            name: "order-api",
            port: 8080,
            image_repository: None,
        },
    )
    .unwrap();
    assert_eq!(created.dir, root.join("services/order-api"));
    assert_eq!(
        (
            created.crate_name.as_str(),
            created.module_name.as_str(),
            created.service_type.as_str()
        ),
        ("order-api", "order_api", "OrderApi")
    );
    let manifest = fs::read_to_string(root.join("xtask/Cargo.toml")).unwrap();
    assert!(
        manifest
            .contains("order = { path = \"../services/order\" }\norder-api = { path = \"../services/order-api\" }\n")
    );
    let source = fs::read_to_string(created.dir.join("src/lib.rs")).unwrap();
    assert!(source.contains("pub struct OrderApi;") && source.contains("repository!(\"order-api-repository\")"));

    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args(["run", "--quiet", "--package", "xtask", "--", "synth", "--env", "all"])
        .current_dir(&root)
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "synth in the scaffolded workspace failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for env in ["dev", "stg", "prd"] {
        let app = root.join("release").join(env).join("order-api");
        let deployment = fs::read_to_string(app.join("services.deployment.order-api.yaml")).unwrap();
        assert!(deployment.contains("containerPort: 8080"), "{env}: {deployment}");
        assert!(app.join("services.service.order-api.yaml").is_file());
        // The Argo CD tree picked the new app up.
        let application = root
            .join("release")
            .join(env)
            .join("team-app/argocd.application.order-api.yaml");
        assert!(application.is_file(), "{env}: no Application for order-api");
    }
    let prd = fs::read_to_string(root.join("release/prd/order-api/services.deployment.order-api.yaml")).unwrap();
    assert!(prd.contains("123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/order-api-repository:0.1.0"));

    // Adding a well-formed service never breaks the suite: the new one opens an ingress
    // listener, and the integration tests run in the copy (but these scaffold tests, and the
    // one that reads this repository's git history, which the copy does not have).
    let source = created.dir.join("src/lib.rs");
    let text = fs::read_to_string(&source).unwrap();
    let exposed = ".expose(port!(8080), &http)";
    assert!(text.contains(exposed), "{text}");
    let listener = ".expose_on_ingress(port!(8080), &http, \
                    Listener::new(port_name!(\"order-api\"), port!(50099)).with_node_port(node_port!(30099)))";
    fs::write(&source, text.replace(exposed, listener)).unwrap();
    run_in(
        &root,
        &target,
        &["run", "--quiet", "--package", "xtask", "--", "synth", "--env", "all"],
    );
    run_in(
        &root,
        &target,
        &[
            "test",
            "--quiet",
            "--test",
            "integration",
            "--",
            "--skip",
            "scaffold::",
            "--skip",
            "diff::base_reads_this_projects_own_history",
        ],
    );
}

/// Runs cargo with `args` in the workspace copy `root`; fails the test with cargo's output
/// when it fails.
fn run_in(root: &Path, target: &Path, args: &[&str]) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args(args)
        .current_dir(root)
        .env("CARGO_TARGET_DIR", target)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "cargo {} in the scaffolded workspace failed:\n{}\n{}",
        args.join(" "),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A minimal workspace: what `new-service` reads and writes, with this repository's platform.
fn small_workspace(scratch: &ScratchDir) -> xtask::Workspace {
    let root = scratch.path().to_path_buf();
    fs::create_dir_all(root.join("services/account/src")).unwrap();
    fs::write(
        root.join("services/account/Cargo.toml"),
        "[package]\nname = \"account\"\n",
    )
    .unwrap();
    fs::create_dir_all(root.join("xtask")).unwrap();
    fs::write(
        root.join("xtask/Cargo.toml"),
        "[dependencies]\naccount = { path = \"../services/account\" }\n",
    )
    .unwrap();
    xtask::Workspace {
        root,
        ..xtask::workspace()
    }
}

#[test]
fn refusals_name_the_problem_and_touch_nothing() {
    let scratch = ScratchDir::new("scaffold-refusals");
    let workspace = small_workspace(&scratch);
    let root = workspace.root.clone();
    let before = snapshot(&root);
    let cases: [(&str, u16, Option<&str>, &str); 7] = [
        ("account", 8080, None, "services/account already exists"),
        (
            "Ledger",
            8080,
            None,
            "service name \"Ledger\" is not in kebab-case; did you mean \"ledger\"?",
        ),
        (
            "order_api",
            8080,
            None,
            "service name \"order_api\" is not in kebab-case; did you mean \"order-api\"?",
        ),
        (
            "9lives",
            8080,
            None,
            "service name: invalid name \"9lives\": must start with a lowercase letter",
        ),
        ("platform", 8080, None, "service name \"platform\" is reserved"),
        ("ledger", 0, None, "--port: "),
        ("ledger", 8080, Some("Ledger_Repo"), "--image-repo: "),
    ];
    for (name, port, image_repository, expected) in cases {
        let request = Request {
            name,
            port,
            image_repository,
        };
        match new_service(&workspace, &request) {
            Err(Failure::Refused(message)) => {
                assert!(message.starts_with(expected), "{name}: {message}");
                assert_eq!(Failure::Refused(message).exit_code(), 2);
            }
            other => panic!("{name}: expected a refusal, got {other:?}"),
        }
        assert_eq!(snapshot(&root), before, "{name} changed the workspace");
    }
}

#[test]
fn every_name_the_platform_uses_is_refused() {
    let scratch = ScratchDir::new("scaffold-platform-names");
    let workspace = small_workspace(&scratch);
    let before = snapshot(&workspace.root);
    let names = xtask::scaffold::platform_names(&workspace);
    // Derived from the model: its apps and its Argo CD Applications and projects, charts' too.
    for expected in ["namespaces", "root", "istiod", "external-secrets"] {
        assert!(names.contains(expected), "{expected} not in {names:?}");
    }
    for name in &names {
        let request = Request {
            name,
            port: 8080,
            image_repository: None,
        };
        match new_service(&workspace, &request) {
            Err(Failure::Refused(message)) => {
                // Either this rule, or an earlier one (`team-app` is also too generic a prefix).
                assert!(
                    message.contains("is one the platform uses") || message.contains("is reserved"),
                    "{name}: {message}"
                );
            }
            other => panic!("{name}: expected a refusal, got {other:?}"),
        }
    }
    assert_eq!(snapshot(&workspace.root), before);
}

#[test]
fn a_failure_midway_takes_the_new_crate_back_out() {
    let scratch = ScratchDir::new("scaffold-rollback");
    let workspace = small_workspace(&scratch);
    let root = workspace.root.clone();
    // The manifest cannot be replaced: a directory sits where its temporary file goes.
    let temporary = format!("xtask/.Cargo.toml.{}.new/blocker", std::process::id());
    fs::create_dir_all(root.join(temporary)).unwrap();
    let before = snapshot(&root);
    let request = Request {
        name: "ledger",
        port: 8080,
        image_repository: None,
    };
    match new_service(&workspace, &request) {
        Err(Failure::Io(path, _)) => assert_eq!(path, root.join("xtask/Cargo.toml")),
        other => panic!("expected an IO failure, got {other:?}"),
    }
    assert!(!root.join("services/ledger").exists());
    assert!(!root.join(".new-service-ledger").exists());
    assert_eq!(snapshot(&root), before);
}
