//! Repository hygiene: the committed `release/` is current, clippy holds the SDK to the
//! absences ARCHITECTURE.md states, and the SDK crates keep their shape (no import circles,
//! no oversized files).

use std::fs;
use std::path::{Path, PathBuf};

use platform::Env;

#[test]
fn committed_release_is_up_to_date() {
    if let Err(failure) = xtask::check(&xtask::default_release_root(), &Env::ALL, xtask::model) {
        panic!("{failure}");
    }
}

#[test]
fn clippy_holds_the_sdk_platform_and_services_to_no_io_clock_environment_or_network() {
    // A crate under the workspace's clippy.toml that reaches for what synth may not use,
    // through renamed imports: clippy resolves the paths, so each call is still refused.
    let root = xtask::workspace_root();
    let scratch = kumiki_tests::ScratchDir::new("clippy");
    let fixture = scratch.path().join("sneaky");
    fs::create_dir_all(fixture.join("src")).unwrap();
    fs::copy(root.join("clippy.toml"), fixture.join("clippy.toml")).unwrap();
    fs::write(
        fixture.join("Cargo.toml"),
        "[package]\nname = \"sneaky\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[workspace]\n",
    )
    .unwrap();
    fs::write(
        fixture.join("src/lib.rs"),
        r#"
use std::env as settings;
use std::fs as disk;
use std::net::TcpStream as Socket;
use std::time::Instant as Clock;

pub fn sneaky() -> usize {
    let a = settings::var("HOME").map(|v| v.len()).unwrap_or(0);
    let b = disk::read_to_string("x").map(|v| v.len()).unwrap_or(0);
    let c = Socket::connect("127.0.0.1:1").is_ok() as usize;
    let d = Clock::now().elapsed().as_nanos() as usize;
    a + b + c + d
}
"#,
    )
    .unwrap();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = std::process::Command::new(cargo)
        .args(["clippy", "--quiet", "--offline", "--", "-D", "warnings"])
        .current_dir(&fixture)
        .env("CARGO_TARGET_DIR", scratch.path().join("target"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "clippy accepted the fixture:\n{stderr}");
    for refused in [
        "disallowed method `std::env::var`",
        "disallowed method `std::fs::read_to_string`",
        "disallowed type `std::net::TcpStream`",
        "disallowed method `std::time::Instant::now`",
    ] {
        assert!(stderr.contains(refused), "clippy did not refuse {refused}:\n{stderr}");
    }
}

#[test]
fn only_the_command_line_the_live_program_and_the_tests_relax_the_clippy_configuration() {
    let root = xtask::workspace_root();
    let mut configs = Vec::new();
    let mut relaxed = Vec::new();
    for dir in ["crates", "platform", "services", "xtask", "tests"] {
        for file in files_below(&root.join(dir)) {
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            let relative = file.strip_prefix(&root).unwrap().display().to_string();
            if name == "clippy.toml" || name == ".clippy.toml" {
                configs.push(relative);
            } else if name.ends_with(".rs")
                && !relative.starts_with("xtask/")
                && !relative.starts_with("tests/")
                && !relative.starts_with("crates/kumiki-cli/")
                && !relative.starts_with("crates/kumiki-live/")
                && fs::read_to_string(&file).unwrap().contains("clippy::disallowed_")
            {
                relaxed.push(relative);
            }
        }
    }
    configs.sort();
    assert_eq!(
        configs,
        [
            "crates/kumiki-cli/clippy.toml",
            "crates/kumiki-live/clippy.toml",
            "tests/clippy.toml",
            "xtask/clippy.toml"
        ]
    );
    relaxed.sort();
    assert_eq!(
        relaxed,
        [
            "crates/kumiki-synth/src/write/manifest.rs",
            "crates/kumiki-synth/src/write/mod.rs"
        ]
    );
}

/// Every file below `dir` except build output, sorted.
fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if path.file_name().is_some_and(|name| name != "target") {
                files.extend(files_below(&path));
            }
        } else {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// The module path of a source file of a crate: `lib.rs` is `crate`, `a/mod.rs` and `a.rs`
/// are `crate::a`, `a/b.rs` is `crate::a::b`.
fn module_of(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if matches!(parts.last().map(String::as_str), Some("lib" | "mod" | "main")) {
        parts.pop();
    }
    std::iter::once("crate".to_owned())
        .chain(parts)
        .collect::<Vec<_>>()
        .join("::")
}

/// The modules `text` (the source of module `module`) refers to through `crate::` or
/// `super::` paths, in `use` items and expressions alike, resolved to the longest known module.
fn references(module: &str, text: &str, known: &[String]) -> Vec<String> {
    let code: String = (text.lines())
        .map(|line| line.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n");
    let mut found = Vec::new();
    let bytes: Vec<char> = code.chars().collect();
    let mut index = 0;
    while index < bytes.len() {
        let rest: String = bytes[index..].iter().take(7).collect();
        let starts = rest.starts_with("crate::") || rest.starts_with("super::");
        let boundary = index == 0 || !(bytes[index - 1].is_alphanumeric() || bytes[index - 1] == '_');
        if !(starts && boundary) {
            index += 1;
            continue;
        }
        let mut end = index;
        while end < bytes.len() && (bytes[end].is_alphanumeric() || bytes[end] == '_' || bytes[end] == ':') {
            end += 1;
        }
        let path: String = bytes[index..end].iter().collect();
        let mut segments: Vec<&str> = path.trim_end_matches(':').split("::").collect();
        let mut base: Vec<&str> = module.split("::").collect();
        let mut heads: Vec<Vec<String>> = Vec::new();
        if segments[0] == "crate" {
            base = vec!["crate"];
            segments.remove(0);
        }
        while segments.first() == Some(&"super") {
            base.pop();
            segments.remove(0);
        }
        // `crate::{a::X, b}` and `super::{x, y}`: each braced item is a path of its own.
        if bytes.get(end) == Some(&'{') {
            let close = (end..bytes.len()).find(|&i| bytes[i] == '}').unwrap_or(bytes.len());
            let inner: String = bytes[end + 1..close].iter().collect();
            for item in inner.split(',') {
                let item = item.trim().split("::").map(str::to_owned);
                heads.push(segments.iter().map(|s| (*s).to_owned()).chain(item).collect());
            }
        } else {
            heads.push(segments.iter().map(|s| (*s).to_owned()).collect());
        }
        for head in heads {
            let mut candidate: Vec<&str> = base.iter().copied().chain(head.iter().map(String::as_str)).collect();
            while !candidate.is_empty() {
                let joined = candidate.join("::");
                if known.contains(&joined) {
                    found.push(joined);
                    break;
                }
                candidate.pop();
            }
        }
        index = end;
    }
    found.sort();
    found.dedup();
    found
}

/// Every import circle between the modules of the crate whose sources are `src`: an edge
/// between two modules of which neither contains the other (a child naming its parent's
/// items, or a parent naming its children, is the module tree, not a circle).
fn circles_in(src: &Path) -> Vec<String> {
    let files: Vec<PathBuf> = (files_below(src).into_iter())
        .filter(|f| f.extension().is_some_and(|e| e == "rs") && !f.starts_with(src.join("bin")))
        .collect();
    let modules: Vec<String> = files.iter().map(|f| module_of(src, f)).collect();
    let nested = |a: &str, b: &str| a == b || a.starts_with(&format!("{b}::")) || b.starts_with(&format!("{a}::"));
    let mut edges: Vec<(String, String)> = Vec::new();
    for (file, module) in files.iter().zip(&modules) {
        let text = fs::read_to_string(file).unwrap();
        for target in references(module, &text, &modules) {
            if !nested(module, &target) {
                edges.push((module.clone(), target));
            }
        }
    }
    // A circle exists when some edge's target reaches its source again. Reaching a module
    // reaches its submodules too: it re-exports them, and its items are theirs.
    let mut circles = Vec::new();
    for (from, to) in &edges {
        let mut seen = vec![to.clone()];
        let mut frontier = vec![to.clone()];
        while let Some(next) = frontier.pop() {
            for (a, b) in &edges {
                let inside = *a == next || a.starts_with(&format!("{next}::"));
                if inside && !seen.contains(b) {
                    seen.push(b.clone());
                    frontier.push(b.clone());
                }
            }
        }
        if seen.contains(from) {
            circles.push(format!("{}: {from} -> {to} -> ... -> {from}", src.display()));
        }
    }
    circles
}

#[test]
fn no_module_of_an_sdk_crate_imports_in_a_circle() {
    let root = xtask::workspace_root();
    let circles: Vec<String> = (fs::read_dir(root.join("crates")).unwrap())
        .flat_map(|entry| circles_in(&entry.unwrap().path().join("src")))
        .collect();
    assert!(circles.is_empty(), "import circles: {circles:#?}");
}

#[test]
fn the_circle_detector_finds_a_circle_through_a_submodule_and_nothing_in_a_tree() {
    let scratch = kumiki_tests::ScratchDir::new("circles");
    let src = scratch.path();
    let write = |file: &str, text: &str| {
        fs::create_dir_all(src.join(file).parent().unwrap()).unwrap();
        fs::write(src.join(file), text).unwrap();
    };
    write("lib.rs", "mod a;\nmod b;\nmod c;\n");
    write("a.rs", "use crate::b::Thing;\n");
    write("b/mod.rs", "mod deep;\n");
    // `b` reaches `c` through its submodule; `c` names `a`, `a` names `b`: a circle.
    write("b/deep.rs", "pub fn f() { crate::c::g() }\n");
    write("c.rs", "use super::a::{self, Other};\n");
    let circles = circles_in(src);
    assert!(
        circles
            .iter()
            .any(|circle| circle.ends_with("crate::a -> crate::b -> ... -> crate::a")),
        "{circles:#?}"
    );
    // The same modules as a tree: `a` names `b` and `c`, nothing names `a`.
    write("c.rs", "// c names nothing\n");
    write("b/deep.rs", "pub fn f() { crate::c::g() }\n");
    assert_eq!(circles_in(src), Vec::<String>::new());
}

#[test]
fn no_source_file_of_an_sdk_crate_exceeds_700_lines() {
    let root = xtask::workspace_root();
    let long: Vec<String> = (files_below(&root.join("crates")).into_iter())
        .filter(|f| f.extension().is_some_and(|e| e == "rs") && f.components().any(|c| c.as_os_str() == "src"))
        .map(|f| (fs::read_to_string(&f).unwrap(), f))
        // Modules generated from a CRD are as long as its schema.
        .filter(|(text, _)| !text.starts_with("// Generated by"))
        .map(|(text, f)| (text.lines().count(), f))
        .filter(|(lines, _)| *lines > 700)
        .map(|(lines, f)| format!("{}: {lines} lines", f.strip_prefix(&root).unwrap().display()))
        .collect();
    assert!(long.is_empty(), "split these by concern: {long:#?}");
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
