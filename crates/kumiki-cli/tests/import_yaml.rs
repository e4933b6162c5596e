//! `kumiki import-yaml` round trip: this repository's `release/dev` imported as Rust, compiled
//! in a crate of its own, synthesized with the facts the release was made with (the reference
//! platform's): the same files, each the same object. The crate and its build live at a fixed place under target/ (import-test/),
//! so later runs reuse the build.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn checkout() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

const MAIN: &str = r#"mod constructed;
mod imported;
mod plain;

fn main() {
    let which = std::env::args().nth(1).unwrap_or_default();
    // The facts the release was synthesized with: the platform's, derived from its services.
    let mut facts = xtask::model(platform::Env::Dev).facts;
    if which != "release" {
        // Manifests imported before an Argo CD Application syncs their directory.
        facts.layout = None;
    }
    let apps = match which.as_str() {
        "plain" => plain::apps(),
        "constructed" => {
            let mut apps = constructed::apps();
            apps.extend(constructed::services(&platform::environment(platform::Env::Dev)));
            apps
        }
        _ => imported::apps(),
    };
    let model = kumiki::synth::Model::new(platform::Env::Dev, facts, apps);
    match kumiki::synth::synthesize(model) {
        Ok(release) => print!("{}", kumiki::serde_json::to_string(&release.files).unwrap()),
        Err(errors) => {
            for error in &errors.0 {
                eprintln!("{error}");
            }
            std::process::exit(1);
        }
    }
}
"#;

/// Every `*.yaml` below `dir` (relative path → the object it holds).
fn objects(files: impl IntoIterator<Item = (String, String)>) -> BTreeMap<String, Value> {
    (files.into_iter())
        .map(|(path, text)| (path, serde_saphyr::from_str::<Value>(&text).unwrap()))
        .collect()
}

fn release_files(dir: &Path, prefix: &str, found: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = format!("{prefix}{name}");
        if entry.path().is_dir() {
            release_files(&entry.path(), &format!("{path}/"), found);
        } else if name.ends_with(".yaml") {
            found.push((path, std::fs::read_to_string(entry.path()).unwrap()));
        }
    }
}

