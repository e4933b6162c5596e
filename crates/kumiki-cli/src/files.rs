//! The repository's files as the writing commands touch them: never through a symbolic link,
//! never outside the workspace, never half-written, and one command at a time.
//!
//! A file is read through the handle `open` returned, and accepted only when that handle is the
//! very entry at the path (same device and inode as the path's own, not followed, status): a
//! link swapped in at any moment is refused, not followed. A file is written beside its target
//! (created new, so nothing at the temporary name is followed either) and renamed over it; a
//! rename replaces a directory entry and never writes through one.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};

use crate::Failure;

/// The lock file every writing command holds, at the workspace root.
pub const LOCK_FILE: &str = ".kumiki.lock";

/// The workspace lock, held until dropped.
#[derive(Debug)]
pub struct Lock {
    _file: File,
}

/// Takes the workspace lock: waits (saying so on stderr) while another command
/// writing this workspace runs. Two runs that edit the same files therefore happen one after
/// the other, each reading what the other wrote.
pub fn lock(root: &Path) -> Result<Lock, Failure> {
    let path = root.join(LOCK_FILE);
    refuse_links(root, &path)?;
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|error| Failure::Io(path.clone(), error))?;
    same_entry(&file, &path)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(fs::TryLockError::WouldBlock) => {
            eprintln!(
                "waiting for another command writing this workspace to finish (lock {})",
                path.display()
            );
            file.lock().map_err(|error| Failure::Io(path.clone(), error))?;
        }
        Err(fs::TryLockError::Error(error)) => return Err(Failure::Io(path, error)),
    }
    Ok(Lock { _file: file })
}

/// The text of the file at `path` below `root`, read without following a link.
pub fn read(root: &Path, path: &Path) -> Result<String, Failure> {
    refuse_links(root, path)?;
    let mut file = File::open(path).map_err(|error| Failure::Io(path.to_path_buf(), error))?;
    same_entry(&file, path)?;
    let mut text = String::new();
    file.read_to_string(&mut text)
        .map_err(|error| Failure::Io(path.to_path_buf(), error))?;
    Ok(text)
}

/// Replaces the file at `path` below `root` with `contents` (or creates it): written to a new
/// file beside it, synced, then renamed over it, so a reader sees the old file or the new one.
/// A link at `path` or in a directory above it is refused, and nothing is changed.
pub fn replace(root: &Path, path: &Path, contents: &[u8]) -> Result<(), Failure> {
    refuse_links(root, path)?;
    let temporary = temporary_beside(path);
    let written = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temporary)
        .and_then(|mut file| file.write_all(contents).and_then(|()| file.sync_all()));
    if let Err(error) = written {
        let _ = fs::remove_file(&temporary);
        return Err(Failure::Io(path.to_path_buf(), error));
    }
    // Checked again just before the rename: a link put there meanwhile is refused, not replaced.
    if let Err(failure) = refuse_links(root, path) {
        let _ = fs::remove_file(&temporary);
        return Err(failure);
    }
    fs::rename(&temporary, path).map_err(|error| {
        let _ = fs::remove_file(&temporary);
        Failure::Io(path.to_path_buf(), error)
    })
}

/// Refuses `path` unless it is below `root` by plain names (no `..`, not absolute elsewhere)
/// and neither it nor any directory between `root` and it is a symbolic link. Missing entries
/// are fine: they will be created as directories and files, not links.
pub fn refuse_links(root: &Path, path: &Path) -> Result<(), Failure> {
    // The root may be named through a link of its own (`/tmp` on some systems): only what is
    // below it must hold no link.
    let canonical = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let (root, relative) = match (path.strip_prefix(root), path.strip_prefix(&canonical)) {
        (Ok(relative), _) => (root, relative),
        (_, Ok(relative)) => (canonical.as_path(), relative),
        _ => return Err(outside(root, path)),
    };
    let mut current = root.to_path_buf();
    for component in relative.components() {
        let name = match component {
            Component::CurDir => continue,
            Component::Normal(name) => name,
            _ => return Err(outside(root, path)),
        };
        current.push(name);
        match fs::symlink_metadata(&current) {
            Ok(metadata) if metadata.file_type().is_symlink() => {
                return Err(Failure::Refused(format!(
                    "{} is a symbolic link: kumiki does not write through links (replace it with the file or \
                     directory itself)",
                    shown(root, &current)
                )));
            }
            Ok(_) => {}
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(error) => return Err(Failure::Io(current, error)),
        }
    }
    Ok(())
}

/// Refuses an opened `file` that is not the entry at `path` itself (the path was swapped for a
/// link, or another file, between the check and the open).
fn same_entry(file: &File, path: &Path) -> Result<(), Failure> {
    let opened = file
        .metadata()
        .map_err(|error| Failure::Io(path.to_path_buf(), error))?;
    let entry = fs::symlink_metadata(path).map_err(|error| Failure::Io(path.to_path_buf(), error))?;
    if entry.file_type().is_symlink() || opened.dev() != entry.dev() || opened.ino() != entry.ino() {
        return Err(Failure::Refused(format!(
            "{} changed into a link or another file while being opened: kumiki does not read or write through \
             links",
            path.display()
        )));
    }
    Ok(())
}

fn outside(root: &Path, path: &Path) -> Failure {
    Failure::Refused(format!(
        "{} is outside the workspace {}: kumiki writes only below it",
        path.display(),
        root.display()
    ))
}

/// The name beside `path` this process writes it under: hidden, with the process's id (the
/// workspace lock keeps two writes of one file apart). What a killed run left there, or a
/// link planted there, is removed first, never followed.
fn temporary_beside(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map_or_else(String::new, |name| name.to_string_lossy().into_owned());
    let temporary = path.with_file_name(format!(".{name}.{}.new", std::process::id()));
    let _ = fs::remove_file(&temporary);
    temporary
}

/// `path` relative to `root`, as messages name repository files.
fn shown(root: &Path, path: &Path) -> String {
    path.strip_prefix(root).unwrap_or(path).display().to_string()
}
