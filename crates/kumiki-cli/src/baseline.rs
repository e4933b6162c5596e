//! Reading the release a diff compares with: the committed directory, or `release/` at a git
//! ref, read through git without touching the work tree.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use kumiki::synth::write;
use kumiki::values::EnvId;
use kumiki_diff::Tree;

use crate::Failure;

/// Where the old side of a diff comes from.
#[derive(Clone, Debug)]
pub enum Baseline {
    /// `<root>/<env>/` on disk (by default the committed `release/`).
    Directory(PathBuf),
    /// `release/<env>/` at `reference` in the git repository of the workspace `repo`.
    GitRef {
        /// The workspace root (where `release/` lives).
        repo: PathBuf,
        /// Any commit-ish git understands: a branch, a tag, `HEAD~1`, a hash.
        reference: String,
    },
}

impl Baseline {
    /// The YAML files of `env` in this baseline.
    pub fn tree(&self, env: impl Into<EnvId>) -> Result<Tree, Failure> {
        let env = env.into();
        match self {
            Baseline::Directory(root) => {
                let dir = root.join(env.as_str());
                let files = write::read_tree(&dir).map_err(|error| Failure::Io(dir.clone(), error))?;
                let yaml = files.into_iter().filter(|(path, _)| path.ends_with(".yaml"));
                yaml.map(|(path, bytes)| {
                    let text = String::from_utf8(bytes).map_err(|error| {
                        Failure::Io(dir.join(&path), io::Error::new(io::ErrorKind::InvalidData, error))
                    })?;
                    Ok((path, text))
                })
                .collect()
            }
            Baseline::GitRef { repo, reference } => tree_at(repo, reference, env),
        }
    }
}

fn tree_at(repo: &Path, reference: &str, env: EnvId) -> Result<Tree, Failure> {
    let commit = git(
        repo,
        &[
            "rev-parse",
            "--verify",
            "--end-of-options",
            &format!("{reference}^{{commit}}"),
        ],
        None,
    )
    .map_err(|message| Failure::Git(format!("{reference} is not a commit of this repository: {message}")))?;
    let commit = String::from_utf8_lossy(&commit).trim().to_owned();
    let prefix = format!("release/{env}/");
    let listing = git(repo, &["ls-tree", "-r", "-z", &commit, "--", &prefix], None).map_err(Failure::Git)?;
    // Each entry: "<mode> <type> <object>\t<path>\0".
    let mut entries = Vec::new();
    for entry in listing.split(|byte| *byte == 0).filter(|entry| !entry.is_empty()) {
        let entry = String::from_utf8_lossy(entry);
        let Some((meta, path)) = entry.split_once('\t') else {
            return Err(Failure::Git(format!("unexpected `git ls-tree` line: {entry}")));
        };
        let fields: Vec<&str> = meta.split(' ').collect();
        if let ([_, "blob", object], Some(relative)) = (fields.as_slice(), path.strip_prefix(&prefix))
            && relative.ends_with(".yaml")
        {
            entries.push((relative.to_owned(), (*object).to_owned()));
        }
    }
    let objects: String = entries.iter().map(|(_, object)| format!("{object}\n")).collect();
    let contents = git(repo, &["cat-file", "--batch"], Some(objects.into_bytes())).map_err(Failure::Git)?;
    let texts = split_batch(&contents).map_err(Failure::Git)?;
    if texts.len() != entries.len() {
        return Err(Failure::Git(format!(
            "`git cat-file` returned {} of {} files",
            texts.len(),
            entries.len()
        )));
    }
    Ok(entries.into_iter().map(|(path, _)| path).zip(texts).collect())
}

/// The contents of `git cat-file --batch` output: "<object> <type> <size>\n<content>\n" each.
fn split_batch(mut output: &[u8]) -> Result<Vec<String>, String> {
    let mut texts = Vec::new();
    while !output.is_empty() {
        let header_end = output
            .iter()
            .position(|byte| *byte == b'\n')
            .ok_or("truncated `git cat-file` output")?;
        let header = String::from_utf8_lossy(&output[..header_end]).into_owned();
        let size: usize = header
            .rsplit(' ')
            .next()
            .and_then(|size| size.parse().ok())
            .ok_or_else(|| format!("unexpected `git cat-file` header: {header}"))?;
        let body = output
            .get(header_end + 1..header_end + 1 + size)
            .ok_or("truncated `git cat-file` output")?;
        texts.push(String::from_utf8(body.to_vec()).map_err(|e| format!("{header}: {e}"))?);
        output = output.get(header_end + 2 + size..).unwrap_or_default();
    }
    Ok(texts)
}

/// Runs git in `repo`, feeding `input` on a separate thread (so a large output cannot block
/// it), and returns its standard output, or its standard error as the failure.
fn git(repo: &Path, args: &[&str], input: Option<Vec<u8>>) -> Result<Vec<u8>, String> {
    let mut child = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .stdin(if input.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| format!("cannot run git: {error}"))?;
    let feeder = input.map(|input| {
        let mut stdin = child.stdin.take().expect("stdin is piped");
        std::thread::spawn(move || stdin.write_all(&input))
    });
    let mut stdout = Vec::new();
    child
        .stdout
        .take()
        .expect("stdout is piped")
        .read_to_end(&mut stdout)
        .map_err(|error| format!("reading git's output: {error}"))?;
    let output = child
        .wait_with_output()
        .map_err(|error| format!("waiting for git: {error}"))?;
    if let Some(feeder) = feeder {
        feeder
            .join()
            .expect("the feeder thread does not panic")
            .map_err(|error| format!("writing to git: {error}"))?;
    }
    if output.status.success() {
        Ok(stdout)
    } else {
        Err(format!(
            "`git {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}
