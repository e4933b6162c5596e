//! A Secret read from a secret store: the one shape of ExternalSecret kumiki writes.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kumiki_core::Name;
use kumiki_crds::external_secrets::{
    ExternalSecret, ExternalSecretData, ExternalSecretDataRemoteRef, ExternalSecretSecretStoreRef,
    ExternalSecretSecretStoreRefKind, ExternalSecretSpec, ExternalSecretTarget, ExternalSecretTargetCreationPolicy,
};

/// How often the operator reads rotated values from the store again (a Go duration).
const REFRESH_INTERVAL: &str = "1h";

/// An ExternalSecret (named and placed by `metadata`) that has the External Secrets Operator
/// copy `keys`, the properties of the JSON secret `remote_key`, from the SecretStore `store` of
/// its own namespace into a Secret of the same name, which it owns. It names where the values
/// are, never the values: that is what lets stg and prd keep credentials in git.
pub fn external_secret(metadata: ObjectMeta, store: &Name, remote_key: &str, keys: &[&str]) -> ExternalSecret {
    let field = |key: &&str| ExternalSecretData {
        secret_key: (*key).to_owned(),
        remote_ref: ExternalSecretDataRemoteRef {
            key: remote_key.to_owned(),
            property: Some((*key).to_owned()),
            ..Default::default()
        },
        ..Default::default()
    };
    let target = metadata.name.clone();
    ExternalSecret {
        metadata,
        spec: ExternalSecretSpec {
            secret_store_ref: Some(ExternalSecretSecretStoreRef {
                kind: Some(ExternalSecretSecretStoreRefKind::SecretStore),
                name: Some(store.to_string()),
            }),
            target: Some(ExternalSecretTarget {
                name: target,
                creation_policy: Some(ExternalSecretTargetCreationPolicy::Owner),
                ..Default::default()
            }),
            refresh_interval: Some(REFRESH_INTERVAL.to_owned()),
            data: Some(keys.iter().map(field).collect()),
            ..Default::default()
        },
    }
}
