//! Image versions as data: each service's `images.yaml`, `set-image`, `promote`, and what
//! synth and diff make of them. Each test works on a scratch copy of the workspace's data
//! (the versions files and release/): the services' code is this build's, so nothing compiles.

use std::fs;
use std::path::Path;

use kumiki_tests::{scratch_workspace, snapshot};
use platform::Env;
use xtask::images::{Promote, SetImage, promote, set_image};
use xtask::{Baseline, Failure, Workspace};

fn account_file(workspace: &Workspace) -> std::path::PathBuf {
    workspace.root.join(Workspace::images_file("account"))
}

/// The `image:` of the account Deployment in `env`'s release.
fn account_image(root: &Path, env: &str) -> String {
    let text =
        fs::read_to_string(root.join(format!("release/{env}/account/services.deployment.account.yaml"))).unwrap();
    let line = text
        .lines()
        .find(|line| line.trim_start().starts_with("image: "))
        .unwrap();
    line.trim_start()["image: ".len()..].to_owned()
}

fn stg(version: &str) -> SetImage<'_> {
    SetImage {
        service: "account",
        container: None,
        canary: None,
        env: Env::Stg.id(),
        version,
        skip_promotion: None,
    }
}

fn account() -> Vec<String> {
    vec!["account".to_owned()]
}

/// Promoting `services` from `from` to `to` along the promotion path.
fn promotion(from: Env, to: Env, services: &[String]) -> Promote<'_> {
    Promote {
        from: from.id(),
        to: to.id(),
        services,
        skip_promotion: None,
    }
}

#[test]
fn set_image_changes_one_value_and_only_that_environment() {
    let (_scratch, workspace) = scratch_workspace("set-image");
    let before_file = fs::read_to_string(account_file(&workspace)).unwrap();
    let before_release = snapshot(&workspace.release_root());

    let outcome = set_image(&workspace, &stg("e5f6a7b"), true).unwrap();

    let after_file = fs::read_to_string(account_file(&workspace)).unwrap();
    let changed: Vec<(&str, &str)> = (before_file.lines().zip(after_file.lines()))
        .filter(|(before, after)| before != after)
        .collect();
    assert_eq!(before_file.lines().count(), after_file.lines().count());
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert!(changed[0].1.trim() == "stg: e5f6a7b", "{changed:?}");
    assert_eq!(
        outcome.moved[0].to_string(),
        format!("account/gin: {} → e5f6a7b", changed[0].0.trim()["stg: ".len()..].trim())
    );

    let after_release = snapshot(&workspace.release_root());
    let differing: Vec<&String> = (before_release.keys().chain(after_release.keys()))
        .filter(|path| !path.starts_with('.') && before_release.get(*path) != after_release.get(*path))
        .collect();
    assert!(!differing.is_empty());
    assert!(differing.iter().all(|path| path.starts_with("stg/")), "{differing:?}");
    assert!(account_image(&workspace.root, "stg").ends_with("/account-gin-repository:e5f6a7b"));
}

#[test]
fn promote_makes_the_target_run_the_same_build() {
    let (_scratch, workspace) = scratch_workspace("promote");
    let digest = format!("sha256:{}", "5e".repeat(32));
    set_image(&workspace, &stg(&format!("1.5.0@{digest}")), true).unwrap();
    let stg_image = account_image(&workspace.root, "stg");
    // A digest round-trips into the Deployment's image.
    assert!(
        stg_image.ends_with(&format!("/account-gin-repository:1.5.0@{digest}")),
        "{stg_image}"
    );

    let outcome = promote(&workspace, &promotion(Env::Stg, Env::Prd, &account()), true).unwrap();
    assert_eq!(outcome.moved.len(), 1, "{:?}", outcome.moved);
    assert!(outcome.moved[0].to_string().ends_with(&format!(" → 1.5.0@{digest}")));
    assert_eq!(account_image(&workspace.root, "prd"), stg_image);

    // Promoting again moves nothing.
    let again = promote(&workspace, &promotion(Env::Stg, Env::Prd, &account()), true).unwrap();
    assert!(again.moved.is_empty() && again.written.is_none());
}

