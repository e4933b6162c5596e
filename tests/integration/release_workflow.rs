//! The commands that write the repository, run as a careless or hostile contributor and a CI
//! system running jobs in parallel would: each test runs the real command line (argument
//! parsing, the workspace lock, the exit code) in a child process on a scratch copy of the
//! repository's data.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::Command;

use kumiki_tests::{scratch_workspace, snapshot};
use xtask::Workspace;

const ARGS: &str = "KUMIKI_TEST_COMMAND_ARGS";
const ROOT: &str = "KUMIKI_TEST_COMMAND_ROOT";

/// Not a test of its own: the child process of [`run`], which runs the command line with the
/// arguments in `ARGS` on the workspace at `ROOT` and exits with its code.
#[test]
fn command_child() {
    let (Ok(args), Ok(root)) = (std::env::var(ARGS), std::env::var(ROOT)) else {
        return;
    };
    let workspace = Workspace {
        root: root.into(),
        ..xtask::workspace()
    };
    let args = std::iter::once("cargo xtask".to_owned()).chain(args.split('\u{1f}').map(str::to_owned));
    let code = xtask::command::main_from(&workspace, args, |extra: xtask::command::NoExtra, _| match extra {});
    let code = (0..=u8::MAX).find(|n| std::process::ExitCode::from(*n) == code);
    std::process::exit(i32::from(code.unwrap_or(u8::MAX)));
}

/// What a command printed, and its exit code.
#[derive(Debug)]
struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `cargo xtask <args>` on the workspace at `root`, in a process of its own.
fn run(root: &Path, args: &[&str]) -> Ran {
    spawn(root, args)
        .wait_with_output()
        .map(ran)
        .expect("the test binary runs")
}

fn spawn(root: &Path, args: &[&str]) -> std::process::Child {
    command(root, args).spawn().expect("the test binary runs")
}

