//! Objects brought in from YAML (`kumiki import-yaml`): a kind with a Rust type is read into
//! it ([`typed`]); any other kind is held as an [`Imported`] object, its fields as JSON. Either
//! way synth judges it like every other object, by its rendered JSON.

use std::any::Any;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::Object;

/// `yaml` read into the type `T` (a k8s-openapi kind, say). A field `T` does not have, or a
/// value of the wrong type, panics naming the caller's line: the model then reports it there.
#[track_caller]
pub fn typed<T: DeserializeOwned>(yaml: &str) -> T {
    match serde_saphyr::from_str(yaml) {
        Ok(object) => object,
        Err(error) => panic!("an imported {} does not read: {error}", std::any::type_name::<T>()),
    }
}

/// An object of a kind without a Rust type here (a custom resource, usually), as its YAML
/// says: `apiVersion`, `kind`, its scope, `metadata` (typed) and the other fields (JSON).
#[derive(Clone, Debug, PartialEq)]
pub struct Imported {
    api_version: &'static str,
    group: &'static str,
    kind: &'static str,
    namespaced: bool,
    metadata: ObjectMeta,
    fields: Map<String, Value>,
}

impl Imported {
    /// The object `yaml` describes; `namespaced` says the scope of its kind. Panics naming the
    /// caller's line when `yaml` is not one object with `apiVersion`, `kind` and `metadata`.
    #[track_caller]
    pub fn from_yaml(yaml: &str, namespaced: bool) -> Imported {
        let mut fields = match serde_saphyr::from_str::<Value>(yaml) {
            Ok(Value::Object(fields)) => fields,
            Ok(_) => panic!("an imported object is not a map"),
            Err(error) => panic!("an imported object does not read: {error}"),
        };
        let mut text = |key: &str| match fields.remove(key) {
            Some(Value::String(text)) => &*Box::leak(text.into_boxed_str()),
            _ => panic!("an imported object has no {key}"),
        };
        let api_version = text("apiVersion");
        let kind = text("kind");
        let metadata = match fields.remove("metadata").map(serde_json::from_value::<ObjectMeta>) {
            Some(Ok(metadata)) => metadata,
            Some(Err(error)) => panic!("an imported {kind}'s metadata does not read: {error}"),
            None => panic!("an imported {kind} has no metadata"),
        };
        Imported {
            api_version,
            group: api_version.rsplit_once('/').map_or("", |(group, _)| group),
            kind,
            namespaced,
            metadata,
            fields,
        }
    }

    /// The fields besides `apiVersion`, `kind` and `metadata`, to change them.
    pub fn fields_mut(&mut self) -> &mut Map<String, Value> {
        &mut self.fields
    }
}

impl Object for Imported {
    fn api_version(&self) -> &'static str {
        self.api_version
    }

    fn group(&self) -> &'static str {
        self.group
    }

    fn kind(&self) -> &'static str {
        self.kind
    }

    fn is_namespaced(&self) -> bool {
        self.namespaced
    }

    fn metadata(&self) -> &ObjectMeta {
        &self.metadata
    }

    fn metadata_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }

    fn to_json(&self) -> Result<crate::Document, crate::JsonError> {
        let mut object = Map::new();
        object.insert("apiVersion".to_owned(), Value::from(self.api_version));
        object.insert("kind".to_owned(), Value::from(self.kind));
        let metadata = serde_json::to_value(&self.metadata).unwrap_or_default();
        object.insert("metadata".to_owned(), metadata);
        object.extend(self.fields.clone());
        crate::json::to_document(&Value::Object(object))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
