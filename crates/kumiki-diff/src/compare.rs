//! Matching the objects of two trees and classifying each difference.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value;
use similar::TextDiff;

use crate::key::ObjectKey;
use crate::review::{self, ImageBump};

/// One environment's files: path relative to `release/<env>/` → file text.
pub type Tree = BTreeMap<String, String>;

/// How an object differs between the two trees.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    /// Only in the new tree.
    Added,
    /// Only in the old tree: Argo CD's prune deletes it.
    Removed,
    /// In both, in the same file, with different content.
    Changed,
    /// In both, in a different file (its content may differ too).
    Moved,
}

impl ChangeKind {
    /// `added`, `removed`, `changed`, `moved`.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Changed => "changed",
            ChangeKind::Moved => "moved",
        }
    }

    /// The order summaries list the kinds in.
    pub const ALL: [ChangeKind; 4] = [
        ChangeKind::Added,
        ChangeKind::Removed,
        ChangeKind::Changed,
        ChangeKind::Moved,
    ];
}

/// One object that differs.
#[derive(Clone, Debug)]
pub struct ObjectChange {
    /// What happened to it.
    pub kind: ChangeKind,
    /// Which object.
    pub key: ObjectKey,
    /// The app (first path component) it belongs to now; for a removal, the one it left.
    pub app: String,
    /// Its file now; for a removal, its old file.
    pub path: String,
    /// For a move, its old file.
    pub from_path: Option<String>,
    /// A unified diff of the file, when its content was added or changed.
    pub diff: Option<String>,
    /// What the reviewer must know: rejected updates, forced replacements, deletions.
    pub warnings: Vec<String>,
    /// Container images whose version changes.
    pub image_bumps: Vec<ImageBump>,
}

/// Every difference of one environment, ordered by app, then kind importance, then object.
#[derive(Clone, Debug)]
pub struct EnvDiff {
    /// The environment's name.
    pub env: String,
    /// The objects that differ.
    pub changes: Vec<ObjectChange>,
    /// The calls between workloads the change allows and stops allowing.
    pub traffic: crate::TrafficChange,
}

impl EnvDiff {
    /// True when the two trees hold the same objects in the same files.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// The apps with changes, in order, each with its changes.
    pub fn apps(&self) -> Vec<(&str, Vec<&ObjectChange>)> {
        let mut apps: Vec<(&str, Vec<&ObjectChange>)> = Vec::new();
        for change in &self.changes {
            match apps.last_mut() {
                Some((app, changes)) if *app == change.app => changes.push(change),
                _ => apps.push((&change.app, vec![change])),
            }
        }
        apps
    }
}

/// A file that cannot be compared.
#[derive(Debug, PartialEq, Eq)]
pub struct DiffError {
    /// Which tree: `old` or `new`.
    pub side: &'static str,
    /// The file.
    pub path: String,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for DiffError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.side, self.path, self.message)
    }
}

impl std::error::Error for DiffError {}

struct Parsed<'a> {
    path: &'a str,
    text: &'a str,
    value: Value,
}

/// Compares the `old` and `new` trees of environment `env`.
///
/// A file with the same bytes at the same path on both sides holds the same object,
/// unchanged: it is not parsed, so the work follows the size of the change, not of the tree.
pub fn compare(env: &str, old: &Tree, new: &Tree) -> Result<EnvDiff, DiffError> {
    let (old_tree, new_tree) = (old, new);
    let old_files = old.iter().filter(|(path, text)| new.get(*path) != Some(*text));
    let new_files = new.iter().filter(|(path, text)| old.get(*path) != Some(*text));
    let old = parse_tree("old", old_files)?;
    let mut new = parse_tree("new", new_files)?;
    let mut changes = Vec::new();
    let mut pruning = None;
    for (key, before) in old {
        match new.remove(&key) {
            None => {
                // Read only when something is deleted: the Applications say what a deletion does.
                let pruning = pruning.get_or_insert_with(|| Pruning::read(env, new_tree, old_tree));
                changes.push(removed(key, before, pruning));
            }
            Some(after) => changes.extend(changed(key, before, after)),
        }
    }
    changes.extend(new.into_iter().map(|(key, after)| added(key, after)));
    name_replaced_config_maps(&mut changes);
    changes.sort_by(|a, b| {
        (a.app.as_str(), review::importance(&a.key), &a.key).cmp(&(b.app.as_str(), review::importance(&b.key), &b.key))
    });
    Ok(EnvDiff {
        env: env.to_owned(),
        changes,
        traffic: crate::traffic_change(old_tree, new_tree),
    })
}

