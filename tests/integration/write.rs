//! Incremental, safe writes: only what differs is touched, and a failure at any step leaves
//! either the old files or a journal that `check` reports and the next write completes.

use std::collections::BTreeMap;
use std::io;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use kumiki::prelude::*;
use kumiki::synth::Release;
use kumiki::synth::write::{self, Disk, Drift, RealDisk, Written};
use kumiki_tests::{ScratchDir, config_map, snapshot};
use platform::Env;

/// The reference platform, with a ConfigMap `notes` (holding `note`) added to the account
/// service and, when `with_budget` is false, its disruption budget taken out.
fn model(env: Env, note: &str, with_budget: bool) -> kumiki::synth::Model {
    let mut services: Vec<App> = xtask::workspace().service_apps(env);
    let account = services
        .iter_mut()
        .find(|app| app.name().as_str() == "account")
        .unwrap();
    account.add(config_map(Some("services"), "notes", &[("note", note)]));
    if !with_budget {
        account.retain(|declared| declared.object.kind() != "PodDisruptionBudget");
    }
    kumiki_tests::with_platform(env, services)
}

fn release(note: &str, with_budget: bool) -> Release {
    kumiki::synth::synthesize(model(Env::Prd, note, with_budget)).unwrap()
}

/// Inode of every file below `dir`.
fn inodes(dir: &Path) -> BTreeMap<String, u64> {
    (snapshot(dir).into_keys())
        .map(|path| {
            let inode = std::fs::metadata(dir.join(&path)).unwrap().ino();
            (path, inode)
        })
        .collect()
}

#[test]
fn a_one_service_change_rewrites_only_that_services_changed_files() {
    let root = ScratchDir::new("incremental");
    let first = release("one", true);
    let written = write::write(root.path(), &first).unwrap();
    assert_eq!(written.added, first.files.len());
    let before = inodes(&root.path().join("prd"));

    let second = release("two", false);
    let written = write::write(root.path(), &second).unwrap();
    assert_eq!(
        written,
        Written {
            added: 0,
            changed: 1,
            removed: 1
        }
    );
    let after = inodes(&root.path().join("prd"));
    let notes = "account/services.configmap.notes.yaml";
    let budget = "account/services.poddisruptionbudget.account.yaml";
    assert!(before.contains_key(budget) && !after.contains_key(budget));
    assert_ne!(before[notes], after[notes], "the changed file is replaced");
    for (path, inode) in &after {
        if path != notes {
            assert_eq!(before[path], *inode, "{path} was rewritten though it did not change");
        }
    }
    assert_eq!(snapshot(&root.path().join("prd")).len(), second.files.len());
    assert!(write::compare(root.path(), &second).unwrap().is_empty());
    // Nothing left beside the environment but its manifest: no staging directory, no journal.
    let mut beside: Vec<String> = (std::fs::read_dir(root.path()).unwrap())
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    beside.sort();
    assert_eq!(beside, [".prd.manifest", "prd"]);
    // An unchanged release touches nothing.
    assert_eq!(write::write(root.path(), &second).unwrap().total(), 0);
    assert_eq!(inodes(&root.path().join("prd")), after);
}

#[test]
fn a_file_touched_since_the_last_write_is_read_and_restored_whatever_the_manifest_says() {
    let root = ScratchDir::new("manifest");
    let release = release("one", true);
    write::write(root.path(), &release).unwrap();
    let notes = root.path().join("prd/account/services.configmap.notes.yaml");
    let original = std::fs::read(&notes).unwrap();
    // Edited in place, same size, its modification time set back: the status differs all
    // the same (the change time moves), so the file is read and restored.
    let mut edited = original.clone();
    let last = edited.len() - 2;
    edited[last] = if edited[last] == b'x' { b'y' } else { b'x' };
    let mut file = std::fs::OpenOptions::new().write(true).open(&notes).unwrap();
    std::io::Write::write_all(&mut file, &edited).unwrap();
    file.set_modified(std::time::UNIX_EPOCH).unwrap();
    drop(file);
    let written = write::write(root.path(), &release).unwrap();
    assert_eq!((written.changed, written.total()), (1, 1));
    assert_eq!(std::fs::read(&notes).unwrap(), original);
    // Replaced by another file of the same bytes: read, found equal, left alone.
    let replacement = root.path().join("replacement");
    std::fs::write(&replacement, &original).unwrap();
    std::fs::rename(&replacement, &notes).unwrap();
    assert_eq!(write::write(root.path(), &release).unwrap().total(), 0);
    // A manifest that is not one is ignored: every file is read, nothing is rewritten.
    std::fs::write(root.path().join(".prd.manifest"), "not a manifest\n").unwrap();
    assert_eq!(write::write(root.path(), &release).unwrap().total(), 0);
    assert!(write::compare(root.path(), &release).unwrap().is_empty());
}

#[test]
fn an_app_whose_last_file_goes_loses_its_directory() {
    let root = ScratchDir::new("emptied");
    let mut first = release("one", true);
    first
        .files
        .insert("gone/services.configmap.x.yaml".to_owned(), "x\n".to_owned());
    write::write(root.path(), &first).unwrap();
    assert!(root.path().join("prd/gone").is_dir());
    write::write(root.path(), &release("one", true)).unwrap();
    assert!(!root.path().join("prd/gone").exists());
}