#[test]
fn diff_shows_a_bump_and_a_promotion() {
    let (_scratch, workspace) = scratch_workspace("diff-promotion");
    let baseline = Baseline::Directory(workspace.release_root());
    set_image(&workspace, &stg("e5f6a7b"), false).unwrap();
    promote(&workspace, &promotion(Env::Stg, Env::Prd, &account()), false).unwrap();
    let diffs = xtask::diff(&baseline, &Env::ALL, |env| workspace.model(env)).unwrap();
    let text = kumiki_diff::render_text(&diffs, false);
    assert!(
        text.contains("image: stg/account/gin: …/account-gin-repository "),
        "{text}"
    );
    assert!(
        text.contains("promoted: stg → prd/account/gin: …/account-gin-repository "),
        "{text}"
    );
    assert!(!text.contains("image: prd/"), "{text}");
    let markdown = kumiki_diff::render_markdown(&diffs);
    assert!(
        markdown.contains("**Promotions** (builds an earlier environment already runs)\n\n- from stg: account/gin: "),
        "{markdown}"
    );
}

#[test]
fn an_invalid_request_exits_2_and_leaves_the_file_byte_identical() {
    let (_scratch, workspace) = scratch_workspace("set-image-invalid");
    let file = account_file(&workspace);
    let before = fs::read(&file).unwrap();
    let release = snapshot(&workspace.release_root());
    let uppercase_digest = format!("@sha256:{}", "5E".repeat(32));
    let requests = [
        (stg("bad tag"), "invalid image tag \"bad tag\""),
        (
            stg("latest"),
            "`latest` is floating; the platform's version policy requires a release number",
        ),
        (stg("main"), "is a floating tag"),
        (stg(&uppercase_digest), "invalid image digest"),
        (
            SetImage {
                service: "nope",
                ..stg("1.0.0")
            },
            "unknown service `nope`",
        ),
        (
            SetImage {
                container: Some("php"),
                ..stg("1.0.0")
            },
            "has no entry `php`",
        ),
    ];
    for (request, expected) in requests {
        let failure = set_image(&workspace, &request, true).unwrap_err();
        assert_eq!(failure.exit_code(), 2, "{failure}");
        assert!(failure.to_string().contains(expected), "{failure}");
        assert_eq!(fs::read(&file).unwrap(), before);
    }
    // Promoting a floating version is refused the same way.
    let services = account();
    let request = Promote {
        skip_promotion: Some("dev is never promoted: proving the floating version is refused"),
        ..promotion(Env::Dev, Env::Stg, &services)
    };
    let failure = promote(&workspace, &request, true).unwrap_err();
    assert!(
        matches!(failure, Failure::Refused(_)) && failure.to_string().contains("not pinned"),
        "{failure}"
    );
    assert_eq!(fs::read(&file).unwrap(), before);
    assert_eq!(snapshot(&workspace.release_root()), release);
}

#[test]
fn a_version_synth_refuses_puts_the_file_back() {
    let (_scratch, workspace) = scratch_workspace("set-image-restore");
    let file = account_file(&workspace);
    let before = fs::read_to_string(&file).unwrap();
    // A stale entry no container asks for: set-image accepts the value, synth does not.
    fs::write(&file, format!("{before}retired:\n  stg: abc\n")).unwrap();
    let broken = fs::read(&file).unwrap();
    let request = SetImage {
        container: Some("gin"),
        ..stg("e5f6a7b")
    };
    let failure = set_image(&workspace, &request, true).unwrap_err();
    assert!(matches!(failure, Failure::Model(_)), "{failure}");
    assert!(
        failure.to_string().contains("services/account/images.yaml:"),
        "{failure}"
    );
    assert_eq!(fs::read(&file).unwrap(), broken);
}

