//! Checks on secrets: no value outside dev, and every reference to a secret resolves.
//!
//! A pod reads a Secret key (`secretKeyRef`) that must exist: in a Secret of the model, or
//! as a key an ExternalSecret writes into its target Secret; an ExternalSecret's store must
//! exist. Outside dev a Secret may not carry values at all: credentials come from a secret
//! store through an ExternalSecret. Secrets and ConfigMaps are recognized by kind, whatever
//! Rust type wrote them; outside dev a credential-looking key (`password`, `token`, ...) may
//! not hold a literal value in a ConfigMap or a container's environment.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{ConfigMap, Secret};

use super::views::{EXTERNAL_SECRETS, ExternalSecretSpec, read};
use super::{Index, Problems};

/// Every secret problem of the environment.
pub(crate) fn check<'a>(index: &Index<'a>, problems: &mut Problems<'a>) {
    let env = index.env;
    let objects = &index.objects;
    // (namespace, secret name) -> keys it will hold.
    let mut secret_keys: BTreeMap<(&str, String), BTreeSet<String>> = BTreeMap::new();
    // Secrets whose keys are only known at run time (an ExternalSecret's `dataFrom`).
    let mut open_secrets: BTreeSet<(&str, String)> = BTreeSet::new();
    let stores: BTreeSet<(&str, &str)> = (objects.iter())
        .map(|entry| entry.declared.object.as_ref())
        .filter(|object| object.group() == EXTERNAL_SECRETS && object.kind() == "SecretStore")
        .filter_map(|store| {
            Some((
                store.metadata().namespace.as_deref()?,
                store.metadata().name.as_deref()?,
            ))
        })
        .collect();
    for entry in objects {
        let any = entry.declared.object.as_any();
        let origin = entry.origin;
        let object = entry.declared.object.as_ref();
        let metadata = object.metadata();
        let core_kind = |kind: &str| object.group().is_empty() && object.kind() == kind;
        if core_kind("Secret") {
            let namespace = metadata.namespace.as_deref().unwrap_or_default();
            let name = metadata.name.as_deref().unwrap_or_default();
            let keys: Vec<String> = match any.downcast_ref::<Secret>() {
                Some(secret) => (secret.data.iter().flat_map(|data| data.keys()))
                    .chain(secret.string_data.iter().flat_map(|data| data.keys()))
                    .cloned()
                    .collect(),
                None => json_keys(&object.to_json(), &["data", "stringData"]),
            };
            if !env.is_development() && !keys.is_empty() {
                problems.report(
                    origin,
                    format!(
                        "Secret {namespace}/{name} carries values ({}) in {env}: only dev may write a secret value; \
                         read it from a secret store with an ExternalSecret",
                        keys.join(", ")
                    ),
                );
            }
            secret_keys
                .entry((namespace, name.to_owned()))
                .or_default()
                .extend(keys);
        } else if core_kind("ConfigMap") && !env.is_development() {
            let keys: Vec<String> = match any.downcast_ref::<ConfigMap>() {
                Some(config_map) => (config_map.data.iter().flat_map(|data| data.keys()))
                    .chain(config_map.binary_data.iter().flat_map(|data| data.keys()))
                    .cloned()
                    .collect(),
                None => json_keys(&object.to_json(), &["data", "binaryData"]),
            };
            for key in keys.iter().filter(|key| looks_like_a_credential(key)) {
                problems.report(
                    origin,
                    format!(
                        "ConfigMap {}/{}: key {key} looks like a credential and holds a literal value in {env}: \
                         keep it in a secret store and read it through an ExternalSecret",
                        metadata.namespace.as_deref().unwrap_or_default(),
                        metadata.name.as_deref().unwrap_or_default()
                    ),
                );
            }
        } else if let Some(external) = read::<ExternalSecretSpec>(entry, EXTERNAL_SECRETS, "ExternalSecret") {
            let external = match external {
                Ok(external) => external,
                Err(error) => {
                    problems.report(origin, error);
                    continue;
                }
            };
            let namespace = metadata.namespace.as_deref().unwrap_or_default();
            let name = metadata.name.as_deref().unwrap_or_default();
            let store_name = external.secret_store_ref.name.as_str();
            if external.secret_store_ref.kind.as_deref() == Some("ClusterSecretStore") {
                problems.report(
                    origin,
                    format!(
                        "ExternalSecret {namespace}/{name}: reads ClusterSecretStore \"{store_name}\", which any namespace \
                         can read: use the SecretStore of {namespace}"
                    ),
                );
            } else if !stores.contains(&(namespace, store_name)) {
                problems.report(
                    origin,
                    format!(
                        "ExternalSecret {namespace}/{name}: SecretStore \"{store_name}\" in {namespace} is not declared"
                    ),
                );
            }
            // The operator names the Secret after the ExternalSecret unless the target says otherwise.
            let target = external.target.name.clone().unwrap_or_else(|| name.to_owned());
            let keys = external.data.iter().map(|data| data.secret_key.clone());
            if !external.data_from.is_empty() {
                open_secrets.insert((namespace, target.clone()));
            }
            secret_keys.entry((namespace, target)).or_default().extend(keys);
        }
    }
    for workload in &index.workloads.all {
        let containers = workload.pod.iter().flat_map(|pod| &pod.containers);
        let references = (containers.flat_map(|c| c.env.iter().flatten()))
            .filter_map(|var| Some((&var.name, var.value_from.as_ref()?.secret_key_ref.as_ref()?)));
        for (variable, reference) in references {
            let known = secret_keys.get(&(workload.namespace, reference.name.clone()));
            let message = match known {
                None => format!(
                    "{}: variable {variable} reads Secret \"{}\", which neither a Secret nor an ExternalSecret of {} provides",
                    workload.describe(),
                    reference.name,
                    workload.namespace
                ),
                Some(keys)
                    if !keys.contains(&reference.key)
                        && !open_secrets.contains(&(workload.namespace, reference.name.clone())) =>
                {
                    format!(
                        "{}: variable {variable} reads key \"{}\" of Secret \"{}\", which has only {:?}",
                        workload.describe(),
                        reference.key,
                        reference.name,
                        keys
                    )
                }
                Some(_) => continue,
            };
            problems.report(workload.origin, message);
        }
        if env.is_development() {
            continue;
        }
        let init = workload.pod.iter().flat_map(|pod| pod.init_containers.iter().flatten());
        let containers = workload.pod.iter().flat_map(|pod| &pod.containers).chain(init);
        for container in containers {
            let literals =
                (container.env.iter().flatten()).filter(|var| var.value.as_deref().is_some_and(|v| !v.is_empty()));
            for variable in literals.filter(|var| looks_like_a_credential(&var.name)) {
                problems.report(
                    workload.origin,
                    format!(
                        "{}: container \"{}\": variable {} looks like a credential and holds a literal value in {env}: \
                         read it from a Secret (`secretKeyRef`)",
                        workload.describe(),
                        container.name,
                        variable.name
                    ),
                );
            }
        }
    }
}

/// Whether a key or variable name reads like it holds a credential.
fn looks_like_a_credential(name: &str) -> bool {
    const WORDS: [&str; 9] = [
        "password",
        "passwd",
        "secret",
        "token",
        "apikey",
        "api_key",
        "api-key",
        "privatekey",
        "private_key",
    ];
    let name = name.to_ascii_lowercase();
    WORDS.iter().any(|word| name.contains(word)) || name.ends_with("credentials")
}

/// The keys of the maps at `fields` of an object read as JSON.
fn json_keys(object: &serde_json::Value, fields: &[&str]) -> Vec<String> {
    (fields.iter())
        .filter_map(|field| object.get(*field)?.as_object())
        .flat_map(|map| map.keys().cloned())
        .collect()
}
