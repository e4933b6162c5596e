//! External Secrets Operator custom resources (`external-secrets.io/v1`): ExternalSecret and
//! SecretStore, and their CustomResourceDefinitions.
//!
//! An ExternalSecret names where a value lives in a secret store and which Kubernetes Secret
//! the operator writes it into; it never holds the value. That is what lets stg and prd carry
//! credentials in git: only references.
//!
//! The platform installs these two CRDs itself ([`custom_resource_definitions`]) rather than
//! taking the operator chart's: their schema is the fields typed here, so the API server (and
//! any schema validator reading `release/`) rejects what kumiki does not know, and the
//! definition changes with the types, in the same review.

use k8s_openapi::NamespaceResourceScope;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use serde::Serialize;
use serde_json::{Value, json};

use crate::{Extra, custom_resource};

custom_resource! {
    /// Asks the operator to copy values from a secret store into a Kubernetes Secret.
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
    /// Any other field (add it to [`custom_resource_definitions`] too).
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
    /// `deletionPolicy`, `immutable`, or any other field (add it to
    /// [`custom_resource_definitions`] too).
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
    SecretStore(SecretStoreSpec): group = "external-secrets.io", version = "v1",
        plural = "secretstores", scope = NamespaceResourceScope
}

/// `SecretStore.spec`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SecretStoreSpec {
    /// The provider; one of its fields is set.
    pub provider: SecretStoreProvider,
    /// Any other field (add it to [`custom_resource_definitions`] too).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `spec.provider` of a store.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SecretStoreProvider {
    /// AWS Secrets Manager or Parameter Store.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aws: Option<AwsProvider>,
    /// Any other provider (add it to [`custom_resource_definitions`] too).
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
    /// `role`, or any other field (add it to [`custom_resource_definitions`] too). Without
    /// `auth`, the operator uses its own pod's credentials (IRSA).
    #[serde(flatten)]
    pub extra: Extra,
}

/// A DNS-1123 subdomain, as Kubernetes names are.
const NAME_PATTERN: &str = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

/// The CustomResourceDefinition of namespaced kind `kind` (plural `plural`) in version `v1`
/// with `spec` as the schema of its spec; the status belongs to the operator.
fn definition(kind: &str, plural: &str, spec: Value) -> CustomResourceDefinition {
    let definition = json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": { "name": format!("{plural}.external-secrets.io") },
        "spec": {
            "group": "external-secrets.io",
            "names": {
                "kind": kind,
                "listKind": format!("{kind}List"),
                "plural": plural,
                "singular": kind.to_ascii_lowercase(),
                "categories": ["external-secrets"],
            },
            "scope": "Namespaced",
            "versions": [{
                "name": "v1",
                "served": true,
                "storage": true,
                "subresources": { "status": {} },
                "schema": { "openAPIV3Schema": {
                    "type": "object",
                    "properties": {
                        "apiVersion": { "type": "string" },
                        "kind": { "type": "string" },
                        "metadata": { "type": "object" },
                        "spec": spec,
                        "status": { "type": "object", "x-kubernetes-preserve-unknown-fields": true },
                    },
                }},
            }],
        },
    });
    serde_json::from_value(definition).expect("the definition is a CustomResourceDefinition")
}

