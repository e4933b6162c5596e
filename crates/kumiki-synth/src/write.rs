//! The only IO of the SDK: writing a [`Release`] atomically, and comparing one with disk.

// The workspace clippy.toml keeps file-system calls out of the SDK; this module is where they live.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::parallel;
use crate::release::Release;

/// How the files on disk differ from a release.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Drift {
    /// The release has the file; the disk does not.
    Missing(String),
    /// Both have the file, with different contents.
    Changed(String),
    /// The disk has a file the release does not (it would be pruned).
    Unexpected(String),
}

impl Drift {
    /// The relative path concerned.
    pub fn path(&self) -> &str {
        match self {
            Drift::Missing(path) | Drift::Changed(path) | Drift::Unexpected(path) => path,
        }
    }
}

/// The directory of `release`'s environment under `root`.
pub fn env_dir(root: &Path, release: &Release) -> PathBuf {
    root.join(release.env.as_str())
}

/// Every regular file below `dir`, keyed by its path relative to `dir` with `/` separators.
/// A missing directory reads as empty.
pub fn read_tree(dir: &Path) -> io::Result<BTreeMap<String, Vec<u8>>> {
    let mut files = BTreeMap::new();
    if dir.exists() {
        read_into(dir, "", &mut files)?;
    }
    Ok(files)
}

fn read_into(dir: &Path, prefix: &str, files: &mut BTreeMap<String, Vec<u8>>) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let relative = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        if entry.file_type()?.is_dir() {
            read_into(&entry.path(), &relative, files)?;
        } else {
            files.insert(relative, fs::read(entry.path())?);
        }
    }
    Ok(())
}

/// Compares `release` with `root/<env>/`, sorted by path.
pub fn compare(root: &Path, release: &Release) -> io::Result<Vec<Drift>> {
    let mut on_disk = read_tree(&env_dir(root, release))?;
    let mut drift = Vec::new();
    for (path, contents) in &release.files {
        match on_disk.remove(path) {
            None => drift.push(Drift::Missing(path.clone())),
            Some(bytes) if bytes != contents.as_bytes() => drift.push(Drift::Changed(path.clone())),
            Some(_) => {}
        }
    }
    drift.extend(on_disk.into_keys().map(Drift::Unexpected));
    drift.sort();
    Ok(drift)
}

/// Replaces `root/<env>/` with exactly the files of `release`.
///
/// The files are written into a staging directory beside the target, which is then swapped
/// in with two renames; files that the release no longer has are gone with the old
/// directory. If anything fails, the staging directory is removed and the old output is put
/// back, so `root/<env>/` keeps its previous bytes.
pub fn write_atomic(root: &Path, release: &Release) -> io::Result<()> {
    let env = release.env.as_str();
    let target = root.join(env);
    let staging = root.join(format!(".{env}.staging"));
    let retired = root.join(format!(".{env}.retired"));
    fs::create_dir_all(root)?;
    // Leftovers of an interrupted run.
    remove_if_present(&staging)?;
    if retired.exists() {
        if target.exists() {
            fs::remove_dir_all(&retired)?;
        } else {
            fs::rename(&retired, &target)?;
        }
    }

    if let Err(error) = write_files(&staging, release) {
        let _ = fs::remove_dir_all(&staging);
        return Err(error);
    }
    let had_target = target.exists();
    if had_target && let Err(error) = fs::rename(&target, &retired) {
        let _ = fs::remove_dir_all(&staging);
        return Err(error);
    }
    if let Err(error) = fs::rename(&staging, &target) {
        if had_target {
            let _ = fs::rename(&retired, &target);
        }
        let _ = fs::remove_dir_all(&staging);
        return Err(error);
    }
    remove_if_present(&retired)
}

fn write_files(dir: &Path, release: &Release) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    // Creating thousands of small files is mostly system-call time, which the cores share.
    let files: Vec<(&String, &String)> = release.files.iter().collect();
    let results = parallel::map_chunks(&files, |chunk| {
        // The files are sorted, so an app's files are together: create its directory once.
        let mut created: Option<&str> = None;
        for (relative, contents) in chunk {
            if let Some((parent, _)) = relative.rsplit_once('/')
                && created != Some(parent)
            {
                // Tolerates the directory when another chunk of the app's files created it first.
                fs::create_dir_all(dir.join(parent))?;
                created = Some(parent);
            }
            fs::write(dir.join(relative), contents)?;
        }
        Ok(())
    });
    results.into_iter().collect()
}

fn remove_if_present(dir: &Path) -> io::Result<()> {
    match fs::remove_dir_all(dir) {
        Err(error) if error.kind() != io::ErrorKind::NotFound => Err(error),
        _ => Ok(()),
    }
}
