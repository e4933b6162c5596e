//! The JSON tree of a rendered object: what the rules read and the YAML file is written from.
//! Fields keep the order the object wrote them in (so the file's bytes are what the object's
//! own serialization lays out), and a struct's field names are borrowed from its type rather
//! than copied: a large release is a great many small fields.

use std::borrow::Cow;
use std::fmt;

use serde::de::value::{BorrowedStrDeserializer, Error as DecodeError, MapDeserializer, SeqDeserializer};
use serde::de::{self, IntoDeserializer, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::Number;

/// A field name: the type's own (`&'static str`) or a map's key.
pub type Key = Cow<'static, str>;

/// A JSON value as an object of the release writes it.
#[derive(Clone, Debug, PartialEq)]
pub enum Json {
    /// `null` (left out as a field's value: absent, to the API server).
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number.
    Number(Number),
    /// A string.
    String(String),
    /// A sequence.
    Array(Vec<Json>),
    /// A mapping, its fields in the order written, each key once.
    Object(Vec<(Key, Json)>),
}

impl Json {
    /// The field `key` of a mapping.
    pub fn get(&self, key: &str) -> Option<&Json> {
        let Json::Object(fields) = self else { return None };
        fields.iter().find(|(name, _)| name == key).map(|(_, value)| value)
    }

    /// The value below `path`, a field name per level (`["metadata", "labels"]`).
    pub fn at(&self, path: &[&str]) -> Option<&Json> {
        path.iter().try_fold(self, |value, key| value.get(key))
    }

    /// The string, if it is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(text) => Some(text),
            _ => None,
        }
    }

    /// The fields, if it is a mapping.
    pub fn as_object(&self) -> Option<&[(Key, Json)]> {
        match self {
            Json::Object(fields) => Some(fields),
            _ => None,
        }
    }

    /// Whether it is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Json::Null)
    }

    /// As a `serde_json::Value` (keys in order of the `Value`'s map, not the object's).
    pub fn to_value(&self) -> serde_json::Value {
        match self {
            Json::Null => serde_json::Value::Null,
            Json::Bool(flag) => serde_json::Value::Bool(*flag),
            Json::Number(number) => serde_json::Value::Number(number.clone()),
            Json::String(text) => serde_json::Value::String(text.clone()),
            Json::Array(items) => serde_json::Value::Array(items.iter().map(Json::to_value).collect()),
            Json::Object(fields) => serde_json::Value::Object(
                (fields.iter())
                    .map(|(key, value)| (key.to_string(), value.to_value()))
                    .collect(),
            ),
        }
    }

    /// Decodes it as `T` (a k8s-openapi type, a view).
    pub fn decode<T: de::DeserializeOwned>(&self) -> Result<T, DecodeError> {
        T::deserialize(self)
    }
}

impl fmt::Display for Json {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&serde_json::to_string(self).map_err(|_| fmt::Error)?)
    }
}

impl Serialize for Json {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Null => serializer.serialize_unit(),
            Json::Bool(flag) => serializer.serialize_bool(*flag),
            Json::Number(number) => number.serialize(serializer),
            Json::String(text) => serializer.serialize_str(text),
            Json::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Json::Object(fields) => {
                let mut map = serializer.serialize_map(Some(fields.len()))?;
                for (key, value) in fields {
                    map.serialize_entry(key.as_ref(), value)?;
                }
                map.end()
            }
        }
    }
}

impl<'de> de::Deserializer<'de> for &'de Json {
    type Error = DecodeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self {
            Json::Null => visitor.visit_unit(),
            Json::Bool(flag) => visitor.visit_bool(*flag),
            Json::Number(number) => {
                if let Some(unsigned) = number.as_u64() {
                    visitor.visit_u64(unsigned)
                } else if let Some(signed) = number.as_i64() {
                    visitor.visit_i64(signed)
                } else {
                    visitor.visit_f64(number.as_f64().unwrap_or_default())
                }
            }
            Json::String(text) => visitor.visit_borrowed_str(text),
            Json::Array(items) => visitor.visit_seq(SeqDeserializer::new(items.iter())),
            Json::Object(fields) => visitor.visit_map(MapDeserializer::new(
                (fields.iter()).map(|(key, value)| (BorrowedStrDeserializer::<DecodeError>::new(key), value)),
            )),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self {
            Json::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _: &'static str, visitor: V) -> Result<V::Value, DecodeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        match self {
            Json::String(variant) => visitor.visit_enum(BorrowedStrDeserializer::<DecodeError>::new(variant)),
            other => Err(de::Error::invalid_type(
                de::Unexpected::Other(&other.to_string()),
                &"a variant name",
            )),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit
        unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

impl<'de> IntoDeserializer<'de, DecodeError> for &'de Json {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::Json;

    #[test]
    fn fields_are_read_and_decoded_in_the_order_written() {
        let tree = Json::Object(vec![
            ("b".into(), Json::Array(vec![Json::Number(1.into()), Json::Null])),
            (
                "a".into(),
                Json::Object(vec![("c".into(), Json::String("d".to_owned()))]),
            ),
        ]);
        assert_eq!(serde_json::to_string(&tree).unwrap(), r#"{"b":[1,null],"a":{"c":"d"}}"#);
        assert_eq!(tree.at(&["a", "c"]).and_then(Json::as_str), Some("d"));
        let decoded: BTreeMap<String, serde_json::Value> = tree.decode().unwrap();
        assert_eq!(decoded["b"], serde_json::json!([1, null]));
        assert!(tree.decode::<Vec<u8>>().is_err());
    }
}