#[test]
fn a_release_imported_and_synthesized_again_is_the_same_objects() {
    let checkout = checkout();
    let base = checkout.join("target/import-test");
    let krate = base.join("roundtrip");
    let _ = std::fs::remove_dir_all(krate.join("src"));
    std::fs::create_dir_all(krate.join("src")).unwrap();
    let path = |name: &str| checkout.join(name).display().to_string();
    let manifest = format!(
        "[package]\nname = \"roundtrip\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n[workspace]\n\n\
         [dependencies]\nkumiki = {{ path = \"{}\" }}\nplatform = {{ path = \"{}\" }}\n\
         xtask = {{ path = \"{}\" }}\n",
        path("crates/kumiki"),
        path("platform"),
        path("xtask")
    );
    std::fs::write(krate.join("Cargo.toml"), manifest).unwrap();
    std::fs::copy(checkout.join("Cargo.lock"), krate.join("Cargo.lock")).unwrap();
    std::fs::write(krate.join("src/main.rs"), MAIN).unwrap();

    let release = checkout.join("release/dev");
    import(&[release.as_path()], &krate.join("src/imported.rs"), &[]);
    // Plain manifests: one file of several documents (as `helm template` prints them), no
    // directories, imported into one app.
    let mut plain = String::new();
    let mut original = Vec::new();
    for app in ["namespaces", "helloworld"] {
        release_files(&release.join(app), "", &mut original);
    }
    for (_, text) in &original {
        plain.push_str("---\n");
        plain.push_str(text);
    }
    let manifests = base.join("manifests.yaml");
    std::fs::write(&manifests, plain).unwrap();
    import(&[manifests.as_path()], &krate.join("src/plain.rs"), &["--app", "plain"]);

    // A chart's Deployment and Service, recognized as a Microservice.
    let chart = base.join("chart.yaml");
    std::fs::write(&chart, CHART).unwrap();
    let report = import(
        &[chart.as_path()],
        &krate.join("src/constructed.rs"),
        &["--app", "shop", "--constructs"],
    );
    assert!(
        report.contains("microservice: web (left to the platform: pod serviceAccountName, container resources)"),
        "{report}"
    );

    let mut whole = Vec::new();
    release_files(&release, "", &mut whole);
    assert_same(objects(whole), synthesize(&checkout, &krate, "release"), "");
    assert_same(objects(original), synthesize(&checkout, &krate, "plain"), "plain/");

    let constructed = synthesize(&checkout, &krate, "constructed");
    let deployment = &constructed["web/services.deployment.web.yaml"];
    assert_eq!(deployment["spec"]["replicas"], 2);
    let container = &deployment["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["image"], "ghcr.io/example/web:1.4.2");
    assert_eq!(container["readinessProbe"]["httpGet"]["path"], "/ready");
    assert_eq!(
        constructed["web/services.service.web.yaml"]["spec"]["ports"][0]["port"],
        80
    );
    // The imported ServiceAccount gave way to the Microservice's own; the ConfigMap stayed.
    assert!(constructed.contains_key("web/services.serviceaccount.web.yaml"));
    assert!(constructed.contains_key("shop/services.configmap.settings.yaml"));
}

/// A chart's output: a Deployment, the Service selecting its pods, its ServiceAccount, and a
/// ConfigMap.
const CHART: &str = "apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: services}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      serviceAccountName: web
      nodeSelector: {node.kubernetes.io/nodegroup: app}
      containers:
      - name: web
        image: ghcr.io/example/web:1.4.2
        env: [{name: LOG_FORMAT, value: json}]
        ports: [{name: http-web, containerPort: 8080}]
        readinessProbe: {httpGet: {path: /ready, port: http-web}}
        livenessProbe: {tcpSocket: {port: 8080}}
        resources: {requests: {cpu: 100m}}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: services}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: http-web}]
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: web, namespace: services}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: services}
data: {mode: fast}
";

/// Runs `kumiki import-yaml <inputs> <args> --out <out>`; returns its report.
fn import(inputs: &[&Path], out: &Path, args: &[&str]) -> String {
    let imported = Command::new(env!("CARGO_BIN_EXE_kumiki"))
        .arg("import-yaml")
        .args(inputs)
        .args(args)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&imported.stderr).into_owned();
    assert!(imported.status.success(), "{report}");
    assert!(!report.contains("not imported"), "{report}");
    report
}

/// The files the round-trip crate synthesizes from the apps `which` names.
fn synthesize(checkout: &Path, krate: &Path, which: &str) -> BTreeMap<String, Value> {
    let built = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
        .args(["run", "--quiet", "--", which])
        .current_dir(krate)
        .env("CARGO_TARGET_DIR", checkout.join("target/init-test/target"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&built.stderr);
    assert!(
        built.status.success(),
        "the imported {which} does not synthesize:\n{stderr}"
    );
    objects(serde_json::from_slice::<BTreeMap<String, String>>(&built.stdout).unwrap())
}

/// The same objects in the same files, the synthesized ones below `app` (the original files'
/// own app directory dropped).
fn assert_same(original: BTreeMap<String, Value>, synthesized: BTreeMap<String, Value>, app: &str) {
    let moved: BTreeMap<String, Value> = (original.into_iter())
        .map(|(path, object)| {
            let file = if app.is_empty() {
                path
            } else {
                format!("{app}{}", path.rsplit('/').next().unwrap())
            };
            (file, object)
        })
        .collect();
    assert_eq!(
        moved.keys().collect::<Vec<_>>(),
        synthesized.keys().collect::<Vec<_>>(),
        "the same files"
    );
    for (path, object) in &moved {
        assert_eq!(object, &synthesized[path], "{path}");
    }
}