/// The synth errors of `env` when account's versions file holds `text`.
fn errors_with(text: &str, env: Env) -> Vec<String> {
    let (_scratch, workspace) = scratch_workspace("images-errors");
    fs::write(account_file(&workspace), text).unwrap();
    match xtask::synthesize(&[env], |env| workspace.model(env)) {
        Err(Failure::Model(per_env)) => per_env[0].1.0.iter().map(ToString::to_string).collect(),
        other => panic!("expected model errors, got {:?}", other.map(|releases| releases.len())),
    }
}

#[test]
fn every_versions_file_problem_is_a_synth_error_at_its_line() {
    let file = "services/account/images.yaml";
    let cases = [
        (
            "gin:\n  dev: latest\n  stg: latest\n  prd: abc\n",
            Env::Stg,
            3,
            "`gin` stg: `latest` is floating",
        ),
        (
            "gin:\n  dev: latest\n  stg: abc\n  prd: bad/tag\n",
            Env::Prd,
            4,
            "invalid image tag \"bad/tag\"",
        ),
        (
            "gin:\n  prd: \"@sha256:abc\"\n",
            Env::Prd,
            2,
            "invalid image digest \"sha256:abc\"",
        ),
        ("gin:\n  prd: 690e11\n", Env::Prd, 2, "write it quoted, \"690e11\""),
        (
            "gin:\n  dev: latest\n  stg: abc\n",
            Env::Prd,
            1,
            "`gin` has no prd version",
        ),
        (
            "gin:\n  prd: abc\nnginx:\n  prd: abc\n",
            Env::Prd,
            4,
            "`nginx` has a prd version, but the service asks for no such container",
        ),
        ("web:\n  prd: abc\n", Env::Prd, 1, "has no entry `gin`"),
        (
            "gin:\n  prod: abc\n  prd: abc\n",
            Env::Prd,
            2,
            "`prod` names no environment",
        ),
        ("gin:\n  prd: [abc]\n", Env::Prd, 2, "expected string"),
    ];
    for (text, env, line, message) in cases {
        let errors = errors_with(text, env);
        let at = format!("{file}:{line}: ");
        assert!(
            errors.iter().any(|error| error.starts_with(&at)
                && error.contains(message)
                && error.ends_with("[rule: images.file]")),
            "{text:?} in {env}: expected `{at}… {message} … [rule: images.file]` in {errors:#?}"
        );
    }
}

#[test]
fn a_service_asking_for_a_version_without_a_file_is_told_to_create_it() {
    let (_scratch, workspace) = scratch_workspace("images-absent");
    fs::remove_file(account_file(&workspace)).unwrap();
    let failure = xtask::synthesize(&[Env::Prd], |env| workspace.model(env)).unwrap_err();
    let text = failure.to_string();
    assert!(
        text.contains("services/account/images.yaml:0: ")
            && text.contains("does not exist; services/account/src/lib.rs:"),
        "{text}"
    );
}

#[test]
fn the_checked_in_schemas_are_what_the_types_generate() {
    let schemas = xtask::json::schemas(&Env::IDS);
    assert_eq!(schemas.len(), 5);
    for (name, schema) in schemas {
        let path = xtask::workspace_root().join("schemas").join(name);
        let checked_in = fs::read_to_string(&path).unwrap_or_default();
        assert!(
            checked_in == schema,
            "{} is stale: run `cargo xtask schemas` and commit it",
            path.display()
        );
    }
}

#[test]
fn every_versions_file_points_editors_at_the_schema() {
    let root = xtask::workspace_root();
    for service in xtask::SERVICES {
        let file = Workspace::images_file(service.name);
        let text = fs::read_to_string(root.join(&file)).unwrap();
        let first = text.lines().next().unwrap_or_default();
        assert_eq!(
            first,
            format!(
                "# yaml-language-server: $schema=../../schemas/{}",
                kumiki::images::SCHEMA_FILE_NAME
            ),
            "{file}"
        );
    }
}
