//! The only IO of the SDK: writing a [`Release`] incrementally and safely, and comparing one
//! with disk.
//!
//! [`write`] touches only what changed: it writes added and changed files and removes files
//! the release no longer has; unchanged files keep their bytes and their inodes. It is safe
//! against failure midway by staging and a journal:
//!
//! 1. the new contents of every added or changed file are written under `.<env>.staging/`;
//!    a failure there removes the staging directory and leaves `<env>/` as it was;
//! 2. the list of operations is written to `.<env>.journal` (a temporary file renamed into
//!    place): from then on the write is committed;
//! 3. each staged file is renamed into `<env>/` and each stale file removed, then the staging
//!    directory and the journal are removed.
//!
//! A new environment (no directory yet) is staged whole and renamed into place: one rename is
//! its commit. After a write, `.<env>.manifest` records what each file holds and its status
//! ([`manifest`]), so the next write reads only the files someone else touched. A failure in step 3 leaves the journal: [`compare`] (so `cargo xtask check`) reports the
//! environment as [`Drift::Interrupted`], never as current, and the next [`write`] first rolls
//! the journal forward. Every step goes through a [`Disk`], so tests can inject failures.

// The workspace clippy.toml keeps file-system calls out of the SDK; this module is where they live.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::parallel;
use crate::release::Release;

mod manifest;

use manifest::{Entry, Status};

/// How the files on disk differ from a release.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Drift {
    /// The release has the file; the disk does not.
    Missing(String),
    /// Both have the file, with different contents.
    Changed(String),
    /// The disk has a file the release does not (it would be pruned).
    Unexpected(String),
    /// A write was interrupted after it committed (its journal, named here, remains): the
    /// directory may hold old and new files; the next write completes it.
    Interrupted(String),
}

impl Drift {
    /// The relative path concerned.
    pub fn path(&self) -> &str {
        match self {
            Drift::Missing(path) | Drift::Changed(path) | Drift::Unexpected(path) | Drift::Interrupted(path) => path,
        }
    }
}

/// What [`write`] did to an environment's directory.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Written {
    /// Files the directory did not have.
    pub added: usize,
    /// Files whose bytes changed.
    pub changed: usize,
    /// Files removed because the release no longer has them.
    pub removed: usize,
}

impl Written {
    /// Files added, changed or removed; 0 when nothing was touched.
    pub fn total(&self) -> usize {
        self.added + self.changed + self.removed
    }
}

/// The file-system operations a write performs, so that tests can make one fail (a full
/// disk, a refused rename) and check what is left.
pub trait Disk: Sync {
    /// Creates `path` with `contents`, replacing a file there.
    fn write(&self, path: &Path, contents: &[u8]) -> io::Result<()>;
    /// Renames `from` to `to`, replacing a file at `to`.
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()>;
    /// Removes the file `path`.
    fn remove_file(&self, path: &Path) -> io::Result<()>;
    /// Creates the directory `path` and its parents.
    fn create_dir_all(&self, path: &Path) -> io::Result<()>;
}

/// The real file system.
pub struct RealDisk;

impl Disk for RealDisk {
    fn write(&self, path: &Path, contents: &[u8]) -> io::Result<()> {
        fs::write(path, contents)
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        fs::rename(from, to)
    }

    fn remove_file(&self, path: &Path) -> io::Result<()> {
        fs::remove_file(path)
    }

    fn create_dir_all(&self, path: &Path) -> io::Result<()> {
        fs::create_dir_all(path)
    }
}

/// The directory of `release`'s environment under `root`.
pub fn env_dir(root: &Path, release: &Release) -> PathBuf {
    root.join(release.env.as_str())
}

/// The journal of an environment's committed, unfinished write.
fn journal_path(root: &Path, env: &str) -> PathBuf {
    root.join(format!(".{env}.journal"))
}

fn manifest_path(root: &Path, env: &str) -> PathBuf {
    root.join(format!(".{env}.manifest"))
}

fn staging_path(root: &Path, env: &str) -> PathBuf {
    root.join(format!(".{env}.staging"))
}

/// Every regular file below `dir`, keyed by its path relative to `dir` with `/` separators.
/// A missing directory reads as empty. The directories are listed first, then the files read
/// on every core.
pub fn read_tree(dir: &Path) -> io::Result<BTreeMap<String, Vec<u8>>> {
    let mut paths = Vec::new();
    if dir.exists() {
        list_into(dir, "", &mut paths)?;
    }
    let contents = parallel::map_chunks(&paths, |chunk| {
        (chunk.iter())
            .map(|relative| fs::read(dir.join(relative)))
            .collect::<io::Result<Vec<Vec<u8>>>>()
    });
    let mut files = BTreeMap::new();
    let mut paths = paths.into_iter();
    for chunk in contents {
        for bytes in chunk? {
            files.insert(paths.next().expect("one path per file read"), bytes);
        }
    }
    Ok(files)
}