/// The real disk, but the operation `fails` refuses its `after`-th call (0-based) with `kind`.
struct Faulty {
    fails: &'static str,
    after: usize,
    kind: io::ErrorKind,
    calls: AtomicUsize,
}

impl Faulty {
    fn new(fails: &'static str, after: usize, kind: io::ErrorKind) -> Faulty {
        Faulty {
            fails,
            after,
            kind,
            calls: AtomicUsize::new(0),
        }
    }

    fn check(&self, operation: &str) -> io::Result<()> {
        if operation == self.fails && self.calls.fetch_add(1, Ordering::SeqCst) == self.after {
            return Err(io::Error::new(self.kind, format!("injected: {operation} refused")));
        }
        Ok(())
    }
}

impl Disk for Faulty {
    fn write(&self, path: &Path, contents: &[u8]) -> io::Result<()> {
        self.check("write")?;
        RealDisk.write(path, contents)
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        self.check("rename")?;
        RealDisk.rename(from, to)
    }

    fn remove_file(&self, path: &Path) -> io::Result<()> {
        self.check("remove_file")?;
        RealDisk.remove_file(path)
    }

    fn create_dir_all(&self, path: &Path) -> io::Result<()> {
        RealDisk.create_dir_all(path)
    }
}

#[test]
fn a_full_disk_while_staging_leaves_every_file_as_it_was() {
    let root = ScratchDir::new("full-disk");
    write::write(root.path(), &release("one", true)).unwrap();
    let before = snapshot(root.path());
    // The whole tree is new to an empty directory; here the disk fills on the third file.
    let changed = release("two", false);
    let mut new_env = changed.clone();
    new_env
        .files
        .insert("extra/services.configmap.a.yaml".to_owned(), "a\n".to_owned());
    new_env
        .files
        .insert("extra/services.configmap.b.yaml".to_owned(), "b\n".to_owned());
    let disk = Faulty::new("write", 2, io::ErrorKind::StorageFull);
    let error = write::write_with(&disk, root.path(), &new_env).unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::StorageFull);
    assert_eq!(
        snapshot(root.path()),
        before,
        "a failed staging must leave everything as it was"
    );
    // The journal's own write failing is the same: not committed, nothing changed.
    let disk = Faulty::new("write", 3, io::ErrorKind::StorageFull);
    assert!(write::write_with(&disk, root.path(), &new_env).is_err());
    assert_eq!(snapshot(root.path()), before);
}

#[test]
fn a_failure_after_the_commit_is_reported_as_interrupted_and_finished_by_the_next_write() {
    let root = ScratchDir::new("interrupted");
    write::write(root.path(), &release("one", true)).unwrap();
    let mut target = release("two", false);
    target
        .files
        .insert("extra/services.configmap.a.yaml".to_owned(), "a\n".to_owned());
    target
        .files
        .insert("extra/services.configmap.b.yaml".to_owned(), "b\n".to_owned());
    // Renames: the journal's commit is the first; the second staged file's move fails.
    let disk = Faulty::new("rename", 2, io::ErrorKind::PermissionDenied);
    let error = write::write_with(&disk, root.path(), &target).unwrap_err();
    assert!(error.to_string().contains("the next synth completes it"), "{error}");
    // A mix of old and new: never current.
    let drift = write::compare(root.path(), &target).unwrap();
    assert!(
        drift.contains(&Drift::Interrupted(".prd.journal".to_owned())),
        "{drift:?}"
    );
    let old = release("one", true);
    assert!(!write::compare(root.path(), &old).unwrap().is_empty());
    // The next write rolls the journal forward and finishes.
    write::write(root.path(), &target).unwrap();
    assert!(write::compare(root.path(), &target).unwrap().is_empty());
    let files = snapshot(&root.path().join("prd"));
    assert_eq!(files.len(), target.files.len());
    for (path, contents) in &target.files {
        assert_eq!(files[path], contents.as_bytes(), "{path}");
    }
    assert!(!root.path().join(".prd.journal").exists() && !root.path().join(".prd.staging").exists());
}

#[test]
fn a_removal_refused_after_the_commit_is_finished_by_the_next_write() {
    let root = ScratchDir::new("refused-removal");
    write::write(root.path(), &release("one", true)).unwrap();
    let target = release("one", false);
    let disk = Faulty::new("remove_file", 0, io::ErrorKind::PermissionDenied);
    assert!(write::write_with(&disk, root.path(), &target).is_err());
    assert!(!write::compare(root.path(), &target).unwrap().is_empty());
    write::write(root.path(), &target).unwrap();
    assert!(write::compare(root.path(), &target).unwrap().is_empty());
}

#[test]
fn a_read_only_file_is_replaced_like_any_other() {
    let root = ScratchDir::new("read-only");
    write::write(root.path(), &release("one", true)).unwrap();
    let notes = root.path().join("prd/account/services.configmap.notes.yaml");
    std::fs::set_permissions(&notes, std::fs::Permissions::from_mode(0o444)).unwrap();
    let target = release("two", true);
    let written = write::write(root.path(), &target).unwrap();
    assert_eq!(written.changed, 1);
    assert!(std::fs::read_to_string(&notes).unwrap().contains("note: two"));
}
