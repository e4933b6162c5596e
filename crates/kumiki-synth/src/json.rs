//! An object as the release will hold it: serialized once, into a JSON document that refuses
//! a key written twice in one mapping and leaves out fields set to `null` (absent, to the API
//! server). The rules read this document and the YAML file is rendered from it, so what is
//! checked is exactly what is written, whatever the Rust type's own `Serialize` does.

use std::cell::RefCell;
use std::fmt::{self, Write as _};

use serde::ser::{self, Serialize};

use crate::tree::{Document, Node, Shape, Span};

/// Why an object could not be serialized (synth reports it under `object.render` or
/// `object.repeated-key`).
#[derive(Debug)]
pub enum JsonError {
    /// Its `Serialize` failed.
    Serialize(String),
    /// It writes a key twice in one mapping.
    RepeatedKey(String),
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JsonError::Serialize(cause) => f.write_str(cause),
            JsonError::RepeatedKey(key) => write!(f, "repeated key `{key}`"),
        }
    }
}

impl std::error::Error for JsonError {}

impl ser::Error for JsonError {
    fn custom<T: fmt::Display>(message: T) -> Self {
        JsonError::Serialize(message.to_string())
    }
}

/// `value` as the document kumiki checks and renders (one call of its `Serialize`).
pub(crate) fn to_document<T: Serialize + ?Sized>(value: &T) -> Result<Document, JsonError> {
    // Written into this thread's buffers, then copied once at its size: a document is
    // neither grown value by value nor larger than it needs to be.
    thread_local! {
        static SCRATCH: RefCell<Builder> = RefCell::default();
    }
    SCRATCH.with_borrow_mut(|builder| {
        builder.nodes.clear();
        builder.text.clear();
        value.serialize(&mut *builder)?;
        Ok(Document {
            nodes: builder.nodes.as_slice().into(),
            text: builder.text.as_str().into(),
        })
    })
}

type Result<T, E = JsonError> = std::result::Result<T, E>;

/// Writes a [`Document`] as `serde_json::to_value` would build a tree, but in the order
/// written, with a key written twice an error and `null` fields left out. Each value is
/// appended where it starts; a mapping or sequence learns where it ends when it is closed.
#[derive(Default)]
struct Builder {
    nodes: Vec<Node>,
    text: String,
}

impl Builder {
    fn position(&self) -> Result<u32> {
        u32::try_from(self.nodes.len()).map_err(|_| ser::Error::custom("too many values for one object"))
    }

    fn span(&mut self, text: &str) -> Result<Span> {
        let start = self.text.len();
        self.text.push_str(text);
        self.span_from(start)
    }

    fn span_of(&mut self, text: impl fmt::Display) -> Result<Span> {
        let start = self.text.len();
        write!(self.text, "{text}").map_err(|_| ser::Error::custom("cannot write text"))?;
        self.span_from(start)
    }

    fn span_from(&self, start: usize) -> Result<Span> {
        let (Ok(start), Ok(len)) = (u32::try_from(start), u32::try_from(self.text.len() - start)) else {
            return Err(ser::Error::custom("too much text for one object"));
        };
        Ok(Span { start, len })
    }

    fn push(&mut self, shape: Shape) -> Result<()> {
        let end = self.position()? + 1;
        self.nodes.push(Node {
            key: Span::NONE,
            shape,
            end,
        });
        Ok(())
    }

    fn push_text(&mut self, text: impl fmt::Display, shape: fn(Span) -> Shape) -> Result<()> {
        let span = self.span_of(text)?;
        self.push(shape(span))
    }

    /// Opens a mapping or sequence here; `variant`: inside `{variant: …}`, opened too.
    fn open(&mut self, shape: Shape, variant: Option<&'static str>) -> Result<Open<'_>> {
        let outer = match variant {
            Some(variant) => {
                let outer = self.position()?;
                self.push(Shape::Object)?;
                let key = self.span(variant)?;
                self.nodes.push(Node {
                    key,
                    shape,
                    end: outer + 2,
                });
                Some(outer)
            }
            None => {
                self.push(shape)?;
                None
            }
        };
        Ok(Open {
            at: self.position()? - 1,
            builder: self,
            outer,
            key: None,
            null_keys: Vec::new(),
        })
    }
}

/// A mapping or sequence being written.
struct Open<'b> {
    builder: &'b mut Builder,
    /// Its position.
    at: u32,
    /// The position of the `{variant: …}` mapping around it, for an enum's variant.
    outer: Option<u32>,
    /// The key of the map value to come.
    key: Option<Span>,
    /// The keys of the fields left out as `null`, still checked for repetition.
    null_keys: Vec<Span>,
}

