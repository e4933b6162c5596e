//! The local control plane: etcd and kube-apiserver built from Go sources at pinned versions
//! (cached outside the workspace, keyed by version) and run on 127.0.0.1 with a private token.
//! The scripts ship inside this program, so any kumiki workspace can start one.

use std::path::Path;
use std::process::Command;

use crate::Error;

const BUILD_SCRIPT: &str = include_str!("../control-plane/build.sh");
const CLUSTER_SCRIPT: &str = include_str!("../control-plane/cluster.sh");

/// What `cluster` does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verb {
    /// Builds (or reuses) the binaries, starts them, waits until the API server is ready.
    Up,
    /// Stops exactly the processes `Up` started.
    Down,
    /// Whether it runs (exit 1 when not).
    Status,
}

impl Verb {
    fn as_str(self) -> &'static str {
        match self {
            Verb::Up => "up",
            Verb::Down => "down",
            Verb::Status => "status",
        }
    }
}

/// Runs `verb` on the control plane kept in `dir` (private: mode 700), its output going to
/// this program's; returns the script's exit code.
pub fn run(dir: &Path, verb: Verb) -> Result<i32, Error> {
    std::fs::create_dir_all(dir).map_err(|error| Error::io(dir, &error))?;
    let metadata = std::fs::symlink_metadata(dir).map_err(|error| Error::io(dir, &error))?;
    if !metadata.is_dir() {
        return Err(Error(format!(
            "{}: is a link or not a directory; refusing to use it",
            dir.display()
        )));
    }
    private(dir, 0o700)?;
    let scripts = dir.join("scripts");
    std::fs::create_dir_all(&scripts).map_err(|error| Error::io(&scripts, &error))?;
    for (name, text) in [("build.sh", BUILD_SCRIPT), ("cluster.sh", CLUSTER_SCRIPT)] {
        let path = scripts.join(name);
        // Written afresh each time, never through a link a previous run did not make.
        let _ = std::fs::remove_file(&path);
        std::fs::write(&path, text).map_err(|error| Error::io(&path, &error))?;
    }
    let status = Command::new("bash")
        .arg(scripts.join("cluster.sh"))
        .arg(verb.as_str())
        .env("KUMIKI_CLUSTER_DIR", dir)
        .status()
        .map_err(|error| Error(format!("cannot run bash: {error}")))?;
    Ok(status.code().unwrap_or(1))
}

#[cfg(unix)]
fn private(dir: &Path, mode: u32) -> Result<(), Error> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode)).map_err(|error| Error::io(dir, &error))
}

#[cfg(not(unix))]
fn private(_: &Path, _: u32) -> Result<(), Error> {
    Ok(())
}
