//! `kumiki init` as a new user runs it: the `kumiki` program creates a workspace on this
//! checkout's SDK, in which `cargo xtask synth` passes at once and `cargo xtask new-service`
//! adds a service that synthesizes. The workspace and its build live at a fixed place under
//! target/ (init-test/), so later runs reuse the build.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn checkout() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn kumiki(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kumiki")).args(args).output().unwrap()
}

/// Runs cargo with `args` in `dir`, building into `target`; fails with its output.
fn cargo(dir: &Path, target: &Path, args: &[&str]) -> String {
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "cargo {} in {} failed:\n{text}",
        args.join(" "),
        dir.display()
    );
    text
}

#[test]
fn init_creates_workspaces_that_synthesize_and_take_a_new_service() {
    let base = checkout().join("target/init-test");
    let demo = base.join("demo");
    let _ = std::fs::remove_dir_all(&demo);
    std::fs::create_dir_all(&base).unwrap();
    let sdk = checkout();
    let created = kumiki(&[
        "init",
        demo.to_str().unwrap(),
        "--sdk",
        sdk.to_str().unwrap(),
        "--envs",
        "dev,stg,prd",
    ]);
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    let target = base.join("target");

    let synth = cargo(&demo, &target, &["xtask", "synth", "--env", "prd"]);
    assert!(synth.contains("release/prd: 15 files"), "{synth}");
    assert!(demo.join("release/prd/hello/apps.deployment.hello.yaml").is_file());
    // stg → prd is the promotion path the platform was created with.
    let platform = std::fs::read_to_string(demo.join("platform/src/lib.rs")).unwrap();
    assert!(
        platform.contains("Promotion { from: Env::Stg.id(), to: Env::Prd.id() }"),
        "{platform}"
    );

    cargo(&demo, &target, &["xtask", "new-service", "billing", "--port", "8081"]);
    let synth = cargo(&demo, &target, &["xtask", "synth", "--env", "all"]);
    assert!(synth.contains("release/prd: 21 files"), "{synth}");
    assert!(demo.join("release/stg/billing/apps.service.billing.yaml").is_file());
    cargo(&demo, &target, &["xtask", "check", "--env", "all"]);

    init_with_a_mesh_installs_istio_and_requires_mutual_tls();
}

#[test]
fn init_refuses_a_directory_that_is_not_empty_and_writes_nothing() {
    let base = checkout().join("target/init-test");
    let taken = base.join("taken");
    std::fs::create_dir_all(&taken).unwrap();
    std::fs::write(taken.join("notes.txt"), "mine").unwrap();
    let refused = kumiki(&["init", taken.to_str().unwrap(), "--sdk", checkout().to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("exists and is not empty; nothing was changed"),
        "{stderr}"
    );
    let entries: Vec<_> = std::fs::read_dir(&taken).unwrap().collect();
    assert_eq!(entries.len(), 1);

    let refused = kumiki(&["init", base.join("Bad_Name").to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(!base.join("Bad_Name").exists());
    let refused = kumiki(&["init", base.join("fine").to_str().unwrap(), "--envs", "dev,dev"]);
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--envs names dev twice"));
}

#[test]
fn completions_are_printed_for_each_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let printed = kumiki(&["completions", shell]);
        assert!(printed.status.success());
        let script = String::from_utf8_lossy(&printed.stdout);
        assert!(
            script.contains("kumiki") && script.contains("init") && script.contains("sdk"),
            "{shell}: {script}"
        );
    }
}

/// Run by the test above, after it: two workspaces building `xtask` into one target directory
/// at once would each run the other's binary (which kumiki refuses).
fn init_with_a_mesh_installs_istio_and_requires_mutual_tls() {
    let base = checkout().join("target/init-test");
    let mesh = base.join("mesh");
    let _ = std::fs::remove_dir_all(&mesh);
    std::fs::create_dir_all(&base).unwrap();
    let created = kumiki(&[
        "init",
        mesh.to_str().unwrap(),
        "--sdk",
        checkout().to_str().unwrap(),
        "--mesh",
    ]);
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    let synth = cargo(&mesh, &base.join("target"), &["xtask", "synth", "--env", "prd"]);
    assert!(synth.contains("release/prd: 28 files"), "{synth}");
    let release = mesh.join("release/prd");
    assert!(
        release
            .join("mesh/istio-system.peerauthentication.default.yaml")
            .is_file()
    );
    assert!(release.join("hello/apps.authorizationpolicy.hello.yaml").is_file());
    let istiod = std::fs::read_to_string(release.join("team-platform/argocd.application.istiod.yaml")).unwrap();
    assert!(istiod.contains("mode: REGISTRY_ONLY"), "{istiod}");
}
