//! kumiki's typed custom resources against the upstream CRDs the platform installs (vendored
//! under `crds/`, with their provenance): every field kumiki writes is one the API server knows,
//! so nothing is pruned or rejected.

use kumiki::crds::external_secrets::{ExternalSecret, SecretStore};
use kumiki::k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    CustomResourceDefinition, JSONSchemaProps, JSONSchemaPropsOrArray,
};
use kumiki::model::Object;
use kumiki::prelude::App;
use platform::Env;
use serde_json::Value;

/// The schema of version `version` of the vendored CRD `file`.
fn upstream_schema(file: &str, version: &str) -> JSONSchemaProps {
    let path = xtask::workspace_root().join("crds").join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    let definition: CustomResourceDefinition = serde_saphyr::from_str(&text).unwrap();
    let version = (definition.spec.versions.iter())
        .find(|candidate| candidate.name == version)
        .unwrap_or_else(|| panic!("{file} has no version {version}"));
    version.schema.clone().unwrap().open_api_v3_schema.unwrap()
}

/// Every field path of `value` (objects walked, array items included) that `schema` lacks.
fn undeclared(value: &Value, schema: &JSONSchemaProps, path: &str, missing: &mut Vec<String>) {
    match value {
        Value::Object(fields) => {
            for (key, field) in fields {
                let path = format!("{path}.{key}");
                match schema.properties.as_ref().and_then(|properties| properties.get(key)) {
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

/// The objects of type `T` in `apps`, as JSON.
fn objects<T: Object + 'static>(apps: &[App]) -> Vec<Value> {
    (apps.iter().flat_map(App::objects))
        .filter_map(|declared| declared.object.as_any().downcast_ref::<T>())
        .map(|object| object.to_json())
        .collect()
}

#[test]
fn every_field_kumiki_writes_is_in_the_upstream_schema() {
    let apps = xtask::model(Env::Prd);
    let cases = [
        (
            "external-secrets/externalsecrets.external-secrets.io.yaml",
            objects::<ExternalSecret>(&apps),
        ),
        (
            "external-secrets/secretstores.external-secrets.io.yaml",
            objects::<SecretStore>(&apps),
        ),
    ];
    for (file, written) in cases {
        assert!(!written.is_empty(), "prd writes no object of {file}");
        let schema = upstream_schema(file, "v1");
        for object in written {
            let mut missing = Vec::new();
            undeclared(
                &object["spec"],
                &schema.properties.as_ref().unwrap()["spec"],
                "spec",
                &mut missing,
            );
            assert!(missing.is_empty(), "{file}: {missing:?} are not in the upstream schema");
        }
    }
}

#[test]
fn a_field_the_upstream_schema_lacks_is_found() {
    let schema = upstream_schema("external-secrets/externalsecrets.external-secrets.io.yaml", "v1");
    let spec = &schema.properties.as_ref().unwrap()["spec"];
    let mut missing = Vec::new();
    let written = serde_json::json!({ "refreshInterval": "1h", "target": { "name": "x", "colour": "blue" } });
    undeclared(&written, spec, "spec", &mut missing);
    assert_eq!(missing, ["spec.target.colour"]);
}
