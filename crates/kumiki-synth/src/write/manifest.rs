//! What the last write left in each file, so the next write need not read them all: per file,
//! a hash of the contents written and the file's status right after (size, modification and
//! change times, inode). A file whose status is still that is known to hold those contents
//! without reading it; any other file (edited, replaced, or written by someone else) is read.
//! A hash that matches is proof of "unchanged" only; "changed" is always decided on the bytes.
//!
//! `check` never uses it: it compares every byte, so a manifest that lies (an edit within the
//! file system's timestamp granularity that keeps the size) is caught in CI.

// The workspace clippy.toml keeps file-system calls out of the SDK; this module is part of
// `write`, where they live.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::Path;

/// The first line of a manifest, naming its format.
const FORMAT: &str = "kumiki manifest 1";

/// A file's status as the manifest compares it: equal only while nobody touched the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Status {
    size: u64,
    modified: (i64, i64),
    changed: (i64, i64),
    inode: u64,
}

/// The status of `path`, on systems where it identifies a file's version (`None` elsewhere:
/// then every file is read).
pub(crate) fn status(path: &Path) -> io::Result<Option<Status>> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let metadata = fs::symlink_metadata(path)?;
        Ok(Some(Status {
            size: metadata.size(),
            modified: (metadata.mtime(), metadata.mtime_nsec()),
            changed: (metadata.ctime(), metadata.ctime_nsec()),
            inode: metadata.ino(),
        }))
    }
    #[cfg(not(unix))]
    {
        fs::symlink_metadata(path).map(|_| None)
    }
}

/// The contents' hash as the manifest records it (FNV-1a, 64 bits, and the length).
pub(crate) fn hash(contents: &[u8]) -> (u64, u64) {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in contents {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    (hash, contents.len() as u64)
}

/// One file of a manifest: its status after the write, and the hash of what was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) status: Status,
    pub(crate) hash: (u64, u64),
}

/// The manifest at `path`, by relative file path; empty when absent or unreadable (every file
/// is then read).
pub(crate) fn read(path: &Path) -> HashMap<String, Entry> {
    let Ok(text) = fs::read_to_string(path) else {
        return HashMap::new();
    };
    let mut lines = text.lines();
    if lines.next() != Some(FORMAT) {
        return HashMap::new();
    }
    lines.filter_map(parse_line).collect()
}

fn parse_line(line: &str) -> Option<(String, Entry)> {
    let mut fields = line.splitn(9, ' ');
    let mut number = || fields.next()?.parse::<i64>().ok();
    let (hash, length, size, modified, modified_ns, changed, changed_ns, inode) = (
        number()?,
        number()?,
        number()?,
        number()?,
        number()?,
        number()?,
        number()?,
        number()?,
    );
    let path = fields.next()?.to_owned();
    let entry = Entry {
        status: Status {
            size: size as u64,
            modified: (modified, modified_ns),
            changed: (changed, changed_ns),
            inode: inode as u64,
        },
        hash: (hash as u64, length as u64),
    };
    Some((path, entry))
}

/// Writes the manifest of `entries` to `path` (through a temporary file renamed into place).
pub(crate) fn write(path: &Path, entries: &[(&str, Entry)]) -> io::Result<()> {
    let mut text = String::with_capacity(entries.len() * 120);
    text.push_str(FORMAT);
    text.push('\n');
    for (file, entry) in entries {
        let Status {
            size,
            modified,
            changed,
            inode,
        } = entry.status;
        text.push_str(&format!(
            "{} {} {size} {} {} {} {} {inode} {file}\n",
            entry.hash.0 as i64, entry.hash.1, modified.0, modified.1, changed.0, changed.1
        ));
    }
    let pending = path.with_extension("new");
    fs::write(&pending, text)?;
    fs::rename(&pending, path)
}

#[cfg(test)]
mod tests {
    use super::{Entry, Status, hash, parse_line};

    #[test]
    fn a_line_reads_back_as_written() {
        let entry = Entry {
            status: Status {
                size: 12,
                modified: (1_700_000_000, 5),
                changed: (1_700_000_001, 6),
                inode: 42,
            },
            hash: hash(b"kind: Service\n"),
        };
        let line = format!(
            "{} {} 12 1700000000 5 1700000001 6 42 app/services.service.web.yaml",
            entry.hash.0 as i64, entry.hash.1
        );
        assert_eq!(
            parse_line(&line),
            Some(("app/services.service.web.yaml".to_owned(), entry))
        );
        assert_eq!(parse_line("garbage"), None);
        assert_ne!(hash(b"a"), hash(b"b"));
    }
}
