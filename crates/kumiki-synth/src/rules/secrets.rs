//! Rules on secrets: no value outside development environments, and every reference to a
//! secret resolves.
//!
//! A pod reads a Secret key (`secretKeyRef`) that must exist: in a Secret of the release, or
//! as a key an ExternalSecret writes into its target Secret; an ExternalSecret's store must be
//! a SecretStore of its namespace. Outside development a Secret may not carry values at all
//! (credentials come from a secret store through an ExternalSecret), and a credential-looking
//! key (`password`, `token`, ...) may not hold a literal value in a ConfigMap or a container's
//! environment. Secrets and ConfigMaps are read by kind from the rendered release.

use std::collections::{BTreeMap, BTreeSet};

use super::index::{Index, Rendered};
use super::views::{EXTERNAL_SECRETS, ExternalSecretSpec};
use super::{Problems, SECRET_LITERAL, SECRET_REFERENCE, SECRET_STORE, SECRET_VALUE};

/// The keys each Secret of the release will hold, by (namespace, name).
#[derive(Default)]
struct SecretKeys<'a> {
    keys: BTreeMap<(&'a str, String), BTreeSet<String>>,
    /// Secrets whose keys are only known at run time (an ExternalSecret's `dataFrom`).
    open: BTreeSet<(&'a str, String)>,
}

/// Every secret problem of the environment.
pub(crate) fn check<'a>(index: &Index<'a>, problems: &mut Problems<'a>) {
    let mut secrets = SecretKeys::default();
    for secret in index.of_kind("", "Secret") {
        let keys = map_keys(secret, &["data", "stringData"]);
        if !index.env().is_development() && !keys.is_empty() {
            problems.report_as(
                &SECRET_VALUE,
                secret.origin(),
                format!(
                    "{} carries values ({}) in {}: only a development environment may write a secret value; \
                     read it from a secret store with an ExternalSecret",
                    secret.describe(),
                    keys.join(", "),
                    index.env()
                ),
            );
        }
        (secrets
            .keys
            .entry((secret.namespace_or_empty(), secret.name().to_owned())))
        .or_default()
        .extend(keys);
    }
    external_secrets(index, problems, &mut secrets);
    references(index, problems, &secrets);
    if !index.env().is_development() {
        literals(index, problems);
    }
}

/// Each ExternalSecret reads a SecretStore of its namespace and provides keys to its target.
fn external_secrets<'a>(index: &Index<'a>, problems: &mut Problems<'a>, secrets: &mut SecretKeys<'a>) {
    let stores: BTreeSet<(&str, &str)> = (index.of_kind(EXTERNAL_SECRETS, "SecretStore"))
        .map(|store| (store.namespace_or_empty(), store.name()))
        .collect();
    for object in index.of_kind(EXTERNAL_SECRETS, "ExternalSecret") {
        let external: ExternalSecretSpec = match object.spec_view() {
            Ok(external) => external,
            Err(error) => {
                problems.report_as(&super::OBJECT_SHAPE, object.origin(), error);
                continue;
            }
        };
        let namespace = object.namespace_or_empty();
        let store_name = external.secret_store_ref.name.as_str();
        if external.secret_store_ref.kind.as_deref() == Some("ClusterSecretStore") {
            problems.report_as(
                &SECRET_STORE,
                object.origin(),
                format!(
                    "{}: reads ClusterSecretStore \"{store_name}\", which any namespace can read: use the SecretStore \
                     of {namespace}",
                    object.describe()
                ),
            );
        } else if !stores.contains(&(namespace, store_name)) {
            problems.report_as(
                &SECRET_STORE,
                object.origin(),
                format!(
                    "{}: SecretStore \"{store_name}\" in {namespace} is not declared",
                    object.describe()
                ),
            );
        }
        // The operator names the Secret after the ExternalSecret unless the target says otherwise.
        let target = external.target.name.clone().unwrap_or_else(|| object.name().to_owned());
        if !external.data_from.is_empty() {
            secrets.open.insert((namespace, target.clone()));
        }
        let keys = external.data.into_iter().map(|data| data.secret_key);
        secrets.keys.entry((namespace, target)).or_default().extend(keys);
    }
}

/// Every `secretKeyRef` of a pod names a key some Secret of its namespace will hold.
fn references<'a>(index: &Index<'a>, problems: &mut Problems<'a>, secrets: &SecretKeys<'a>) {
    for pod in index.pods() {
        let namespace = pod.namespace();
        let containers = pod
            .spec
            .containers
            .iter()
            .chain(pod.spec.init_containers.iter().flatten());
        let references = (containers.flat_map(|c| c.env.iter().flatten()))
            .filter_map(|var| Some((&var.name, var.value_from.as_ref()?.secret_key_ref.as_ref()?)));
        for (variable, reference) in references {
            let secret = (namespace, reference.name.clone());
            let message = match secrets.keys.get(&secret) {
                None => format!(
                    "{}: variable {variable} reads Secret \"{}\", which neither a Secret nor an ExternalSecret of {namespace} provides",
                    pod.describe(),
                    reference.name,
                ),
                Some(keys) if !keys.contains(&reference.key) && !secrets.open.contains(&secret) => format!(
                    "{}: variable {variable} reads key \"{}\" of Secret \"{}\", which has only {keys:?}",
                    pod.describe(),
                    reference.key,
                    reference.name,
                ),
                Some(_) => continue,
            };
            problems.report_as(&SECRET_REFERENCE, pod.object.origin(), message);
        }
    }
}

/// No credential-looking ConfigMap key or environment variable holds a literal value.
fn literals<'a>(index: &Index<'a>, problems: &mut Problems<'a>) {
    let env = index.env();
    for config_map in index.of_kind("", "ConfigMap") {
        for key in map_keys(config_map, &["data", "binaryData"])
            .iter()
            .filter(|key| looks_like_a_credential(key))
        {
            problems.report_as(
                &SECRET_LITERAL,
                config_map.origin(),
                format!(
                    "{}: key {key} looks like a credential and holds a literal value in {env}: keep it in a secret \
                     store and read it through an ExternalSecret",
                    config_map.describe()
                ),
            );
        }
    }
    for pod in index.pods() {
        let containers = pod
            .spec
            .containers
            .iter()
            .chain(pod.spec.init_containers.iter().flatten());
        for container in containers {
            let literals =
                (container.env.iter().flatten()).filter(|var| var.value.as_deref().is_some_and(|v| !v.is_empty()));
            for variable in literals.filter(|var| looks_like_a_credential(&var.name)) {
                problems.report_as(
                    &SECRET_LITERAL,
                    pod.object.origin(),
                    format!(
                        "{}: container \"{}\": variable {} looks like a credential and holds a literal value in \
                         {env}: read it from a Secret (`secretKeyRef`)",
                        pod.describe(),
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

/// The keys of the maps at `fields` of an object, as written.
fn map_keys(object: &Rendered, fields: &[&str]) -> Vec<String> {
    (fields.iter())
        .filter_map(|field| object.json().get(field)?.as_object())
        .flat_map(|map| map.map(|(key, _)| key.to_owned()))
        .collect()
}
