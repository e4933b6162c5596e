//! Custom resource types kumiki emits, written by hand (no code generator, no kube client):
//! the fields the constructs use are typed, and every typed struct carries an `extra` map,
//! flattened into it, through which any other field of the CRD schema can be set. Each
//! type implements k8s-openapi's `Resource` and `Metadata`, so it goes into an `App` like a
//! built-in object.

use std::fmt;

use serde::{Serialize, Serializer};

pub mod argocd;
pub mod external_secrets;
pub mod istio;

/// Fields of a custom resource kumiki does not type: set any field the CRD schema allows.
/// Serialized after the typed fields, in key order (deterministic).
pub type Extra = std::collections::BTreeMap<String, serde_json::Value>;

/// Declares a custom resource type: `metadata` + `spec`, `Resource`, `Metadata`, and a
/// `Serialize` that writes `apiVersion` and `kind` first.
macro_rules! custom_resource {
    (
        $(#[$doc:meta])*
        $name:ident($spec:ty): group = $group:literal, version = $version:literal, plural = $plural:literal,
        scope = $scope:ty
    ) => {
        $(#[$doc])*
        #[derive(Clone, Debug, Default, PartialEq)]
        pub struct $name {
            /// Standard object metadata.
            pub metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
            /// The desired state.
            pub spec: $spec,
        }

        impl k8s_openapi::Resource for $name {
            const API_VERSION: &'static str = concat!($group, "/", $version);
            const GROUP: &'static str = $group;
            const KIND: &'static str = stringify!($name);
            const VERSION: &'static str = $version;
            const URL_PATH_SEGMENT: &'static str = $plural;
            type Scope = $scope;
        }

        impl k8s_openapi::Metadata for $name {
            type Ty = k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

            fn metadata(&self) -> &Self::Ty {
                &self.metadata
            }

            fn metadata_mut(&mut self) -> &mut Self::Ty {
                &mut self.metadata
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeStruct;
                let mut state = serializer.serialize_struct(stringify!($name), 4)?;
                state.serialize_field("apiVersion", <Self as k8s_openapi::Resource>::API_VERSION)?;
                state.serialize_field("kind", <Self as k8s_openapi::Resource>::KIND)?;
                state.serialize_field("metadata", &self.metadata)?;
                state.serialize_field("spec", &self.spec)?;
                state.end()
            }
        }
    };
}
pub(crate) use custom_resource;

/// A duration, written in Go's syntax (`250ms`, `5s`) as Istio and Argo CD expect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration {
    millis: u64,
}

impl Duration {
    /// `millis` milliseconds; Istio rejects durations under 1 ms, so 0 is not one.
    pub const fn millis(millis: std::num::NonZeroU64) -> Duration {
        Duration { millis: millis.get() }
    }

    /// `seconds` seconds.
    pub const fn seconds(seconds: std::num::NonZeroU32) -> Duration {
        Duration {
            millis: seconds.get() as u64 * 1000,
        }
    }

    /// The length in milliseconds.
    pub const fn as_millis(self) -> u64 {
        self.millis
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.millis.is_multiple_of(1000) {
            write!(f, "{}s", self.millis / 1000)
        } else {
            write!(f, "{}ms", self.millis)
        }
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A duration literal checked at compile time: `duration!(250 ms)`, `duration!(5 s)`.
#[macro_export]
macro_rules! duration {
    ($value:literal ms) => {{
        const __VALUE: $crate::Duration = $crate::Duration::millis(match ::std::num::NonZeroU64::new($value) {
            Some(value) => value,
            None => panic!("a duration must be at least 1ms"),
        });
        __VALUE
    }};
    ($value:literal s) => {{
        const __VALUE: $crate::Duration = $crate::Duration::seconds(match ::std::num::NonZeroU32::new($value) {
            Some(value) => value,
            None => panic!("a duration must be at least 1ms"),
        });
        __VALUE
    }};
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations_use_go_syntax() {
        assert_eq!(duration!(250 ms).to_string(), "250ms");
        assert_eq!(duration!(2000 ms).to_string(), "2s");
        assert_eq!(duration!(30 s).to_string(), "30s");
    }
}
