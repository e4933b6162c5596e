//! Label keys, values and pairs.

use std::borrow::Cow;
use std::fmt;

use crate::rule::{Rule, Violation};

macro_rules! validated_string {
    ($(#[$doc:meta])* $type:ident, $rule:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $type(Cow<'static, str>);

        impl $type {
            /// Used by the literal macros after the literal passed the check; not for direct use.
            #[doc(hidden)]
            pub const fn __from_checked_literal(value: &'static str) -> Self {
                $type(Cow::Borrowed(value))
            }

            /// The value as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $type {
            type Error = Violation;

            fn try_from(value: String) -> Result<Self, Self::Error> {
                $rule.validate(&value)?;
                Ok($type(Cow::Owned(value)))
            }
        }

        impl TryFrom<&str> for $type {
            type Error = Violation;

            fn try_from(value: &str) -> Result<Self, Self::Error> {
                $type::try_from(value.to_owned())
            }
        }

        impl fmt::Display for $type {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

validated_string!(
    /// A validated label key: `[prefix/]name`, the prefix a DNS subdomain of at most 253
    /// characters, the name 1..=63 characters of `A-Z a-z 0-9 - _ .` with a letter or digit
    /// at both ends. Literals: [`label_key!`](crate::label_key!).
    LabelKey,
    Rule::LabelKey
);

validated_string!(
    /// A validated label value: 0..=63 characters of `A-Z a-z 0-9 - _ .` with a letter or
    /// digit at both ends. Literals: [`label_value!`](crate::label_value!).
    LabelValue,
    Rule::LabelValue
);

/// A label: a validated key with a validated value.
///
/// ```
/// let label = kumiki_core::label!("app.kubernetes.io/part-of", "shop");
/// assert_eq!(label.to_string(), "app.kubernetes.io/part-of=shop");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Label {
    /// The key.
    pub key: LabelKey,
    /// The value.
    pub value: LabelValue,
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.key, self.value)
    }
}

/// A [`LabelKey`] from a string literal, checked at compile time.
///
/// ```compile_fail
/// let key = kumiki_core::label_key!("Acme.io/team"); // the prefix before '/' must be a DNS subdomain
/// ```
#[macro_export]
macro_rules! label_key {
    ($value:literal) => {{
        const __LABEL_KEY: $crate::LabelKey = match $crate::Rule::LabelKey.check($value) {
            Ok(()) => $crate::LabelKey::__from_checked_literal($value),
            Err(reason) => $crate::__reject!("label key", $value, reason),
        };
        __LABEL_KEY
    }};
}

/// A [`LabelValue`] from a string literal, checked at compile time.
///
/// ```compile_fail
/// let value = kumiki_core::label_value!("1.2.3+build"); // may contain only A-Z, a-z, 0-9, '-', '_' and '.'
/// ```
#[macro_export]
macro_rules! label_value {
    ($value:literal) => {{
        const __LABEL_VALUE: $crate::LabelValue = match $crate::Rule::LabelValue.check($value) {
            Ok(()) => $crate::LabelValue::__from_checked_literal($value),
            Err(reason) => $crate::__reject!("label value", $value, reason),
        };
        __LABEL_VALUE
    }};
}

/// A [`Label`] from a key literal and a value literal, both checked at compile time.
#[macro_export]
macro_rules! label {
    ($key:literal, $value:literal) => {
        $crate::Label {
            key: $crate::label_key!($key),
            value: $crate::label_value!($value),
        }
    };
}
