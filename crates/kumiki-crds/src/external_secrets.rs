//! External Secrets Operator custom resources (`external-secrets.io/v1`): ExternalSecret and
//! SecretStore.
//!
//! An ExternalSecret names where a value lives in a secret store and which Kubernetes Secret
//! the operator writes it into; it never holds the value. That is what lets stg and prd carry
//! credentials in git: only references.
//!
//! Their definitions are the operator's own, installed by its chart; the repository vendors the
//! version the platform installs (`crds/external-secrets/`, with its provenance), and a test
//! holds every field kumiki writes to that schema.

use k8s_openapi::NamespaceResourceScope;
use serde::Serialize;

use crate::{Extra, custom_resource};

custom_resource! {
    /// Asks the operator to copy values from a secret store into a Kubernetes Secret.
    #[derive(Clone, Debug, Default, PartialEq)]
    ExternalSecret(ExternalSecretSpec): group = "external-secrets.io", version = "v1",
        plural = "externalsecrets", scope = NamespaceResourceScope
}

/// `ExternalSecret.spec`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExternalSecretSpec {
    /// The store the values come from.
    pub secret_store_ref: SecretStoreRef,
    /// The Secret the operator writes.
    pub target: ExternalSecretTarget,
    /// How often the values are read again (Go duration, e.g. `1h`).
    pub refresh_interval: String,
    /// One entry per key of the target Secret.
    pub data: Vec<ExternalSecretData>,
    /// Any other field.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `ExternalSecret.spec.secretStoreRef`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SecretStoreRef {
    /// `SecretStore`: the store of the ExternalSecret's namespace.
    pub kind: String,
    /// The store's name.
    pub name: String,
}

/// `ExternalSecret.spec.target`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExternalSecretTarget {
    /// The Secret's name.
    pub name: String,
    /// `Owner` (the Secret is deleted with the ExternalSecret), `Orphan`, `Merge` or `None`.
    pub creation_policy: String,
    /// `deletionPolicy`, `immutable`, or any other field of the upstream schema.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One key of the target Secret and where its value is read.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExternalSecretData {
    /// The key in the target Secret.
    pub secret_key: String,
    /// Where the value is in the store.
    pub remote_ref: RemoteRef,
}

/// `ExternalSecret.spec.data[].remoteRef`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RemoteRef {
    /// The secret's name in the store.
    pub key: String,
    /// A field of a JSON secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub property: Option<String>,
}

custom_resource! {
    /// A secret store the ExternalSecrets of its own namespace read from: which provider,
    /// which account and region.
    #[derive(Clone, Debug, Default, PartialEq)]
    SecretStore(SecretStoreSpec): group = "external-secrets.io", version = "v1",
        plural = "secretstores", scope = NamespaceResourceScope
}

/// `SecretStore.spec`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SecretStoreSpec {
    /// The provider; one of its fields is set.
    pub provider: SecretStoreProvider,
    /// Any other field.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `spec.provider` of a store.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SecretStoreProvider {
    /// AWS Secrets Manager or Parameter Store.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aws: Option<AwsProvider>,
    /// Any other provider.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `spec.provider.aws` of a store.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct AwsProvider {
    /// `SecretsManager` or `ParameterStore`.
    pub service: String,
    /// The AWS region.
    pub region: String,
    /// `role`, or any other field of the upstream schema. Without `auth`, the operator uses
    /// its own pod's credentials (IRSA).
    #[serde(flatten)]
    pub extra: Extra,
}
