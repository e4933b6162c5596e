//! The JSON of a rendered object: what the rules read and the YAML file is written from.
//!
//! One object's JSON is a [`Document`]: its values in document order in one vector and its
//! text (keys, strings, numbers as written) in one string, fields in the order the object
//! wrote them (so the file's bytes are what the object's own serialization lays out). A
//! release is a great many small fields; laid out flat, an object costs two allocations
//! rather than one per field, and is freed as quickly. [`Json`] reads a value of it.

use std::fmt;
use std::str::FromStr;

use serde::de::value::{BorrowedStrDeserializer, Error as DecodeError, MapDeserializer, SeqDeserializer};
use serde::de::{self, IntoDeserializer, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::Number;

/// A run of a document's text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Span {
    pub(crate) start: u32,
    pub(crate) len: u32,
}

impl Span {
    /// The key of a value that has none (an item of a sequence, the document itself).
    pub(crate) const NONE: Span = Span {
        start: u32::MAX,
        len: 0,
    };
}

/// What a value is; a number keeps the text JSON writes it as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shape {
    Null,
    Bool(bool),
    Number(Span),
    String(Span),
    Array,
    Object,
}

/// One value of a document: its key in its mapping, what it is, and where the values inside
/// it end (the position after its last descendant).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Node {
    pub(crate) key: Span,
    pub(crate) shape: Shape,
    pub(crate) end: u32,
}

/// One object's JSON, as the release holds it.
#[derive(Clone, Debug, Default)]
pub struct Document {
    pub(crate) nodes: Box<[Node]>,
    pub(crate) text: Box<str>,
}

impl Document {
    /// The whole value (an empty document reads as `null`).
    pub fn root(&self) -> Json<'_> {
        Json { document: self, at: 0 }
    }

    fn text(&self, span: Span) -> &str {
        let start = span.start as usize;
        &self.text[start..start + span.len as usize]
    }
}

/// A value of a [`Document`], as an object of the release writes it.
#[derive(Clone, Copy)]
pub struct Json<'a> {
    document: &'a Document,
    at: u32,
}

/// The fields of a mapping, in the order written.
pub struct Fields<'a> {
    children: Children<'a>,
}

/// The items of a sequence, in order.
pub struct Items<'a> {
    children: Children<'a>,
}

#[derive(Clone)]
struct Children<'a> {
    document: &'a Document,
    next: u32,
    end: u32,
}

impl<'a> Iterator for Children<'a> {
    type Item = Json<'a>;

    fn next(&mut self) -> Option<Json<'a>> {
        (self.next < self.end).then(|| {
            let child = Json {
                document: self.document,
                at: self.next,
            };
            self.next = self.document.nodes[self.next as usize].end;
            child
        })
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = (&'a str, Json<'a>);

    fn next(&mut self) -> Option<(&'a str, Json<'a>)> {
        self.children.next().map(|value| (value.key(), value))
    }
}

impl<'a> Iterator for Items<'a> {
    type Item = Json<'a>;

    fn next(&mut self) -> Option<Json<'a>> {
        self.children.next()
    }
}