impl Open<'_> {
    fn item<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        value.serialize(&mut *self.builder)
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: Span, value: &T) -> Result<()> {
        let at = self.builder.nodes.len();
        value.serialize(&mut *self.builder)?;
        if self.builder.nodes[at].shape == Shape::Null {
            self.builder.nodes.truncate(at);
            self.null_keys.push(key);
        } else {
            self.builder.nodes[at].key = key;
        }
        Ok(())
    }

    fn close(self) -> Result<()> {
        let end = self.builder.position()?;
        self.builder.nodes[self.at as usize].end = end;
        if let Some(outer) = self.outer {
            self.builder.nodes[outer as usize].end = end;
        }
        if self.builder.nodes[self.at as usize].shape == Shape::Object {
            self.refuse_repeated_keys()?;
        }
        Ok(())
    }

    fn refuse_repeated_keys(&self) -> Result<()> {
        let text = &self.builder.text;
        let key_text = |span: Span| &text[span.start as usize..(span.start + span.len) as usize];
        let mut keys: Vec<&str> = Vec::new();
        let mut child = self.at as usize + 1;
        let end = self.builder.nodes[self.at as usize].end as usize;
        while child < end {
            keys.push(key_text(self.builder.nodes[child].key));
            child = self.builder.nodes[child].end as usize;
        }
        keys.extend(self.null_keys.iter().map(|key| key_text(*key)));
        let repeated = if keys.len() <= 8 {
            (1..keys.len()).find_map(|later| keys[..later].contains(&keys[later]).then_some(keys[later]))
        } else {
            keys.sort_unstable();
            keys.windows(2).find(|pair| pair[0] == pair[1]).map(|pair| pair[0])
        };
        match repeated {
            Some(key) => Err(JsonError::RepeatedKey(key.to_owned())),
            None => Ok(()),
        }
    }
}

impl<'b> ser::Serializer for &'b mut Builder {
    type Ok = ();
    type Error = JsonError;
    type SerializeSeq = Open<'b>;
    type SerializeTuple = Open<'b>;
    type SerializeTupleStruct = Open<'b>;
    type SerializeTupleVariant = Open<'b>;
    type SerializeMap = Open<'b>;
    type SerializeStruct = Open<'b>;
    type SerializeStructVariant = Open<'b>;

    fn serialize_bool(self, value: bool) -> Result<()> {
        self.push(Shape::Bool(value))
    }

    fn serialize_i8(self, value: i8) -> Result<()> {
        self.serialize_i64(value.into())
    }

    fn serialize_i16(self, value: i16) -> Result<()> {
        self.serialize_i64(value.into())
    }

    fn serialize_i32(self, value: i32) -> Result<()> {
        self.serialize_i64(value.into())
    }

    fn serialize_i64(self, value: i64) -> Result<()> {
        self.push_text(value, Shape::Number)
    }

    fn serialize_i128(self, value: i128) -> Result<()> {
        if i64::try_from(value).is_err() && u64::try_from(value).is_err() {
            return Err(ser::Error::custom(format!("{value} is out of JSON's integer range")));
        }
        self.push_text(value, Shape::Number)
    }

    fn serialize_u8(self, value: u8) -> Result<()> {
        self.serialize_u64(value.into())
    }

    fn serialize_u16(self, value: u16) -> Result<()> {
        self.serialize_u64(value.into())
    }

    fn serialize_u32(self, value: u32) -> Result<()> {
        self.serialize_u64(value.into())
    }

    fn serialize_u64(self, value: u64) -> Result<()> {
        self.push_text(value, Shape::Number)
    }

    fn serialize_u128(self, value: u128) -> Result<()> {
        if u64::try_from(value).is_err() {
            return Err(ser::Error::custom(format!("{value} is out of JSON's integer range")));
        }
        self.push_text(value, Shape::Number)
    }

