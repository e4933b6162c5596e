//! Object names.

use std::borrow::Cow;
use std::fmt;

use crate::rule::{Rule, Violation};

/// A validated object name: an RFC 1035 label (1..=63 characters of `a-z 0-9 -`, starting
/// with a letter, ending with a letter or digit). That rule is the strictest Kubernetes
/// applies to names (Services use it), so a `Name` is valid for every kind and as a namespace.
///
/// Make one from a literal with [`name!`](crate::name!) (checked at compile time) or from a
/// computed string with `Name::try_from` (checked at run time).
///
/// ```
/// use kumiki_core::{name, Name};
/// let literal = name!("account");
/// let computed = Name::try_from(format!("{literal}-db")).unwrap();
/// assert_eq!(computed.as_str(), "account-db");
/// assert!(Name::try_from("Account").is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Name(Cow<'static, str>);

impl Name {
    /// Used by [`name!`](crate::name!) after the literal passed the check; not for direct use.
    #[doc(hidden)]
    pub const fn __from_checked_literal(value: &'static str) -> Self {
        Name(Cow::Borrowed(value))
    }

    /// The name as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Name {
    type Error = Violation;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Rule::Name.validate(&value)?;
        Ok(Name(Cow::Owned(value)))
    }
}

impl TryFrom<&str> for Name {
    type Error = Violation;

    fn try_from(value: &str) -> Result<Self, Self::Error> {
        Name::try_from(value.to_owned())
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<Name> for String {
    fn from(name: Name) -> String {
        name.0.into_owned()
    }
}

/// A [`Name`] from a string literal, checked at compile time.
///
/// ```
/// let name = kumiki_core::name!("account");
/// assert_eq!(name.as_str(), "account");
/// ```
///
/// ```compile_fail
/// let name = kumiki_core::name!("Account_Service"); // invalid name "Account_Service": may contain only lowercase a-z, 0-9 and '-'
/// ```
#[macro_export]
macro_rules! name {
    ($value:literal) => {
        $crate::__validated_literal!(Name, "name", $value)
    };
}