/// The CRDs of [`ExternalSecret`] and [`SecretStore`], with the fields typed in this module
/// (and the fields and defaults of the upstream API that the operator reads when they are
/// unset: `deletionPolicy`, the `remoteRef` strategies).
pub fn custom_resource_definitions() -> Vec<CustomResourceDefinition> {
    let name = json!({ "type": "string", "maxLength": 253, "pattern": NAME_PATTERN });
    let external_secret = json!({
        "type": "object",
        "required": ["secretStoreRef", "target"],
        "properties": {
            "secretStoreRef": {
                "type": "object",
                "required": ["name"],
                "properties": {
                    "kind": { "type": "string", "enum": ["SecretStore"] },
                    "name": name,
                },
            },
            "target": {
                "type": "object",
                "properties": {
                    "name": name,
                    "creationPolicy": { "type": "string", "enum": ["Owner", "Orphan", "Merge", "None"], "default": "Owner" },
                    "deletionPolicy": { "type": "string", "enum": ["Delete", "Merge", "Retain"], "default": "Retain" },
                    "immutable": { "type": "boolean" },
                },
            },
            "refreshInterval": { "type": "string", "default": "1h" },
            "data": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["remoteRef", "secretKey"],
                    "properties": {
                        "secretKey": { "type": "string", "minLength": 1, "maxLength": 253, "pattern": "^[-._a-zA-Z0-9]+$" },
                        "remoteRef": {
                            "type": "object",
                            "required": ["key"],
                            "properties": {
                                "key": { "type": "string" },
                                "property": { "type": "string" },
                                "version": { "type": "string" },
                                "conversionStrategy": { "type": "string", "enum": ["Default", "Unicode"], "default": "Default" },
                                "decodingStrategy": { "type": "string", "enum": ["Auto", "Base64", "Base64URL", "None"], "default": "None" },
                                "metadataPolicy": { "type": "string", "enum": ["None", "Fetch"], "default": "None" },
                            },
                        },
                    },
                },
            },
        },
    });
    let secret_store = json!({
        "type": "object",
        "required": ["provider"],
        "properties": {
            "provider": {
                "type": "object",
                "minProperties": 1,
                "maxProperties": 1,
                "properties": {
                    "aws": {
                        "type": "object",
                        "required": ["service"],
                        "properties": {
                            "service": { "type": "string", "enum": ["SecretsManager", "ParameterStore"] },
                            "region": { "type": "string" },
                            "role": { "type": "string" },
                        },
                    },
                },
            },
        },
    });
    vec![
        definition("ExternalSecret", "externalsecrets", external_secret),
        definition("SecretStore", "secretstores", secret_store),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::Resource;
    use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{JSONSchemaProps, JSONSchemaPropsOrArray};

    /// Every field path of `value` (objects walked, array items included) missing from `schema`.
    fn undeclared(value: &Value, schema: &JSONSchemaProps, path: &str, missing: &mut Vec<String>) {
        match value {
            Value::Object(fields) => {
                for (key, field) in fields {
                    let path = format!("{path}.{key}");
                    match schema.properties.as_ref().and_then(|p| p.get(key)) {
                        Some(field_schema) => undeclared(field, field_schema, &path, missing),
                        None if schema.x_kubernetes_preserve_unknown_fields == Some(true) => {}
                        None => missing.push(path),
                    }
                }
            }
            Value::Array(items) => {
                let Some(JSONSchemaPropsOrArray::Schema(item)) = schema.items.as_ref() else {
                    return missing.push(format!("{path}[]"));
                };
                for item_value in items {
                    undeclared(item_value, item, &format!("{path}[]"), missing);
                }
            }
            _ => {}
        }
    }

    fn schema_of(kind: &str) -> JSONSchemaProps {
        let definition = (custom_resource_definitions().into_iter())
            .find(|d| d.spec.names.kind == kind)
            .unwrap();
        let version = &definition.spec.versions[0];
        assert_eq!(definition.spec.group, ExternalSecret::GROUP);
        assert_eq!(version.name, ExternalSecret::VERSION);
        version.schema.clone().unwrap().open_api_v3_schema.unwrap()
    }

    #[test]
    fn every_typed_field_is_in_its_definition() {
        let external_secret = ExternalSecret {
            metadata: Default::default(),
            spec: ExternalSecretSpec {
                secret_store_ref: SecretStoreRef {
                    kind: "SecretStore".to_owned(),
                    name: "store".to_owned(),
                },
                target: ExternalSecretTarget {
                    name: "credentials".to_owned(),
                    creation_policy: "Owner".to_owned(),
                    extra: Default::default(),
                },
                refresh_interval: "1h".to_owned(),
                data: vec![ExternalSecretData {
                    secret_key: "password".to_owned(),
                    remote_ref: RemoteRef {
                        key: "app/db".to_owned(),
                        property: Some("password".to_owned()),
                    },
                }],
                extra: Default::default(),
            },
        };
        let secret_store = SecretStore {
            metadata: Default::default(),
            spec: SecretStoreSpec {
                provider: SecretStoreProvider {
                    aws: Some(AwsProvider {
                        service: "SecretsManager".to_owned(),
                        region: "ap-northeast-1".to_owned(),
                        extra: Default::default(),
                    }),
                    extra: Default::default(),
                },
                extra: Default::default(),
            },
        };
        for (kind, value) in [
            ("ExternalSecret", serde_json::to_value(&external_secret).unwrap()),
            ("SecretStore", serde_json::to_value(&secret_store).unwrap()),
        ] {
            let mut missing = Vec::new();
            undeclared(
                &value["spec"],
                &schema_of(kind).properties.unwrap()["spec"],
                "spec",
                &mut missing,
            );
            assert!(missing.is_empty(), "{kind}: fields not in the definition: {missing:?}");
        }
        // The walk does report a field the definition lacks.
        let mut missing = Vec::new();
        let typo = json!({ "refreshIntervall": "1h" });
        undeclared(
            &typo,
            &schema_of("ExternalSecret").properties.unwrap()["spec"],
            "spec",
            &mut missing,
        );
        assert_eq!(missing, ["spec.refreshIntervall"]);
    }
}
