//! The live side of `diff --live`: for each object of the release, what the cluster holds
//! now and what it would hold after applying it (a server-side dry run against the live
//! object, so both carry the same defaults), and the objects kumiki wrote for the environment
//! that the release no longer has.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::release::ReleaseObject;
use crate::server::Server;
use crate::{Error, LiveTrees};

/// Metadata the server manages: never a difference.
const SERVER_METADATA: [&str; 7] = [
    "managedFields",
    "resourceVersion",
    "uid",
    "creationTimestamp",
    "generation",
    "selfLink",
    "deletionGracePeriodSeconds",
];

/// The directory the trees put objects the release does not have under.
pub const NOT_IN_RELEASE: &str = "(not in the release)";

/// The two trees `diff --live` compares, for the release of `env`.
/// `selector`, when given, narrows the objects counted as kumiki's (a team's label, say).
pub async fn trees(
    server: &mut Server,
    release: &[ReleaseObject],
    env: &str,
    selector: Option<&str>,
) -> Result<LiveTrees, Error> {
    let mut trees = LiveTrees::default();
    for object in release {
        let Some(stored) = server.get(object).await? else {
            trees.release.insert(object.file.clone(), yaml(&object.value)?);
            continue;
        };
        trees
            .live
            .insert(object.file.clone(), yaml(&without_server_fields(stored))?);
        let answer = server.apply(object, true).await?;
        let after = match &answer {
            Ok(answer) if answer.accepted() => without_server_fields(answer.body.clone()),
            _ => object.value.clone(),
        };
        let judged = crate::verify::judge(object, answer);
        trees
            .findings
            .extend(judged.into_iter().filter(|finding| finding.kind.fails()));
        trees.release.insert(object.file.clone(), yaml(&after)?);
    }
    let known: BTreeSet<Identity> = release.iter().map(|object| identity(&object.value)).collect();
    let mut kumikis = format!("app.kubernetes.io/managed-by=kumiki,env={env}");
    if let Some(narrower) = selector {
        kumikis = format!("{kumikis},{narrower}");
    }
    let mut seen = BTreeSet::new();
    for resource in server.listable().await? {
        for item in server.list(&resource, &kumikis).await? {
            let item_identity = identity(&item);
            if known.contains(&item_identity) || !seen.insert(item_identity.clone()) {
                continue;
            }
            let (_, kind, namespace, name) = &item_identity;
            let file = format!("{NOT_IN_RELEASE}/{namespace}.{}.{name}.yaml", kind.to_ascii_lowercase());
            trees.live.insert(file, yaml(&without_server_fields(item))?);
        }
    }
    Ok(trees)
}

/// Group (without version), kind, namespace (`_cluster` for cluster-scoped) and name.
type Identity = (String, String, String, String);

fn identity(object: &Value) -> Identity {
    let text = |value: &Value| value.as_str().unwrap_or_default().to_owned();
    let api_version = text(&object["apiVersion"]);
    let group = api_version.rsplit_once('/').map_or("", |(group, _)| group).to_owned();
    let namespace = object["metadata"]["namespace"]
        .as_str()
        .unwrap_or("_cluster")
        .to_owned();
    (
        group,
        text(&object["kind"]),
        namespace,
        text(&object["metadata"]["name"]),
    )
}

/// `object` without its status and the metadata the server manages.
fn without_server_fields(mut object: Value) -> Value {
    if let Value::Object(fields) = &mut object {
        fields.remove("status");
    }
    if let Some(Value::Object(metadata)) = object.get_mut("metadata") {
        for field in SERVER_METADATA {
            metadata.remove(field);
        }
        if let Some(Value::Object(annotations)) = metadata.get_mut("annotations") {
            annotations.remove("kubectl.kubernetes.io/last-applied-configuration");
            if annotations.is_empty() {
                metadata.remove("annotations");
            }
        }
    }
    object
}

fn yaml(value: &Value) -> Result<String, Error> {
    serde_saphyr::to_string(value).map_err(|error| Error(format!("cannot write YAML: {error}")))
}