/// A release directory holds plain files and directories: a link would make a write land
/// elsewhere (or a check read elsewhere), so it is refused.
fn link_refused(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "{} is a symbolic link: a release holds plain files and directories only, and synth does not write \
             through links; remove it and synthesize again",
            path.display()
        ),
    )
}

/// Refuses `path` when it is a symbolic link.
fn refuse_link(path: &Path) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(metadata) if metadata.file_type().is_symlink() => Err(link_refused(path)),
        _ => Ok(()),
    }
}

fn list_into(dir: &Path, prefix: &str, paths: &mut Vec<String>) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let relative = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        let kind = entry.file_type()?;
        if kind.is_symlink() {
            return Err(link_refused(&entry.path()));
        }
        if kind.is_dir() {
            list_into(&entry.path(), &relative, paths)?;
        } else {
            paths.push(relative);
        }
    }
    Ok(())
}

/// Compares `release` with `root/<env>/`, sorted by path. An interrupted write is drift
/// whatever the files hold.
pub fn compare(root: &Path, release: &Release) -> io::Result<Vec<Drift>> {
    let env = release.env.as_str();
    let mut drift = plan(&read_tree(&env_dir(root, release))?, release).drift();
    let journal = journal_path(root, env);
    if journal.exists() {
        drift.push(Drift::Interrupted(format!(".{env}.journal")));
    }
    drift.sort();
    Ok(drift)
}

/// What turns the files on disk into the release.
struct Plan<'a> {
    added: Vec<&'a str>,
    changed: Vec<&'a str>,
    removed: Vec<String>,
}

impl Plan<'_> {
    fn drift(&self) -> Vec<Drift> {
        let added = self.added.iter().map(|path| Drift::Missing((*path).to_owned()));
        let changed = self.changed.iter().map(|path| Drift::Changed((*path).to_owned()));
        let removed = self.removed.iter().map(|path| Drift::Unexpected(path.clone()));
        added.chain(changed).chain(removed).collect()
    }
}

fn plan<'a>(on_disk: &BTreeMap<String, Vec<u8>>, release: &'a Release) -> Plan<'a> {
    let mut plan = Plan {
        added: Vec::new(),
        changed: Vec::new(),
        removed: Vec::new(),
    };
    for (path, contents) in &release.files {
        match on_disk.get(path) {
            None => plan.added.push(path),
            Some(bytes) if bytes != contents.as_bytes() => plan.changed.push(path),
            Some(_) => {}
        }
    }
    plan.removed = (on_disk.keys())
        .filter(|path| !release.files.contains_key(*path))
        .cloned()
        .collect();
    plan
}

/// Makes `root/<env>/` hold exactly the files of `release`, touching only what differs (see
/// the module's documentation for the steps and the recovery rule).
pub fn write(root: &Path, release: &Release) -> io::Result<Written> {
    write_with(&RealDisk, root, release)
}

/// [`write`] through `disk`.
pub fn write_with(disk: &dyn Disk, root: &Path, release: &Release) -> io::Result<Written> {
    let env = release.env.as_str();
    let target = env_dir(root, release);
    refuse_link(root)?;
    refuse_link(&target)?;
    disk.create_dir_all(root)?;
    recover(disk, root, env)?;
    let on_disk = survey(&target, &manifest::read(&manifest_path(root, env)))?;
    let plan = plan_known(&on_disk, release, &target)?;
    let written = Written {
        added: plan.added.len(),
        changed: plan.changed.len(),
        removed: plan.removed.len(),
    };
    let puts: Vec<&str> = plan.added.iter().chain(&plan.changed).copied().collect();
    if written.total() > 0 {
        put_and_remove(disk, root, release, &puts, &plan.removed)?;
    }
    record(root, release, &on_disk, &puts);
    Ok(written)
}