    fn serialize_f32(self, value: f32) -> Result<()> {
        self.serialize_f64(value.into())
    }

    fn serialize_f64(self, value: f64) -> Result<()> {
        // As serde_json: a number JSON cannot write (NaN, infinity) is `null`.
        match serde_json::Number::from_f64(value) {
            Some(number) => self.push_text(number, Shape::Number),
            None => self.push(Shape::Null),
        }
    }

    fn serialize_char(self, value: char) -> Result<()> {
        self.push_text(value, Shape::String)
    }

    fn serialize_str(self, value: &str) -> Result<()> {
        let span = self.span(value)?;
        self.push(Shape::String(span))
    }

    fn serialize_bytes(self, value: &[u8]) -> Result<()> {
        let mut items = self.open(Shape::Array, None)?;
        for byte in value {
            items.item(byte)?;
        }
        items.close()
    }

    fn serialize_none(self) -> Result<()> {
        self.push(Shape::Null)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<()> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<()> {
        self.push(Shape::Null)
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<()> {
        self.push(Shape::Null)
    }

    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<()> {
        self.push_text(variant, Shape::String)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Result<()> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<()> {
        // `{variant: value}`, as serde_json writes it even when the value is `null`.
        let fields = self.open(Shape::Object, None)?;
        let key = fields.builder.span(variant)?;
        let at = fields.builder.nodes.len();
        value.serialize(&mut *fields.builder)?;
        fields.builder.nodes[at].key = key;
        fields.close()
    }

    fn serialize_seq(self, length: Option<usize>) -> Result<Open<'b>> {
        self.nodes.reserve(length.unwrap_or_default() + 1);
        self.open(Shape::Array, None)
    }

    fn serialize_tuple(self, length: usize) -> Result<Open<'b>> {
        self.serialize_seq(Some(length))
    }

    fn serialize_tuple_struct(self, _: &'static str, length: usize) -> Result<Open<'b>> {
        self.serialize_seq(Some(length))
    }

    fn serialize_tuple_variant(self, _: &'static str, _: u32, variant: &'static str, _: usize) -> Result<Open<'b>> {
        self.open(Shape::Array, Some(variant))
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Open<'b>> {
        self.open(Shape::Object, None)
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Open<'b>> {
        self.open(Shape::Object, None)
    }

    fn serialize_struct_variant(self, _: &'static str, _: u32, variant: &'static str, _: usize) -> Result<Open<'b>> {
        self.open(Shape::Object, Some(variant))
    }
}

impl ser::SerializeSeq for Open<'_> {
    type Ok = ();
    type Error = JsonError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.item(value)
    }

    fn end(self) -> Result<()> {
        self.close()
    }
}

impl ser::SerializeTuple for Open<'_> {
    type Ok = ();
    type Error = JsonError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.item(value)
    }

    fn end(self) -> Result<()> {
        self.close()
    }
}

impl ser::SerializeTupleStruct for Open<'_> {
    type Ok = ();
    type Error = JsonError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.item(value)
    }

    fn end(self) -> Result<()> {
        self.close()
    }
}

impl ser::SerializeTupleVariant for Open<'_> {
    type Ok = ();
    type Error = JsonError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.item(value)
    }

    fn end(self) -> Result<()> {
        self.close()
    }
}

impl ser::SerializeMap for Open<'_> {
    type Ok = ();
    type Error = JsonError;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<()> {
        self.key = Some(map_key(self.builder, key)?);
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        let key = self
            .key
            .take()
            .ok_or_else(|| ser::Error::custom("a map value without its key"))?;
        self.field(key, value)
    }

    fn end(self) -> Result<()> {
        self.close()
    }
}

impl ser::SerializeStruct for Open<'_> {
    type Ok = ();
    type Error = JsonError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<()> {
        let key = self.builder.span(key)?;
        self.field(key, value)
    }

    fn end(self) -> Result<()> {
        self.close()
    }
}

impl ser::SerializeStructVariant for Open<'_> {
    type Ok = ();
    type Error = JsonError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<()> {
        let key = self.builder.span(key)?;
        self.field(key, value)
    }

    fn end(self) -> Result<()> {
        self.close()
    }
}