fn parse_tree<'a>(
    side: &'static str,
    files: impl Iterator<Item = (&'a String, &'a String)>,
) -> Result<BTreeMap<ObjectKey, Parsed<'a>>, DiffError> {
    let mut objects = BTreeMap::new();
    for (path, text) in files {
        let error = |message: String| DiffError {
            side,
            path: path.clone(),
            message,
        };
        let value: Value = serde_saphyr::from_str(text).map_err(|e| error(format!("not YAML: {e}")))?;
        let key = object_key(&value)
            .ok_or_else(|| error("not a Kubernetes object (no apiVersion, kind or metadata.name)".to_owned()))?;
        let parsed = Parsed { path, text, value };
        if let Some(other) = objects.insert(key.clone(), parsed) {
            return Err(error(format!("{key} is also in {}", other.path)));
        }
    }
    Ok(objects)
}

fn object_key(value: &Value) -> Option<ObjectKey> {
    let text = |pointer: &str| value.pointer(pointer).and_then(Value::as_str).map(str::to_owned);
    let api_version = text("/apiVersion")?;
    let group = api_version
        .rsplit_once('/')
        .map(|(group, _)| group.to_owned())
        .unwrap_or_default();
    Some(ObjectKey {
        group,
        kind: text("/kind")?,
        namespace: text("/metadata/namespace"),
        name: text("/metadata/name")?,
    })
}

fn app_of(path: &str) -> String {
    path.split_once('/').map_or(path, |(app, _)| app).to_owned()
}

fn unified(old: &str, new: &str, old_header: &str, new_header: &str) -> String {
    TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(old_header, new_header)
        .to_string()
}

fn added(key: ObjectKey, after: Parsed) -> ObjectChange {
    ObjectChange {
        kind: ChangeKind::Added,
        app: app_of(after.path),
        path: after.path.to_owned(),
        from_path: None,
        diff: Some(unified("", after.text, "/dev/null", &format!("b/{}", after.path))),
        warnings: Vec::new(),
        image_bumps: Vec::new(),
        key,
    }
}

fn removed(key: ObjectKey, before: Parsed, pruning: &Pruning) -> ObjectChange {
    let app = app_of(before.path);
    let warning = match pruning.of(&app) {
        Some((application, true)) => {
            format!("{key} is deleted: Application {application} prunes, so Argo CD removes it from the cluster")
        }
        Some((application, false)) => format!(
            "{key} is deleted from release/ but stays in the cluster: Application {application} does not prune; delete it by hand or sync once with prune"
        ),
        None => format!(
            "{key} is deleted from release/; no Application in this release syncs {app}, so whether the cluster loses it depends on the one that does"
        ),
    };
    ObjectChange {
        kind: ChangeKind::Removed,
        app,
        path: before.path.to_owned(),
        from_path: None,
        diff: None,
        warnings: vec![warning],
        image_bumps: Vec::new(),
        key,
    }
}

