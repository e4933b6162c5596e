//! Label keys, values and pairs.

use crate::rule::Rule;
use crate::validated::validated_string;
use std::fmt;

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
    ($value:literal) => {
        $crate::__validated_literal!(LabelKey, "label key", $value)
    };
}

/// A [`LabelValue`] from a string literal, checked at compile time.
///
/// ```compile_fail
/// let value = kumiki_core::label_value!("1.2.3+build"); // may contain only A-Z, a-z, 0-9, '-', '_' and '.'
/// ```
#[macro_export]
macro_rules! label_value {
    ($value:literal) => {
        $crate::__validated_literal!(LabelValue, "label value", $value)
    };
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
