//! `watch --env <env>`: synthesizes and diffs again each time a source or data file of the
//! workspace is saved.
//!
//! It polls modification times (no platform-specific watcher, nothing to install), waits until
//! the saves settle (an editor writes a file in several steps, a formatter rewrites many), then
//! runs the workspace's own command line as new processes: `diff --env <env>` (what the saves
//! change in release/), then `synth --env <env>` (so release/ follows the code). Cargo
//! rebuilds only when code changed: saving an `images.yaml` compiles nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

/// Directories never watched: build output, what synth writes, version control, dependencies.
const IGNORED: [&str; 4] = ["target", "release", ".git", "node_modules"];

/// The files that matter: Rust sources, manifests and YAML data (image versions).
fn watched(path: &Path) -> bool {
    let name = path.file_name().map(|name| name.to_string_lossy()).unwrap_or_default();
    name.ends_with(".rs") || name.ends_with(".toml") || name.ends_with(".yaml") || name.ends_with(".yml")
}

/// The modification times of the watched files below a root.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Snapshot(BTreeMap<PathBuf, SystemTime>);

impl Snapshot {
    /// Every watched file below `root`, outside the ignored directories and hidden ones.
    pub fn take(root: &Path) -> Snapshot {
        let mut files = BTreeMap::new();
        collect(root, &mut files);
        Snapshot(files)
    }

    /// The files added, changed or removed since `earlier`, sorted.
    pub fn changed_since(&self, earlier: &Snapshot) -> Vec<PathBuf> {
        let mut changed: Vec<PathBuf> = (self.0.iter())
            .filter(|(path, time)| earlier.0.get(*path) != Some(time))
            .map(|(path, _)| path.clone())
            .collect();
        changed.extend(earlier.0.keys().filter(|path| !self.0.contains_key(*path)).cloned());
        changed.sort();
        changed
    }
}

fn collect(dir: &Path, files: &mut BTreeMap<PathBuf, SystemTime>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(kind) = entry.file_type() else { continue };
        if kind.is_dir() && !name.starts_with('.') && !IGNORED.contains(&name.as_str()) {
            collect(&path, files);
        } else if kind.is_file()
            && watched(&path)
            && let Ok(modified) = entry.metadata().and_then(|metadata| metadata.modified())
        {
            files.insert(path, modified);
        }
    }
}

/// How often to look, and how long the saves must have settled before a run.
#[derive(Clone, Copy, Debug)]
pub struct Pace {
    /// Between two looks.
    pub poll: Duration,
    /// Without a further change before running.
    pub settle: Duration,
}

impl Default for Pace {
    fn default() -> Pace {
        Pace {
            poll: Duration::from_millis(250),
            settle: Duration::from_millis(300),
        }
    }
}

/// Watches `root` until `keep_going` says stop, calling `run` with the changed files once per
/// settled burst of saves.
pub fn watch(root: &Path, pace: Pace, mut keep_going: impl FnMut() -> bool, mut run: impl FnMut(&[PathBuf])) {
    let mut seen = Snapshot::take(root);
    while keep_going() {
        std::thread::sleep(pace.poll);
        let now = Snapshot::take(root);
        let mut changed = now.changed_since(&seen);
        if changed.is_empty() {
            continue;
        }
        // Wait for the burst to end: another look after `settle`, until nothing moves.
        seen = now;
        loop {
            std::thread::sleep(pace.settle);
            let later = Snapshot::take(root);
            let more = later.changed_since(&seen);
            if more.is_empty() {
                break;
            }
            changed.extend(more);
            seen = later;
        }
        changed.sort();
        changed.dedup();
        run(&changed);
    }
}

/// Runs `command` (the workspace's command line, `cargo xtask`) with `args` in `root`; says
/// how it ended.
pub fn run_command(root: &Path, command: &str, args: &[&str]) -> bool {
    let mut words = command.split_whitespace();
    let Some(program) = words.next() else { return false };
    let status = Command::new(program).args(words).args(args).current_dir(root).status();
    match status {
        Ok(status) => status.success() || (args.first() == Some(&"diff") && status.code() == Some(3)),
        Err(error) => {
            eprintln!("watch: cannot run {command}: {error}");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::time::Duration;

    use super::{Pace, Snapshot, watch};

    #[test]
    fn a_burst_of_saves_is_one_run_and_build_output_is_ignored() {
        let root = std::env::temp_dir().join(format!("kumiki-watch-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("services/web/src")).unwrap();
        std::fs::create_dir_all(root.join("target")).unwrap();
        std::fs::write(root.join("services/web/src/lib.rs"), "// v1").unwrap();
        let before = Snapshot::take(&root);
        std::fs::write(root.join("target/out.rs"), "ignored").unwrap();
        std::fs::write(root.join("services/web/notes.txt"), "not watched").unwrap();
        assert_eq!(
            Snapshot::take(&root).changed_since(&before),
            Vec::<std::path::PathBuf>::new()
        );

        let pace = Pace {
            poll: Duration::from_millis(20),
            settle: Duration::from_millis(150),
        };
        let runs = RefCell::new(Vec::new());
        let mut looks = 0;
        let writer = {
            let root = root.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(60));
                // An editor's save and a formatter's rewrite, close together.
                std::fs::write(root.join("services/web/src/lib.rs"), "// v2, longer").unwrap();
                std::thread::sleep(Duration::from_millis(40));
                std::fs::write(root.join("services/web/images.yaml"), "web:\n  dev: latest\n").unwrap();
            })
        };
        watch(
            &root,
            pace,
            || {
                looks += 1;
                looks < 40 && runs.borrow().is_empty()
            },
            |changed| runs.borrow_mut().push(changed.to_vec()),
        );
        writer.join().unwrap();
        let runs = runs.into_inner();
        assert_eq!(runs.len(), 1, "{runs:?}");
        assert_eq!(
            runs[0],
            [
                root.join("services/web/images.yaml"),
                root.join("services/web/src/lib.rs")
            ]
        );
        let _ = std::fs::remove_dir_all(&root);
    }
}
