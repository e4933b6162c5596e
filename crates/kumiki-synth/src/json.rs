//! An object as the release will hold it: serialized once, to JSON, and read back into a
//! tree that refuses a key written twice in one mapping. The rules read this tree and the YAML
//! file is rendered from it, so what is checked is exactly what is written, whatever the Rust
//! type's own `Serialize` does.

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::object::Object;

/// Why an object has no JSON.
#[derive(Debug)]
pub(crate) enum JsonError {
    /// Its `Serialize` failed.
    Serialize(String),
    /// It writes a key twice in one mapping.
    RepeatedKey(String),
}

/// `object` serialized once, as the rules read it and the file holds it.
pub(crate) fn object_json(object: &dyn Object) -> Result<Value, JsonError> {
    let mut bytes = Vec::with_capacity(2048);
    object
        .write_json(&mut bytes)
        .map_err(|error| JsonError::Serialize(error.to_string()))?;
    let mut reader = serde_json::Deserializer::from_slice(&bytes);
    Strict.deserialize(&mut reader).map_err(|error| {
        let text = error.to_string();
        match text.strip_prefix(REPEATED) {
            Some(rest) => JsonError::RepeatedKey(rest.split('`').next().unwrap_or_default().to_owned()),
            None => JsonError::Serialize(text),
        }
    })
}

const REPEATED: &str = "repeated key `";

/// Reads a JSON value, refusing a mapping that holds one key twice and leaving out fields set
/// to `null`.
struct Strict;

impl<'de> DeserializeSeed<'de> for Strict {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(StrictVisitor)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_owned()))
    }

    fn visit_string<E>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<Value, A::Error> {
        let mut values = Vec::new();
        while let Some(value) = items.next_element_seed(Strict)? {
            values.push(value);
        }
        Ok(Value::Array(values))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut entries: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some(key) = entries.next_key::<String>()? {
            if map.contains_key(&key) {
                return Err(de::Error::custom(format_args!("{REPEATED}{key}`")));
            }
            // A field set to `null` is an absent field to the API server: the release leaves
            // it out, so the rules and the file agree.
            let value = entries.next_value_seed(Strict)?;
            if !value.is_null() {
                map.insert(key, value);
            }
        }
        Ok(Value::Object(map))
    }
}

#[cfg(test)]
mod tests {
    use super::{Strict, Value};
    use serde::de::DeserializeSeed;

    fn read(text: &str) -> Result<Value, String> {
        Strict
            .deserialize(&mut serde_json::Deserializer::from_str(text))
            .map_err(|error| error.to_string())
    }

    #[test]
    fn a_key_written_twice_is_refused_and_named() {
        let read_back = read(r#"{"a": {"b": 1, "n": null}, "c": [true, null, "x", 1.5]}"#).unwrap();
        assert_eq!(read_back["c"][2], "x");
        assert_eq!(read_back["a"], serde_json::json!({"b": 1}));
        let error = read(r#"{"spec": {"replicas": 1, "replicas": 3}}"#).unwrap_err();
        assert!(error.starts_with("repeated key `replicas`"), "{error}");
    }
}
