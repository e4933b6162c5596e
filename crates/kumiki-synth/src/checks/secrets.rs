//! Checks on secrets: no value outside dev, and every reference to a secret resolves.
//!
//! A pod reads a Secret key (`secretKeyRef`) that must exist: in a Secret of the model, or
//! as a key an ExternalSecret writes into its target Secret; an ExternalSecret's store must
//! exist. Outside dev a Secret may not carry values at all: credentials come from a secret
//! store through an ExternalSecret.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::Secret;
use kumiki_core::Env;
use kumiki_crds::external_secrets::{ExternalSecret, SecretStore};

use super::{Index, Problems};

/// Every secret problem of the environment.
pub(crate) fn check<'a>(index: &Index<'a>, problems: &mut Problems<'a>) {
    let env = index.env;
    let objects = &index.objects;
    // (namespace, secret name) -> keys it will hold.
    let mut secret_keys: BTreeMap<(&str, &str), BTreeSet<&str>> = BTreeMap::new();
    let stores: BTreeSet<(&str, &str)> = (objects.iter())
        .filter_map(|entry| entry.declared.object.as_any().downcast_ref::<SecretStore>())
        .filter_map(|store| Some((store.metadata.namespace.as_deref()?, store.metadata.name.as_deref()?)))
        .collect();
    for entry in objects {
        let any = entry.declared.object.as_any();
        let origin = entry.origin;
        if let Some(secret) = any.downcast_ref::<Secret>() {
            let namespace = secret.metadata.namespace.as_deref().unwrap_or_default();
            let name = secret.metadata.name.as_deref().unwrap_or_default();
            let keys: Vec<&str> = (secret.data.iter().flat_map(|data| data.keys()))
                .chain(secret.string_data.iter().flat_map(|data| data.keys()))
                .map(String::as_str)
                .collect();
            if env != Env::Dev && !keys.is_empty() {
                problems.report(
                    origin,
                    format!(
                        "Secret {namespace}/{name} carries values ({}) in {env}: only dev may write a secret value; \
                         read it from a secret store with an ExternalSecret",
                        keys.join(", ")
                    ),
                );
            }
            secret_keys.entry((namespace, name)).or_default().extend(keys);
        } else if let Some(external) = any.downcast_ref::<ExternalSecret>() {
            let namespace = external.metadata.namespace.as_deref().unwrap_or_default();
            let name = external.metadata.name.as_deref().unwrap_or_default();
            let store = &external.spec.secret_store_ref;
            if !stores.contains(&(namespace, store.name.as_str())) {
                problems.report(
                    origin,
                    format!(
                        "ExternalSecret {namespace}/{name}: SecretStore \"{}\" in {namespace} is not declared",
                        store.name
                    ),
                );
            }
            let keys = external.spec.data.iter().map(|data| data.secret_key.as_str());
            secret_keys
                .entry((namespace, external.spec.target.name.as_str()))
                .or_default()
                .extend(keys);
        }
    }
    for workload in &index.workloads.all {
        let containers = workload.pod.iter().flat_map(|pod| &pod.containers);
        let references = (containers.flat_map(|c| c.env.iter().flatten()))
            .filter_map(|var| Some((&var.name, var.value_from.as_ref()?.secret_key_ref.as_ref()?)));
        for (variable, reference) in references {
            let known = secret_keys.get(&(workload.namespace, reference.name.as_str()));
            let message = match known {
                None => format!(
                    "{}: variable {variable} reads Secret \"{}\", which neither a Secret nor an ExternalSecret of {} provides",
                    workload.describe(),
                    reference.name,
                    workload.namespace
                ),
                Some(keys) if !keys.contains(reference.key.as_str()) => format!(
                    "{}: variable {variable} reads key \"{}\" of Secret \"{}\", which has only {:?}",
                    workload.describe(),
                    reference.key,
                    reference.name,
                    keys
                ),
                Some(_) => continue,
            };
            problems.report(workload.origin, message);
        }
    }
}
