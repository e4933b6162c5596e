//! An object as the release will hold it: serialized once, into a JSON tree that refuses a key
//! written twice in one mapping and leaves out fields set to `null` (absent, to the API
//! server). The rules read this tree and the YAML file is rendered from it, so what is checked
//! is exactly what is written, whatever the Rust type's own `Serialize` does.

use std::fmt;

use std::borrow::Cow;

use serde::ser::{self, Serialize};
use serde_json::Number;

use crate::tree::{Json as Value, Key};

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

/// `value` as the tree kumiki checks and renders (one call of its `Serialize`).
pub(crate) fn to_value<T: Serialize + ?Sized>(value: &T) -> Result<Value, JsonError> {
    value.serialize(ToValue)
}

/// Builds a JSON tree as `serde_json::to_value` does, but in the order written, with a key
/// written twice an error and `null` fields left out.
struct ToValue;

type Result<T, E = JsonError> = std::result::Result<T, E>;

impl ser::Serializer for ToValue {
    type Ok = Value;
    type Error = JsonError;
    type SerializeSeq = Items;
    type SerializeTuple = Items;
    type SerializeTupleStruct = Items;
    type SerializeTupleVariant = VariantItems;
    type SerializeMap = Fields;
    type SerializeStruct = Fields;
    type SerializeStructVariant = VariantFields;

    fn serialize_bool(self, value: bool) -> Result<Value> {
        Ok(Value::Bool(value))
    }

    fn serialize_i8(self, value: i8) -> Result<Value> {
        self.serialize_i64(value.into())
    }

    fn serialize_i16(self, value: i16) -> Result<Value> {
        self.serialize_i64(value.into())
    }

    fn serialize_i32(self, value: i32) -> Result<Value> {
        self.serialize_i64(value.into())
    }

    fn serialize_i64(self, value: i64) -> Result<Value> {
        Ok(Value::Number(value.into()))
    }

    fn serialize_i128(self, value: i128) -> Result<Value> {
        let number = (i64::try_from(value).map(Number::from)).or_else(|_| u64::try_from(value).map(Number::from));
        number
            .map(Value::Number)
            .map_err(|_| ser::Error::custom(format!("{value} is out of JSON's integer range")))
    }

    fn serialize_u8(self, value: u8) -> Result<Value> {
        self.serialize_u64(value.into())
    }

    fn serialize_u16(self, value: u16) -> Result<Value> {
        self.serialize_u64(value.into())
    }

    fn serialize_u32(self, value: u32) -> Result<Value> {
        self.serialize_u64(value.into())
    }

    fn serialize_u64(self, value: u64) -> Result<Value> {
        Ok(Value::Number(value.into()))
    }

    fn serialize_u128(self, value: u128) -> Result<Value> {
        u64::try_from(value)
            .map(|value| Value::Number(value.into()))
            .map_err(|_| ser::Error::custom(format!("{value} is out of JSON's integer range")))
    }

    fn serialize_f32(self, value: f32) -> Result<Value> {
        self.serialize_f64(value.into())
    }

    fn serialize_f64(self, value: f64) -> Result<Value> {
        Ok(Number::from_f64(value).map_or(Value::Null, Value::Number))
    }

    fn serialize_char(self, value: char) -> Result<Value> {
        Ok(Value::String(value.to_string()))
    }

    fn serialize_str(self, value: &str) -> Result<Value> {
        Ok(Value::String(value.to_owned()))
    }

    fn serialize_bytes(self, value: &[u8]) -> Result<Value> {
        Ok(Value::Array(
            value.iter().map(|byte| Value::Number((*byte).into())).collect(),
        ))
    }