impl<'a> Json<'a> {
    fn node(&self) -> Option<&'a Node> {
        self.document.nodes.get(self.at as usize)
    }

    fn shape(&self) -> Shape {
        self.node().map_or(Shape::Null, |node| node.shape)
    }

    fn key(&self) -> &'a str {
        self.node().map_or("", |node| self.document.text(node.key))
    }

    fn children(&self) -> Children<'a> {
        Children {
            document: self.document,
            next: self.at + 1,
            end: self.node().map_or(0, |node| node.end),
        }
    }

    /// The field `key` of a mapping.
    pub fn get(&self, key: &str) -> Option<Json<'a>> {
        self.as_object()?.find(|(name, _)| *name == key).map(|(_, value)| value)
    }

    /// The value below `path`, a field name per level (`["metadata", "labels"]`).
    pub fn at(&self, path: &[&str]) -> Option<Json<'a>> {
        path.iter().try_fold(*self, |value, key| value.get(key))
    }

    /// The string, if it is one.
    pub fn as_str(&self) -> Option<&'a str> {
        match self.shape() {
            Shape::String(text) => Some(self.document.text(text)),
            _ => None,
        }
    }

    /// The boolean, if it is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self.shape() {
            Shape::Bool(flag) => Some(flag),
            _ => None,
        }
    }

    /// The number, if it is one.
    pub fn as_number(&self) -> Option<Number> {
        match self.shape() {
            Shape::Number(text) => Number::from_str(self.document.text(text)).ok(),
            _ => None,
        }
    }

    /// The fields, if it is a mapping.
    pub fn as_object(&self) -> Option<Fields<'a>> {
        (self.shape() == Shape::Object).then(|| Fields {
            children: self.children(),
        })
    }

    /// The items, if it is a sequence.
    pub fn as_array(&self) -> Option<Items<'a>> {
        (self.shape() == Shape::Array).then(|| Items {
            children: self.children(),
        })
    }

    /// Whether it is `null`.
    pub fn is_null(&self) -> bool {
        self.shape() == Shape::Null
    }

    /// As a `serde_json::Value` (keys in order of the `Value`'s map, not the object's).
    pub fn to_value(&self) -> serde_json::Value {
        match self.shape() {
            Shape::Null => serde_json::Value::Null,
            Shape::Bool(flag) => serde_json::Value::Bool(flag),
            Shape::Number(_) => self
                .as_number()
                .map_or(serde_json::Value::Null, serde_json::Value::Number),
            Shape::String(text) => serde_json::Value::String(self.document.text(text).to_owned()),
            Shape::Array => serde_json::Value::Array(self.children().map(|item| item.to_value()).collect()),
            Shape::Object => serde_json::Value::Object(
                (self.children())
                    .map(|value| (value.key().to_owned(), value.to_value()))
                    .collect(),
            ),
        }
    }

    /// Decodes it as `T` (a k8s-openapi type, a view).
    pub fn decode<T: de::DeserializeOwned>(&self) -> Result<T, DecodeError> {
        T::deserialize(*self)
    }
}

impl fmt::Debug for Json<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

impl fmt::Display for Json<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&serde_json::to_string(self).map_err(|_| fmt::Error)?)
    }
}

impl Serialize for Json<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.shape() {
            Shape::Null => serializer.serialize_unit(),
            Shape::Bool(flag) => serializer.serialize_bool(flag),
            Shape::Number(_) => self.as_number().serialize(serializer),
            Shape::String(text) => serializer.serialize_str(self.document.text(text)),
            Shape::Array => {
                let items = self.children();
                let mut seq = serializer.serialize_seq(Some(items.clone().count()))?;
                for item in items {
                    seq.serialize_element(&item)?;
                }
                seq.end()
            }
            Shape::Object => {
                let fields = self.children();
                let mut map = serializer.serialize_map(Some(fields.clone().count()))?;
                for value in fields {
                    map.serialize_entry(value.key(), &value)?;
                }
                map.end()
            }
        }
    }
}

impl<'de> de::Deserializer<'de> for Json<'de> {
    type Error = DecodeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self.shape() {
            Shape::Null => visitor.visit_unit(),
            Shape::Bool(flag) => visitor.visit_bool(flag),
            Shape::Number(_) => match self.as_number() {
                Some(number) if number.is_u64() => visitor.visit_u64(number.as_u64().unwrap_or_default()),
                Some(number) if number.is_i64() => visitor.visit_i64(number.as_i64().unwrap_or_default()),
                Some(number) => visitor.visit_f64(number.as_f64().unwrap_or_default()),
                None => visitor.visit_unit(),
            },
            Shape::String(text) => visitor.visit_borrowed_str(self.document.text(text)),
            Shape::Array => visitor.visit_seq(SeqDeserializer::new(self.children())),
            Shape::Object => visitor.visit_map(MapDeserializer::new(
                (self.children()).map(|value| (BorrowedStrDeserializer::<DecodeError>::new(value.key()), value)),
            )),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self.shape() {
            Shape::Null => visitor.visit_none(),
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
        match self.as_str() {
            Some(variant) => visitor.visit_enum(BorrowedStrDeserializer::<DecodeError>::new(variant)),
            None => Err(de::Error::invalid_type(
                de::Unexpected::Other(&self.to_string()),
                &"a variant name",
            )),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit
        unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

impl<'de> IntoDeserializer<'de, DecodeError> for Json<'de> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}