/// A map key as JSON writes it: a string, or a number or boolean written as one.
fn map_key<T: Serialize + ?Sized>(builder: &mut Builder, key: &T) -> Result<Span> {
    let at = builder.nodes.len();
    key.serialize(&mut *builder)?;
    let node = builder.nodes.pop().filter(|_| builder.nodes.len() == at);
    match node.map(|node| node.shape) {
        Some(Shape::String(text) | Shape::Number(text)) => Ok(text),
        Some(Shape::Bool(flag)) => builder.span_of(flag),
        _ => {
            builder.nodes.truncate(at);
            Err(ser::Error::custom("a map key must be a string, a number or a boolean"))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Serialize;

    use serde_json::json;

    use super::{JsonError, to_document};
    use crate::tree::Document;

    #[derive(Serialize)]
    struct Loose {
        kind: &'static str,
        #[serde(flatten)]
        more: BTreeMap<String, serde_json::Value>,
        absent: Option<u8>,
    }

    #[test]
    fn a_key_written_twice_is_refused_and_named_and_nulls_are_left_out() {
        let fine = Loose {
            kind: "a",
            more: [("b".to_owned(), serde_json::json!({"c": [1, null, 1.5], "d": null}))].into(),
            absent: None,
        };
        assert_eq!(
            to_document(&fine).unwrap().root().to_value(),
            serde_json::json!({"kind": "a", "b": {"c": [1, null, 1.5]}})
        );
        let twice = Loose {
            kind: "a",
            more: [("kind".to_owned(), serde_json::json!("b"))].into(),
            absent: None,
        };
        assert!(matches!(to_document(&twice), Err(JsonError::RepeatedKey(key)) if key == "kind"));
    }

    #[test]
    fn enums_and_keys_are_written_as_serde_json_writes_them() {
        #[derive(Serialize)]
        enum Shape {
            Unit,
            Newtype(u8),
            Tuple(u8, u8),
            Struct { side: u8 },
        }
        let shapes = (
            Shape::Unit,
            Shape::Newtype(1),
            Shape::Tuple(1, 2),
            Shape::Struct { side: 3 },
        );
        assert_eq!(
            to_document(&shapes).unwrap().root().to_value(),
            serde_json::to_value(&shapes).unwrap()
        );
        let numbered: BTreeMap<u16, bool> = [(8080, true)].into();
        assert_eq!(
            to_document(&numbered).unwrap().root().to_value(),
            serde_json::json!({"8080": true})
        );
    }

    #[test]
    fn fields_are_read_and_decoded_in_the_order_written() {
        #[derive(serde::Serialize)]
        struct Written {
            b: serde_json::Value,
            a: serde_json::Value,
        }
        let written = Written {
            b: json!([1, null, -2, 1.5, true]),
            a: json!({"c": "d"}),
        };
        let document = to_document(&written).unwrap();
        let tree = document.root();
        assert_eq!(
            serde_json::to_string(&tree).unwrap(),
            r#"{"b":[1,null,-2,1.5,true],"a":{"c":"d"}}"#
        );
        assert_eq!(tree.at(&["a", "c"]).and_then(|value| value.as_str()), Some("d"));
        assert_eq!(
            tree.as_object().unwrap().map(|(key, _)| key).collect::<Vec<_>>(),
            ["b", "a"]
        );
        let decoded: BTreeMap<String, serde_json::Value> = tree.decode().unwrap();
        assert_eq!(decoded["b"], json!([1, null, -2, 1.5, true]));
        assert!(tree.decode::<Vec<u8>>().is_err());
        assert_eq!(tree.to_value(), json!({"a": {"c": "d"}, "b": [1, null, -2, 1.5, true]}));
    }

    #[test]
    fn a_value_with_nothing_inside_ends_where_it_starts() {
        let document = to_document(&json!({"a": {}, "b": [], "c": [{}, []], "d": "e"})).unwrap();
        let tree = document.root();
        assert_eq!(tree.get("a").unwrap().as_object().unwrap().count(), 0);
        assert_eq!(tree.get("c").unwrap().as_array().unwrap().count(), 2);
        assert_eq!(tree.get("d").and_then(|value| value.as_str()), Some("e"));
        assert!(Document::default().root().is_null());
    }
}
