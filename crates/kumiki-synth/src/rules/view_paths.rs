//! Every field path a view reads, with the JSON type it expects there, found by running each
//! view's `Deserialize` against a tracer (feature `test-hooks`): a test holds them to the
//! vendored CRDs, so a view cannot drift from the schema it mirrors.

use std::cell::RefCell;
use std::fmt;

use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

use super::views;

/// The fields one view reads of a kind's `spec`.
#[derive(Debug)]
pub struct ViewPaths {
    /// The kind's API group.
    pub group: &'static str,
    /// The kind.
    pub kind: &'static str,
    /// Each field read, as a path below `spec` (`.http[].route[].destination.host`; `.*` for
    /// the values of a map), with the JSON type the view expects there: `object`, `array`,
    /// `string`, `integer`, `boolean`, or `any` (kept as raw JSON).
    pub fields: Vec<(String, &'static str)>,
}

/// The paths of every view of the rules.
pub fn view_paths() -> Vec<ViewPaths> {
    vec![
        trace::<views::GatewaySpec>(views::ISTIO_NETWORKING, "Gateway"),
        trace::<views::ServiceEntrySpec>(views::ISTIO_NETWORKING, "ServiceEntry"),
        trace::<views::DestinationRuleSpec>(views::ISTIO_NETWORKING, "DestinationRule"),
        trace::<views::VirtualServiceSpec>(views::ISTIO_NETWORKING, "VirtualService"),
        trace::<views::AuthorizationPolicySpec>(views::ISTIO_SECURITY, "AuthorizationPolicy"),
        trace::<views::NodePoolSpec>(views::KARPENTER, "NodePool"),
        trace::<views::PodMonitorSpec>(views::PROMETHEUS_OPERATOR, "PodMonitor"),
        trace::<views::ServiceMonitorSpec>(views::PROMETHEUS_OPERATOR, "ServiceMonitor"),
        trace::<views::ApplicationSpec>(views::ARGO_CD, "Application"),
        trace::<views::AppProjectSpec>(views::ARGO_CD, "AppProject"),
        trace::<views::ExternalSecretSpec>(views::EXTERNAL_SECRETS, "ExternalSecret"),
    ]
}

fn trace<T: for<'de> Deserialize<'de>>(group: &'static str, kind: &'static str) -> ViewPaths {
    let fields = RefCell::new(Vec::new());
    let tracer = Tracer {
        path: String::new(),
        fields: &fields,
    };
    if let Err(error) = T::deserialize(tracer) {
        panic!("the view of {kind} cannot be traced: {error}");
    }
    ViewPaths {
        group,
        kind,
        fields: fields.into_inner(),
    }
}

/// A deserializer that records the path and expected type of every field it is asked for,
/// answering with an empty value of that type.
struct Tracer<'r> {
    path: String,
    fields: &'r RefCell<Vec<(String, &'static str)>>,
}

#[derive(Debug)]
struct Untraceable(String);

impl fmt::Display for Untraceable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Untraceable {}

impl de::Error for Untraceable {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Untraceable(message.to_string())
    }
}

impl<'r> Tracer<'r> {
    fn record(&self, kind: &'static str) {
        if !self.path.is_empty() {
            self.fields.borrow_mut().push((self.path.clone(), kind));
        }
    }

    fn below(&self, segment: &str) -> Tracer<'r> {
        Tracer {
            path: format!("{}{segment}", self.path),
            fields: self.fields,
        }
    }
}

impl<'de> Deserializer<'de> for Tracer<'_> {
    type Error = Untraceable;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Untraceable> {
        self.record("any");
        visitor.visit_unit()
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Untraceable> {
        self.record("boolean");
        visitor.visit_bool(false)
    }

    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Untraceable> {
        self.record("integer");
        visitor.visit_i64(0)
    }

    fn deserialize_i32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Untraceable> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Untraceable> {
        self.record("string");
        visitor.visit_string(String::new())
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Untraceable> {
        self.deserialize_string(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Untraceable> {
        visitor.visit_some(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Untraceable> {
        self.record("array");
        visitor.visit_seq(One {
            tracer: Some(self.below("[]")),
        })
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Untraceable> {
        self.record("object");
        visitor.visit_map(Entries {
            keys: &["*"],
            map: true,
            tracer: self,
        })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Untraceable> {
        self.record("object");
        visitor.visit_map(Entries {
            keys: fields,
            map: false,
            tracer: self,
        })
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _: &'static str, visitor: V) -> Result<V::Value, Untraceable> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Untraceable> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        i8 i16 i128 u8 u16 u32 u64 u128 f32 f64 char bytes byte_buf unit unit_struct tuple
        tuple_struct enum identifier
    }
}

/// A sequence of one traced element.
struct One<'r> {
    tracer: Option<Tracer<'r>>,
}

impl<'de> SeqAccess<'de> for One<'_> {
    type Error = Untraceable;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Untraceable> {
        self.tracer.take().map(|tracer| seed.deserialize(tracer)).transpose()
    }
}

/// The fields of a struct (or one entry `*` of a map), each traced below the parent's path.
struct Entries<'r> {
    keys: &'static [&'static str],
    map: bool,
    tracer: Tracer<'r>,
}

impl<'de> MapAccess<'de> for Entries<'_> {
    type Error = Untraceable;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Untraceable> {
        let Some(key) = self.keys.first() else {
            return Ok(None);
        };
        seed.deserialize(key.into_deserializer()).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Untraceable> {
        let (key, rest) = self.keys.split_first().expect("a value follows its key");
        self.keys = rest;
        let segment = if self.map { ".*".to_owned() } else { format!(".{key}") };
        seed.deserialize(self.tracer.below(&segment))
    }
}
