//! Object names.

use crate::rule::Rule;
use crate::validated::validated_string;

validated_string!(
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
    Name,
    Rule::Name
);

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        self.as_str()
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