/// Stages `puts`, commits the journal of `puts` and `removed`, and applies it (a new
/// environment: the staging directory is renamed into place).
fn put_and_remove(
    disk: &dyn Disk,
    root: &Path,
    release: &Release,
    puts: &[&str],
    removed: &[String],
) -> io::Result<()> {
    let env = release.env.as_str();
    let target = env_dir(root, release);
    // 1. Stage the new contents; `<env>/` is not touched yet.
    let staging = staging_path(root, env);
    if let Err(error) = stage(disk, &staging, release, puts) {
        let _ = fs::remove_dir_all(&staging);
        return Err(error);
    }
    // A new environment: the staged tree is the whole release, and one rename commits it.
    if !target.exists() {
        if let Err(error) = disk.rename(&staging, &target) {
            let _ = fs::remove_dir_all(&staging);
            return Err(error);
        }
        return Ok(());
    }
    // 2. Commit: the journal names every operation.
    let mut journal = String::new();
    for path in puts {
        journal.push_str(&format!("put {path}\n"));
    }
    for path in removed {
        journal.push_str(&format!("remove {path}\n"));
    }
    let journal_file = journal_path(root, env);
    let pending = root.join(format!(".{env}.journal.new"));
    let committed = disk
        .write(&pending, journal.as_bytes())
        .and_then(|()| disk.rename(&pending, &journal_file));
    if let Err(error) = committed {
        let _ = fs::remove_file(&pending);
        let _ = fs::remove_dir_all(&staging);
        return Err(error);
    }
    // 3. Apply; on failure the journal stays for the next write to finish.
    apply(disk, root, env, &journal).map_err(|error| {
        io::Error::new(
            error.kind(),
            format!(
                "{error}; the write of {env} is committed but unfinished ({}): the next synth completes it",
                journal_file.display()
            ),
        )
    })
}

/// A file on disk, as the write needs to know it.
enum OnDisk {
    /// Its status is the one the manifest recorded: it holds the contents of that hash.
    Known { status: Status, hash: (u64, u64) },
    /// Anything else: read.
    Read { status: Option<Status>, bytes: Vec<u8> },
}

/// Every file below `dir`: known from `manifest` when its status is still the one recorded,
/// read otherwise (on every core).
fn survey(dir: &Path, manifest: &std::collections::HashMap<String, Entry>) -> io::Result<BTreeMap<String, OnDisk>> {
    let mut paths = Vec::new();
    if dir.exists() {
        list_into(dir, "", &mut paths)?;
    }
    let surveyed = parallel::map_chunks(&paths, |chunk| {
        (chunk.iter())
            .map(|relative| {
                let path = dir.join(relative);
                let status = manifest::status(&path)?;
                match (status, manifest.get(relative)) {
                    (Some(status), Some(entry)) if entry.status == status => Ok(OnDisk::Known {
                        status,
                        hash: entry.hash,
                    }),
                    _ => Ok(OnDisk::Read {
                        status,
                        bytes: fs::read(&path)?,
                    }),
                }
            })
            .collect::<io::Result<Vec<OnDisk>>>()
    });
    let mut files = BTreeMap::new();
    let mut paths = paths.into_iter();
    for chunk in surveyed {
        for file in chunk? {
            files.insert(paths.next().expect("one path per file surveyed"), file);
        }
    }
    Ok(files)
}

/// What turns the surveyed files into the release. A file known by its hash is unchanged when
/// the hash is the new contents'; otherwise its bytes decide.
fn plan_known<'a>(on_disk: &BTreeMap<String, OnDisk>, release: &'a Release, dir: &Path) -> io::Result<Plan<'a>> {
    let mut plan = Plan {
        added: Vec::new(),
        changed: Vec::new(),
        removed: Vec::new(),
    };
    for (path, contents) in &release.files {
        let same = match on_disk.get(path) {
            None => {
                plan.added.push(path);
                continue;
            }
            Some(OnDisk::Read { bytes, .. }) => bytes == contents.as_bytes(),
            Some(OnDisk::Known { hash, .. }) => {
                *hash == manifest::hash(contents.as_bytes()) || fs::read(dir.join(path))? == contents.as_bytes()
            }
        };
        if !same {
            plan.changed.push(path);
        }
    }
    plan.removed = (on_disk.keys())
        .filter(|path| !release.files.contains_key(*path))
        .cloned()
        .collect();
    Ok(plan)
}

/// Records the manifest of the release as written: the surveyed status of files left as they
/// were, a fresh one of those just put. A manifest that cannot be written is removed (every
/// file is then read next time): it is a shortcut, never the truth.
fn record(root: &Path, release: &Release, on_disk: &BTreeMap<String, OnDisk>, puts: &[&str]) {
    let target = env_dir(root, release);
    let puts: std::collections::HashSet<&str> = puts.iter().copied().collect();
    let files: Vec<(&String, &String)> = release.files.iter().collect();
    let entries = parallel::map_chunks(&files, |chunk| {
        (chunk.iter())
            .map(|(path, contents)| {
                let surveyed = match on_disk.get(*path) {
                    Some(OnDisk::Known { status, .. }) => Some(*status),
                    Some(OnDisk::Read { status, .. }) => *status,
                    None => None,
                };
                let status = match surveyed.filter(|_| !puts.contains(path.as_str())) {
                    Some(status) => status,
                    None => manifest::status(&target.join(path)).ok().flatten()?,
                };
                let hash = manifest::hash(contents.as_bytes());
                Some((path.as_str(), Entry { status, hash }))
            })
            .collect::<Option<Vec<_>>>()
    });
    let path = manifest_path(root, release.env.as_str());
    let written = (entries.into_iter().collect::<Option<Vec<_>>>())
        .map(|chunks| chunks.concat())
        .is_some_and(|entries| manifest::write(&path, &entries).is_ok());
    if !written {
        let _ = fs::remove_file(&path);
    }
}