    fn serialize_none(self) -> Result<Value> {
        Ok(Value::Null)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Value> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<Value> {
        Ok(Value::Null)
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<Value> {
        Ok(Value::Null)
    }

    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<Value> {
        Ok(Value::String(variant.to_owned()))
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Result<Value> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Value> {
        Ok(Value::Object(vec![(Cow::Borrowed(variant), value.serialize(ToValue)?)]))
    }

    fn serialize_seq(self, length: Option<usize>) -> Result<Items> {
        Ok(Items(Vec::with_capacity(length.unwrap_or_default())))
    }

    fn serialize_tuple(self, length: usize) -> Result<Items> {
        self.serialize_seq(Some(length))
    }

    fn serialize_tuple_struct(self, _: &'static str, length: usize) -> Result<Items> {
        self.serialize_seq(Some(length))
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        length: usize,
    ) -> Result<VariantItems> {
        Ok(VariantItems(variant, Items(Vec::with_capacity(length))))
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Fields> {
        Ok(Fields::default())
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Fields> {
        Ok(Fields::default())
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<VariantFields> {
        Ok(VariantFields(variant, Fields::default()))
    }
}

/// The items of a sequence, in order.
struct Items(Vec<Value>);

impl ser::SerializeSeq for Items {
    type Ok = Value;
    type Error = JsonError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.0.push(value.serialize(ToValue)?);
        Ok(())
    }

    fn end(self) -> Result<Value> {
        Ok(Value::Array(self.0))
    }
}

impl ser::SerializeTuple for Items {
    type Ok = Value;
    type Error = JsonError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        ser::SerializeSeq::serialize_element(self, value)
    }

    fn end(self) -> Result<Value> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for Items {
    type Ok = Value;
    type Error = JsonError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        ser::SerializeSeq::serialize_element(self, value)
    }

    fn end(self) -> Result<Value> {
        ser::SerializeSeq::end(self)
    }
}

/// The items of an enum's tuple variant: `{variant: [items]}`.
struct VariantItems(&'static str, Items);

impl ser::SerializeTupleVariant for VariantItems {
    type Ok = Value;
    type Error = JsonError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        ser::SerializeSeq::serialize_element(&mut self.1, value)
    }

    fn end(self) -> Result<Value> {
        Ok(Value::Object(vec![(
            Cow::Borrowed(self.0),
            ser::SerializeSeq::end(self.1)?,
        )]))
    }
}

/// The fields of a map or struct, in the order written; a key written twice is an error, a
/// `null` value left out.
#[derive(Default)]
struct Fields {
    fields: Vec<(Key, Value)>,
    key: Option<String>,
}

impl Fields {
    fn insert(&mut self, key: Key, value: Value) -> Result<()> {
        // A `null` field is checked for repetition with the others, then left out.
        self.fields.push((key, value));
        Ok(())
    }

    /// The mapping, once no key repeats.
    fn finish(mut self) -> Result<Value> {
        let repeated = if self.fields.len() <= 8 {
            (1..self.fields.len()).find_map(|later| {
                let key = &self.fields[later].0;
                self.fields[..later]
                    .iter()
                    .any(|(earlier, _)| earlier == key)
                    .then(|| key.to_string())
            })
        } else {
            let mut keys: Vec<&str> = self.fields.iter().map(|(key, _)| key.as_ref()).collect();
            keys.sort_unstable();
            keys.windows(2)
                .find(|pair| pair[0] == pair[1])
                .map(|pair| pair[0].to_owned())
        };
        if let Some(key) = repeated {
            return Err(JsonError::RepeatedKey(key));
        }
        self.fields.retain(|(_, value)| !value.is_null());
        Ok(Value::Object(self.fields))
    }
}

impl ser::SerializeMap for Fields {
    type Ok = Value;
    type Error = JsonError;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<()> {
        self.key = Some(map_key(key.serialize(ToValue)?)?);
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        let key = self
            .key
            .take()
            .ok_or_else(|| ser::Error::custom("a map value without its key"))?;
        self.insert(Cow::Owned(key), value.serialize(ToValue)?)
    }

    fn end(self) -> Result<Value> {
        self.finish()
    }
}

impl ser::SerializeStruct for Fields {
    type Ok = Value;
    type Error = JsonError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<()> {
        self.insert(Cow::Borrowed(key), value.serialize(ToValue)?)
    }

    fn end(self) -> Result<Value> {
        self.finish()
    }
}

/// The fields of an enum's struct variant: `{variant: {fields}}`.
struct VariantFields(&'static str, Fields);

impl ser::SerializeStructVariant for VariantFields {
    type Ok = Value;
    type Error = JsonError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<()> {
        self.1.insert(Cow::Borrowed(key), value.serialize(ToValue)?)
    }

    fn end(self) -> Result<Value> {
        Ok(Value::Object(vec![(Cow::Borrowed(self.0), self.1.finish()?)]))
    }
}

/// A map key as JSON writes it: a string, or a number or boolean written as one.
fn map_key(key: Value) -> Result<String> {
    match key {
        Value::String(key) => Ok(key),
        Value::Number(number) => Ok(number.to_string()),
        Value::Bool(flag) => Ok(flag.to_string()),
        other => Err(ser::Error::custom(format!("a map key must be a string, not {other}"))),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Serialize;

    use super::{JsonError, to_value};

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
            to_value(&fine).unwrap().to_value(),
            serde_json::json!({"kind": "a", "b": {"c": [1, null, 1.5]}})
        );
        let twice = Loose {
            kind: "a",
            more: [("kind".to_owned(), serde_json::json!("b"))].into(),
            absent: None,
        };
        assert!(matches!(to_value(&twice), Err(JsonError::RepeatedKey(key)) if key == "kind"));
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
            to_value(&shapes).unwrap().to_value(),
            serde_json::to_value(&shapes).unwrap()
        );
        let numbered: BTreeMap<u16, bool> = [(8080, true)].into();
        assert_eq!(
            to_value(&numbered).unwrap().to_value(),
            serde_json::json!({"8080": true})
        );
    }
}