fn command(root: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(std::env::current_exe().expect("the test binary has a path"));
    command
        .args([
            "--exact",
            "release_workflow::command_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(ARGS, args.join("\u{1f}"))
        .env(ROOT, root)
        .current_dir(root)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    command
}

fn ran(output: std::process::Output) -> Ran {
    // The test harness announces the test (without a line break) before the command prints.
    let stdout = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|line| !line.is_empty() && !line.starts_with("running 1 test"))
        .map(|line| {
            line.strip_prefix("test release_workflow::command_child ... ")
                .unwrap_or(line)
        })
        .filter(|line| !line.is_empty())
        .map(|line| format!("{line}\n"))
        .collect();
    Ran {
        code: output.status.code().unwrap_or(-1),
        stdout,
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn versions_file(root: &Path, service: &str) -> std::path::PathBuf {
    root.join(Workspace::images_file(service))
}

#[test]
fn a_versions_file_that_is_a_link_is_refused_and_nothing_changes() {
    let (scratch, _) = scratch_workspace("link-file");
    let root = scratch.path();
    let (account, order) = (versions_file(root, "account"), versions_file(root, "order"));
    let order_before = fs::read(&order).unwrap();
    fs::remove_file(&account).unwrap();
    symlink(&order, &account).unwrap();
    let release = snapshot(&root.join("release"));

    let ran = run(
        root,
        &["set-image", "account", "--env", "stg", "--container", "gin", "1.2.3"],
    );
    assert_eq!(ran.code, 2, "{ran:?}");
    assert!(
        ran.stderr
            .contains("services/account/images.yaml is a symbolic link: kumiki does not write through links"),
        "{ran:?}"
    );
    assert!(!ran.stderr.contains("put back") && ran.stdout.is_empty(), "{ran:?}");
    assert_eq!(fs::read(&order).unwrap(), order_before);
    assert!(fs::symlink_metadata(&account).unwrap().file_type().is_symlink());
    assert_eq!(snapshot(&root.join("release")), release);

    // Nor does synth read another service's versions through it.
    let ran = run(root, &["synth", "--env", "stg"]);
    assert_eq!(ran.code, 1, "{ran:?}");
    assert!(
        ran.stderr.contains(
            "services/account/images.yaml:0: stg/account: cannot read: services/account/images.yaml is a symbolic link"
        ),
        "{ran:?}"
    );
}

#[test]
fn a_directory_link_above_a_file_or_in_release_is_refused() {
    let (scratch, _) = scratch_workspace("link-dir");
    let root = scratch.path();
    let elsewhere = kumiki_tests::ScratchDir::new("link-dir-target");
    fs::copy(versions_file(root, "account"), elsewhere.path().join("images.yaml")).unwrap();
    fs::remove_dir_all(root.join("services/account")).unwrap();
    symlink(elsewhere.path(), root.join("services/account")).unwrap();
    let outside_before = snapshot(elsewhere.path());

    let ran = run(
        root,
        &["set-image", "account", "--env", "stg", "--container", "gin", "1.2.3"],
    );
    assert_eq!(ran.code, 2, "{ran:?}");
    assert!(ran.stderr.contains("services/account is a symbolic link"), "{ran:?}");
    assert_eq!(snapshot(elsewhere.path()), outside_before);

    // An environment directory of release/ that is a link: synth writes nothing through it.
    let (scratch, _) = scratch_workspace("link-release");
    let root = scratch.path();
    let target = kumiki_tests::ScratchDir::new("link-release-target");
    fs::remove_dir_all(root.join("release/stg")).unwrap();
    symlink(target.path(), root.join("release/stg")).unwrap();
    let ran = run(root, &["synth", "--env", "stg"]);
    assert_eq!(ran.code, 4, "{ran:?}");
    assert!(ran.stderr.contains("release/stg is a symbolic link"), "{ran:?}");
    assert!(snapshot(target.path()).is_empty());
}

#[test]
fn new_service_and_schemas_write_through_no_link() {
    let (scratch, _) = scratch_workspace("link-scaffold");
    let root = scratch.path();
    let elsewhere = kumiki_tests::ScratchDir::new("link-scaffold-target");
    let manifest = elsewhere.path().join("Cargo.toml");
    fs::write(&manifest, "[dependencies]\n").unwrap();
    fs::create_dir_all(root.join("xtask")).unwrap();
    symlink(&manifest, root.join("xtask/Cargo.toml")).unwrap();
    let ran = run(root, &["new-service", "ledger", "--port", "8080"]);
    assert_eq!(ran.code, 2, "{ran:?}");
    assert!(ran.stderr.contains("xtask/Cargo.toml is a symbolic link"), "{ran:?}");
    assert_eq!(fs::read_to_string(&manifest).unwrap(), "[dependencies]\n");
    assert!(!root.join("services/ledger").exists());

    symlink(elsewhere.path(), root.join("schemas")).unwrap();
    let ran = run(root, &["schemas"]);
    assert_eq!(ran.code, 2, "{ran:?}");
    assert!(ran.stderr.contains("schemas is a symbolic link"), "{ran:?}");
    assert_eq!(snapshot(elsewhere.path()).len(), 1, "only the manifest is there");
}

#[test]
fn diff_of_prd_alone_shows_a_promotion_from_stg_changed_in_the_same_change() {
    let (scratch, _) = scratch_workspace("diff-promotion-alone");
    let root = scratch.path();
    let set = run(
        root,
        &[
            "set-image",
            "account",
            "--env",
            "stg",
            "--container",
            "gin",
            "3.1.4",
            "--no-synth",
        ],
    );
    assert_eq!(set.code, 0, "{set:?}");
    let promoted = run(
        root,
        &["promote", "--from", "stg", "--to", "prd", "account", "--no-synth"],
    );
    assert_eq!(promoted.code, 0, "{promoted:?}");
    // release/ on disk still runs d74ac1c in stg: what the code makes stg run decides.
    let ran = run(root, &["diff", "--env", "prd"]);
    assert_eq!(ran.code, 3, "{ran:?}");
    assert!(
        ran.stdout
            .contains("promoted: stg → prd/account/gin: …/account-gin-repository d74ac1c → 3.1.4\n"),
        "{ran:?}"
    );
    assert!(!ran.stdout.contains("image: prd/"), "{ran:?}");
}

/// The first container entry of `service`'s versions file.
fn first_container(root: &Path, service: &str) -> Option<String> {
    let text = fs::read_to_string(versions_file(root, service)).ok()?;
    let document = kumiki::images::VersionsDocument::parse(&text).ok()?;
    document.keys().find(|key| !key.contains('@')).map(str::to_owned)
}

#[test]
fn concurrent_set_images_all_land() {
    let (scratch, workspace) = scratch_workspace("concurrent");
    let root = scratch.path();
    let mut requests = Vec::new();
    for service in xtask::SERVICES {
        let Some(container) = first_container(root, service.name) else {
            continue;
        };
        for env in ["dev", "stg", "prd"] {
            requests.push((service.name, container.clone(), env, format!("9.{}.0", requests.len())));
        }
    }
    assert!(requests.len() >= 18, "{requests:?}");
    let children: Vec<_> = (requests.iter().enumerate())
        .map(|(index, (service, container, env, version))| {
            let mut args = vec!["set-image", service, "--env", env, "--container", container, version];
            if *env == "prd" {
                args.extend(["--skip-promotion", "the concurrency test sets every environment"]);
            }
            // Every third run synthesizes too, while the others edit.
            if index % 3 != 0 {
                args.push("--no-synth");
            }
            spawn(root, &args)
        })
        .collect();
    for ((service, container, env, version), child) in requests.iter().zip(children) {
        let ran = ran(child.wait_with_output().unwrap());
        assert_eq!(ran.code, 0, "{ran:?}");
        assert!(ran.stdout.contains(&format!("{service}/{container}: ")), "{ran:?}");
        assert!(ran.stdout.contains(&format!(" → {version}\n")), "{ran:?}");
        let text = fs::read_to_string(versions_file(root, service)).unwrap();
        let document = kumiki::images::VersionsDocument::parse(&text).unwrap();
        assert_eq!(
            document.value(container, env),
            Some(version.as_str()),
            "{service} {env}\n{text}"
        );
    }
    // Every reported change is in the files, and the files synthesize.
    let ran = run(root, &["synth", "--env", "all"]);
    assert_eq!(ran.code, 0, "{ran:?}");
    assert!(
        xtask::check(&workspace.release_root(), &platform::Env::ALL, |env| workspace
            .model(env))
        .is_ok()
    );
}

#[test]
fn promotion_follows_the_platforms_path_unless_a_reason_is_given() {
    let (scratch, _) = scratch_workspace("promotion-path");
    let root = scratch.path();
    let file = versions_file(root, "account");
    let before = fs::read(&file).unwrap();

    let ran = run(root, &["promote", "--from", "dev", "--to", "prd", "account"]);
    assert_eq!(ran.code, 2, "{ran:?}");
    assert!(
        ran.stderr.contains(
            "error: dev -> prd is not on the platform's promotion path: prd is promoted from stg (`cargo xtask promote --from stg --to prd`)"
        ),
        "{ran:?}"
    );
    assert!(ran.stderr.contains("--skip-promotion \"<reason>\""), "{ran:?}");
    let ran = run(
        root,
        &["set-image", "account", "--env", "prd", "--container", "gin", "1.2.3"],
    );
    assert_eq!(ran.code, 2, "{ran:?}");
    assert!(
        ran.stderr.contains("error: prd is reached by promotion from stg"),
        "{ran:?}"
    );
    assert_eq!(fs::read(&file).unwrap(), before);

    // With a reason, it is done, and the reason is printed with the change.
    let ran = run(
        root,
        &[
            "set-image",
            "account",
            "--env",
            "dev",
            "--container",
            "gin",
            "2.0.0",
            "--no-synth",
        ],
    );
    assert_eq!(ran.code, 0, "{ran:?}");
    let reason = "CVE-2026-0001 hotfix verified in dev";
    let ran = run(
        root,
        &[
            "promote",
            "--from",
            "dev",
            "--to",
            "prd",
            "account",
            "--skip-promotion",
            reason,
        ],
    );
    assert_eq!(ran.code, 0, "{ran:?}");
    assert!(ran.stdout.contains("account/gin: d74ac1c → 2.0.0\n"), "{ran:?}");
    assert!(
        ran.stdout
            .contains(&format!("outside the promotion path, because: {reason}\n")),
        "{ran:?}"
    );
    // Along the path, no reason is needed.
    let ran = run(root, &["promote", "--from", "stg", "--to", "prd", "account"]);
    assert_eq!(ran.code, 0, "{ran:?}");
    assert!(ran.stdout.contains("account/gin: 2.0.0 → d74ac1c\n"), "{ran:?}");
}

#[test]
fn the_version_policy_refuses_words_and_yaml_tags_with_its_text() {
    let (scratch, _) = scratch_workspace("version-policy");
    let root = scratch.path();
    let file = versions_file(root, "account");
    let before = fs::read(&file).unwrap();
    let policy = "the platform's version policy requires a release number (1.10, v2.15.0, 8.5.0-rc.1) or a commit id";
    let ran = run(
        root,
        &[
            "set-image",
            "account",
            "--env",
            "stg",
            "--container",
            "gin",
            "stable-eu",
        ],
    );
    assert_eq!(ran.code, 2, "{ran:?}");
    assert!(
        ran.stderr
            .contains(&format!("version for stg: `stable-eu` is not allowed: {policy}")),
        "{ran:?}"
    );
    assert_eq!(fs::read(&file).unwrap(), before);
    // In dev a word is fine, and so is a floating tag.
    let ran = run(
        root,
        &[
            "set-image",
            "account",
            "--env",
            "dev",
            "--container",
            "gin",
            "stable-eu",
            "--no-synth",
        ],
    );
    assert_eq!(ran.code, 0, "{ran:?}");

    // Written by hand: a word, and a YAML tag, are synth errors at their lines.
    let text = String::from_utf8(before.clone()).unwrap();
    let edited = text
        .replace("stg: d74ac1c", "stg: prod")
        .replace("prd: d74ac1c", "prd: !!str 1.10");
    assert_ne!(edited, text);
    fs::write(&file, &edited).unwrap();
    let stg_line = edited.lines().position(|line| line.contains("stg: prod")).unwrap() + 1;
    let prd_line = edited.lines().position(|line| line.contains("!!str")).unwrap() + 1;
    let ran = run(root, &["check", "--env", "all"]);
    assert_eq!(ran.code, 1, "{ran:?}");
    assert!(
        ran.stderr.contains(&format!(
            "services/account/images.yaml:{stg_line}: stg/account: `gin` stg: `prod` is not allowed: {policy}"
        )),
        "{ran:?}"
    );
    assert!(
        ran.stderr.contains(&format!(
            "services/account/images.yaml:{prd_line}: prd/account: `gin` prd: `1.10` is written with a YAML tag or anchor"
        )),
        "{ran:?}"
    );
    // promote reads the file as written: the word in stg is not promoted to prd.
    let ran = run(root, &["promote", "--from", "stg", "--to", "prd", "account"]);
    assert_eq!(ran.code, 2, "{ran:?}");
    assert!(
        ran.stderr.contains(&format!(
            "`gin` cannot take stg's version in prd: `prod` is not allowed: {policy}"
        )),
        "{ran:?}"
    );
    assert_eq!(fs::read_to_string(&file).unwrap(), edited);
}

#[test]
fn a_workspace_with_two_environments_of_one_name_is_refused() {
    static TWICE: [kumiki::values::EnvId; 3] = [
        platform::Env::Dev.id(),
        platform::Env::Stg.id(),
        kumiki::values::EnvId::production("stg"),
    ];
    let workspace = Workspace {
        envs: &TWICE,
        ..xtask::workspace()
    };
    let code = xtask::command::main_from(
        &workspace,
        ["cargo xtask", "rules"],
        |extra: xtask::command::NoExtra, _| match extra {},
    );
    assert_eq!(code, std::process::ExitCode::from(2));
}

#[test]
fn a_binary_built_in_another_checkout_refuses_to_run_here() {
    let here = xtask::workspace_root();
    assert_eq!(xtask::checkout_mismatch(&here, &here.join("xtask/.."), "xtask"), None);
    let other = kumiki_tests::ScratchDir::new("other-checkout");
    let message = xtask::checkout_mismatch(&here, other.path(), "xtask").unwrap();
    assert!(
        message.starts_with(&format!(
            "this binary was built from {} but runs in {}",
            here.display(),
            other.path().display()
        )),
        "{message}"
    );
    assert!(
        message.contains("cargo build --manifest-path xtask/Cargo.toml"),
        "{message}"
    );
}

/// A CRD of `kind` in `group`, with `versions` (`(name, storage)`) and a `spec.size` field.
fn crd(group: &str, kind: &str, versions: &[(&str, bool)]) -> String {
    let plural = format!("{}s", kind.to_lowercase());
    let mut text = format!(
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: {plural}.{group}\n\
         spec:\n  group: {group:?}\n  names:\n    kind: {kind:?}\n    plural: {plural:?}\n  scope: Namespaced\n  versions:\n"
    );
    for (name, storage) in versions {
        text.push_str(&format!(
            "  - name: {name}\n    served: true\n    storage: {storage}\n    schema:\n      openAPIV3Schema:\n        \
             type: object\n        properties:\n          spec:\n            type: object\n            properties:\n              \
             size: {{type: integer}}\n"
        ));
    }
    text
}

/// A stand-in for kopium on the PATH: says its version, and prints a module with the spec of
/// the one kind of the CRD it is given.
fn fake_kopium(dir: &Path) -> String {
    let script = dir.join("kopium");
    fs::write(
        &script,
        "#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'kopium 0.24.1'; exit 0; fi\n\
         for last; do :; done\nkind=$(sed -n 's/.*\"kind\":\"\\([A-Za-z0-9]*\\)\",\"plural.*/\\1/p' \"$last\")\n\
         printf 'use serde::{Serialize, Deserialize};\\n#[derive(Serialize, Deserialize, Clone, Debug, Default)]\\npub struct %sSpec {\\n    pub size: Option<i64>,\\n}\\n' \"$kind\"\n",
    )
    .unwrap();
    std::os::unix::fs::PermissionsExt::set_mode(&mut fs::metadata(&script).unwrap().permissions(), 0o755);
    fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    format!("{}:{}", dir.display(), std::env::var("PATH").unwrap_or_default())
}

#[test]
fn import_crd_refuses_names_that_would_be_code_and_ambiguous_storage() {
    let (scratch, _) = scratch_workspace("import-hostile");
    let root = scratch.path();
    fs::create_dir_all(root.join("crds")).unwrap();
    let cases = [
        (
            crd("example.com", "Widget\\\"); evil(); (\"", &[("v1", true)]),
            "is not a CamelCase name",
        ),
        (
            crd("example.com\\\" evil", "Widget", &[("v1", true)]),
            "is not a DNS subdomain",
        ),
        (
            crd("example.com", "Widget", &[("v1", true), ("v2", true)]),
            "Widget has 2 storage versions (v1, v2)",
        ),
        (
            crd("example.com", "Widget", &[("v1", true)])
                .replace("size: {type: integer}", "\"a\\\"b\": {type: integer}"),
            "openAPIV3Schema.spec: property name",
        ),
    ];
    for (text, expected) in cases {
        fs::write(root.join("crds/widget.yaml"), &text).unwrap();
        let ran = run(root, &["import-crd", "crds/widget.yaml", "--out", "platform/src"]);
        assert_eq!(ran.code, 2, "{text}\n{ran:?}");
        assert!(ran.stderr.contains(expected), "{expected}\n{ran:?}");
        assert!(!root.join("platform").exists(), "nothing written");
    }
}

#[test]
fn import_crd_qualifies_a_shared_kind_by_group_and_never_overwrites_another_module() {
    let (scratch, _) = scratch_workspace("import-groups");
    let root = scratch.path();
    let bin = kumiki_tests::ScratchDir::new("fake-kopium");
    let path = fake_kopium(bin.path());
    fs::create_dir_all(root.join("crds")).unwrap();
    fs::write(
        root.join("crds/a.yaml"),
        crd("a.example.com", "Widget", &[("v1", true)]),
    )
    .unwrap();
    fs::write(
        root.join("crds/b.yaml"),
        crd("b.example.com", "Widget", &[("v1", false), ("v2", true)]),
    )
    .unwrap();
    let import = |args: &[&str]| ran(command(root, args).env("PATH", &path).output().unwrap());

    let ran = import(&["import-crd", "crds", "--out", "platform/src/kinds"]);
    assert_eq!(ran.code, 0, "{ran:?}");
    assert!(
        ran.stdout
            .contains("Widget v1: platform/src/kinds/a_example_com_widget.rs\n"),
        "{ran:?}"
    );
    assert!(
        ran.stdout
            .contains("Widget v2: platform/src/kinds/b_example_com_widget.rs\n"),
        "{ran:?}"
    );
    assert!(
        ran.stdout
            .contains("needs kumiki (the SDK, or the path --sdk-path names) and serde with its `derive` feature"),
        "{ran:?}"
    );
    let module = fs::read_to_string(root.join("platform/src/kinds/b_example_com_widget.rs")).unwrap();
    assert!(
        module.contains("Widget(WidgetSpec): group = \"b.example.com\", version = \"v2\", plural = \"widgets\""),
        "{module}"
    );
    // Importing the same CRD again replaces its module.
    let ran = import(&["import-crd", "crds/a.yaml", "--out", "platform/src/kinds"]);
    assert_eq!(ran.code, 0, "{ran:?}");
    // Another CRD's module, or a hand-written file, at the path is left alone.
    let a_module = root.join("platform/src/kinds/widget.rs");
    fs::copy(root.join("platform/src/kinds/b_example_com_widget.rs"), &a_module).unwrap();
    let ran = import(&["import-crd", "crds/a.yaml", "--out", "platform/src/kinds"]);
    assert_eq!(ran.code, 2, "{ran:?}");
    assert!(
        ran.stderr
            .contains("widget.rs exists and is not the module of a.example.com/Widget"),
        "{ran:?}"
    );
    fs::write(&a_module, "// my own code\n").unwrap();
    let ran = import(&["import-crd", "crds/a.yaml", "--out", "platform/src/kinds"]);
    assert_eq!(ran.code, 2, "{ran:?}");
    assert!(ran.stderr.contains("it was not generated by import-crd"), "{ran:?}");
    assert_eq!(fs::read_to_string(&a_module).unwrap(), "// my own code\n");
    // Outside the workspace: refused.
    let outside = kumiki_tests::ScratchDir::new("import-outside");
    let ran = import(&[
        "import-crd",
        "crds/a.yaml",
        "--out",
        &outside.path().display().to_string(),
    ]);
    assert_eq!(ran.code, 2, "{ran:?}");
    assert!(ran.stderr.contains("is outside the workspace"), "{ran:?}");
}