/// Writes the contents of `paths` under `staging`, on every core.
fn stage(disk: &dyn Disk, staging: &Path, release: &Release, paths: &[&str]) -> io::Result<()> {
    if staging.exists() {
        fs::remove_dir_all(staging)?;
    }
    disk.create_dir_all(staging)?;
    // Creating many small files is mostly system-call time, which the cores share.
    let results = parallel::map_chunks(paths, |chunk| {
        // The paths are sorted, so an app's files are together: create its directory once.
        let mut created: Option<&str> = None;
        for relative in chunk {
            if let Some((parent, _)) = relative.rsplit_once('/')
                && created != Some(parent)
            {
                // Tolerates the directory when another chunk of the app's files created it first.
                disk.create_dir_all(&staging.join(parent))?;
                created = Some(parent);
            }
            disk.write(&staging.join(relative), release.files[*relative].as_bytes())?;
        }
        Ok(())
    });
    results.into_iter().collect()
}

/// Carries out `journal`: staged files renamed into place, stale files removed, then the
/// staging directory, emptied directories and the journal removed. Operations already done
/// (a staged file no longer there, a removed file already gone) are skipped, so it can run
/// again after an interruption.
fn apply(disk: &dyn Disk, root: &Path, env: &str, journal: &str) -> io::Result<()> {
    let target = root.join(env);
    let staging = staging_path(root, env);
    let mut parents: Vec<&str> = Vec::new();
    for line in journal.lines() {
        let (operation, path) = line.split_once(' ').unwrap_or((line, ""));
        if path.is_empty() || path.split('/').any(|part| part.is_empty() || part == "..") {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("journal of {env}: unreadable line {line:?}"),
            ));
        }
        let parent = path.rsplit_once('/').map(|(parent, _)| parent);
        match operation {
            "put" => {
                let staged = staging.join(path);
                if staged.exists() {
                    if let Some(parent) = parent
                        && !parents.contains(&parent)
                    {
                        disk.create_dir_all(&target.join(parent))?;
                        parents.push(parent);
                    }
                    disk.rename(&staged, &target.join(path))?;
                }
            }
            "remove" => match disk.remove_file(&target.join(path)) {
                Err(error) if error.kind() != io::ErrorKind::NotFound => return Err(error),
                _ => {
                    if let Some(parent) = parent {
                        remove_empty_dir(&target.join(parent))?;
                    }
                }
            },
            _ => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("journal of {env}: unknown operation in {line:?}"),
                ));
            }
        }
    }
    remove_if_present(&staging)?;
    fs::remove_file(journal_path(root, env))
}

/// Finishes or discards what an earlier write left: a journal is rolled forward (the write
/// had committed), a staging directory without one is removed (it had not), and the retired
/// directory of kumiki's earlier whole-directory swap is put back or removed.
fn recover(disk: &dyn Disk, root: &Path, env: &str) -> io::Result<()> {
    let journal = journal_path(root, env);
    if journal.exists() {
        let text = fs::read_to_string(&journal)?;
        apply(disk, root, env, &text)?;
    }
    let _ = fs::remove_file(root.join(format!(".{env}.journal.new")));
    remove_if_present(&staging_path(root, env))?;
    let retired = root.join(format!(".{env}.retired"));
    if retired.exists() {
        if root.join(env).exists() {
            fs::remove_dir_all(&retired)?;
        } else {
            disk.rename(&retired, &root.join(env))?;
        }
    }
    Ok(())
}

/// Removes `dir` if it is empty (an app directory whose last file was removed).
fn remove_empty_dir(dir: &Path) -> io::Result<()> {
    let empty = fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_none());
    if empty { fs::remove_dir(dir) } else { Ok(()) }
}

fn remove_if_present(dir: &Path) -> io::Result<()> {
    match fs::remove_dir_all(dir) {
        Err(error) if error.kind() != io::ErrorKind::NotFound => Err(error),
        _ => Ok(()),
    }
}
