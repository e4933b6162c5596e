//! Repository hygiene: the committed `release/` is current, and the absences ARCHITECTURE.md
//! states hold in the sources.

use std::fs;
use std::path::{Path, PathBuf};

use kumiki::values::Env;

#[test]
fn committed_release_is_up_to_date() {
    if let Err(failure) = xtask::check(&xtask::default_release_root(), &Env::ALL, xtask::model) {
        panic!("{failure}");
    }
}

/// Every `.rs` file below `dir`, sorted.
fn rust_sources(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_sources(&path));
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

fn offenders(dir: &str, forbidden: &[&str], allowed_file: Option<&str>) -> Vec<String> {
    let root = xtask::workspace_root();
    let mut found = Vec::new();
    for file in rust_sources(&root.join(dir)) {
        if allowed_file.is_some_and(|allowed| file.ends_with(allowed)) {
            continue;
        }
        let text = fs::read_to_string(&file).unwrap();
        for needle in forbidden {
            if text.contains(needle) {
                found.push(format!("{} uses {needle}", file.strip_prefix(&root).unwrap().display()));
            }
        }
    }
    found
}

#[test]
fn the_sdk_reads_no_clock_environment_or_network() {
    let forbidden = ["std::env", "SystemTime", "Instant", "std::net", "std::process"];
    let mut found = offenders("crates", &forbidden, None);
    found.extend(offenders("platform", &forbidden, None));
    found.extend(offenders("services", &forbidden, None));
    assert!(
        found.is_empty(),
        "synth must be a pure function of the code: {found:#?}"
    );
}

#[test]
fn only_the_writer_touches_the_file_system() {
    let found = offenders(
        "crates",
        &["std::fs", "std::io", "File::"],
        Some("kumiki-synth/src/write.rs"),
    );
    assert!(
        found.is_empty(),
        "IO belongs in kumiki-synth's write module: {found:#?}"
    );
}

#[test]
fn services_never_depend_on_each_other() {
    let services = xtask::workspace_root().join("services");
    for entry in fs::read_dir(&services).unwrap() {
        let manifest = entry.unwrap().path().join("Cargo.toml");
        let text = fs::read_to_string(&manifest).unwrap();
        assert!(
            !text.contains("../"),
            "{} has a path dependency on a sibling: services depend on kumiki and platform only",
            manifest.display()
        );
    }
}