/// A ConfigMap named with a content hash (`account-config-1a2b3c4d`) is replaced, not changed,
/// when its contents change: the removed one's warning says which one replaces it, so a
/// reviewer knows it is unused once the rollout finishes (and, where Argo CD does not prune,
/// that it stays behind until deleted).
fn name_replaced_config_maps(changes: &mut [ObjectChange]) {
    let hashed_prefix = |key: &ObjectKey| {
        let (prefix, hash) = key.name.rsplit_once('-')?;
        (key.kind == "ConfigMap"
            && key.group.is_empty()
            && hash.len() == 8
            && hash.bytes().all(|b| b.is_ascii_hexdigit()))
        .then_some(prefix.to_owned())
    };
    let added: Vec<(ObjectKey, String)> = (changes.iter())
        .filter(|change| change.kind == ChangeKind::Added)
        .filter_map(|change| Some((change.key.clone(), hashed_prefix(&change.key)?)))
        .collect();
    for change in changes.iter_mut().filter(|change| change.kind == ChangeKind::Removed) {
        let Some(prefix) = hashed_prefix(&change.key) else {
            continue;
        };
        let replacement = (added.iter())
            .find(|(key, other)| *other == prefix && key.namespace == change.key.namespace)
            .map(|(key, _)| key.name.as_str());
        if let (Some(replacement), Some(warning)) = (replacement, change.warnings.first_mut()) {
            *warning = format!(
                "replaced by ConfigMap {replacement} (its contents changed; the workloads mount the new one): {warning}"
            );
        }
    }
}

/// Which Application syncs each app directory of an environment, and whether it prunes.
struct Pruning(BTreeMap<String, (String, bool)>);

impl Pruning {
    /// Reads the Argo CD Applications of `new` (those of `old` where `new` has none, as when
    /// a whole app goes) whose source path is `…/<env>/<app>`.
    fn read(env: &str, new: &Tree, old: &Tree) -> Pruning {
        let mut apps = BTreeMap::new();
        for tree in [new, old] {
            for (path, text) in tree.iter().filter(|(path, _)| path.contains(".application.")) {
                let Ok(value) = serde_saphyr::from_str::<Value>(text) else {
                    continue;
                };
                let text = |pointer: &str| value.pointer(pointer).and_then(Value::as_str);
                if text("/kind") != Some("Application") || !path.ends_with(".yaml") {
                    continue;
                }
                let (Some(name), Some(source)) = (text("/metadata/name"), text("/spec/source/path")) else {
                    continue;
                };
                let Some((_, app)) = source.trim_end_matches('/').rsplit_once(&format!("{env}/")) else {
                    continue;
                };
                let prune = value
                    .pointer("/spec/syncPolicy/automated/prune")
                    .and_then(Value::as_bool);
                apps.entry(app.to_owned())
                    .or_insert((name.to_owned(), prune == Some(true)));
            }
        }
        Pruning(apps)
    }

    fn of(&self, app: &str) -> Option<(&str, bool)> {
        self.0
            .get(app)
            .map(|(application, prune)| (application.as_str(), *prune))
    }
}

fn changed(key: ObjectKey, before: Parsed, after: Parsed) -> Option<ObjectChange> {
    let moved = before.path != after.path;
    if !moved && before.text == after.text {
        return None;
    }
    let app = app_of(after.path);
    let mut warnings = review::warnings(&key, &before.value, &after.value);
    let old_app = app_of(before.path);
    if old_app != app {
        warnings.push(format!(
            "{key} moves from app {old_app} to app {app}: two Argo CD Applications claim it during the sync, and {old_app}'s prune may delete it before {app} recreates it"
        ));
    }
    let content_changed = before.text != after.text;
    Some(ObjectChange {
        kind: if moved { ChangeKind::Moved } else { ChangeKind::Changed },
        image_bumps: review::image_bumps(&app, &before.value, &after.value),
        diff: content_changed.then(|| {
            unified(
                before.text,
                after.text,
                &format!("a/{}", before.path),
                &format!("b/{}", after.path),
            )
        }),
        path: after.path.to_owned(),
        from_path: moved.then(|| before.path.to_owned()),
        app,
        warnings,
        key,
    })
}
