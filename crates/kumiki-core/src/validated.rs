//! Newtypes over strings that a [`Rule`](crate::Rule) has accepted, and their literal macros.

use crate::rule::Rule;

/// Defines a string newtype whose constructors check `$rule`.
macro_rules! validated_string {
    ($(#[$doc:meta])* $type:ident, $rule:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $type(::std::borrow::Cow<'static, str>);

        impl $type {
            /// Used by the literal macros after the literal passed the check; not for direct use.
            #[doc(hidden)]
            pub const fn __from_checked_literal(value: &'static str) -> Self {
                $type(::std::borrow::Cow::Borrowed(value))
            }

            /// The value as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $type {
            type Error = $crate::Violation;

            fn try_from(value: String) -> Result<Self, Self::Error> {
                $rule.validate(&value)?;
                Ok($type(::std::borrow::Cow::Owned(value)))
            }
        }

        impl TryFrom<&str> for $type {
            type Error = $crate::Violation;

            fn try_from(value: &str) -> Result<Self, Self::Error> {
                $type::try_from(value.to_owned())
            }
        }

        impl ::std::fmt::Display for $type {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use validated_string;

/// Expands to a `const` item holding the checked literal, so that `cargo check` evaluates
/// it, or to a compile error naming the literal and the broken rule.
#[doc(hidden)]
#[macro_export]
macro_rules! __validated_literal {
    ($type:ident, $noun:literal, $value:literal) => {{
        const __VALUE: $crate::$type = match $crate::Rule::$type.check($value) {
            Ok(()) => $crate::$type::__from_checked_literal($value),
            Err(reason) => $crate::__reject!($noun, $value, reason),
        };
        __VALUE
    }};
}

validated_string!(
    /// A port name without its protocol prefix: at most 10 lowercase letters, digits and
    /// single dashes, with a letter. The emitted name is `<protocol>-<name>` (IANA_SVC_NAME,
    /// at most 15). Literals: [`port_name!`](crate::port_name!).
    PortName,
    Rule::PortName
);

validated_string!(
    /// An image tag that pins a build: not floating (`latest`, `main`, ... see
    /// [`FLOATING_TAGS`](crate::FLOATING_TAGS)). Literals: [`tag!`](crate::tag!).
    ImageTag,
    Rule::ImageTag
);

validated_string!(
    /// An image digest, `sha256:` and 64 lowercase hex digits: the content address of one
    /// build, read from data (an image versions file), never written in code.
    ImageDigest,
    Rule::ImageDigest
);

validated_string!(
    /// An image repository path within a registry. Literals: [`repository!`](crate::repository!).
    Repository,
    Rule::Repository
);

validated_string!(
    /// A container registry: a host (`ghcr.io`, `localhost:5000`) with an optional path prefix
    /// (`ghcr.io/acme`), per the OCI distribution rules. Literals: [`registry!`](crate::registry!).
    RegistryHost,
    Rule::RegistryHost
);

validated_string!(
    /// A 12-digit AWS account id. Literals: [`aws_account_id!`](crate::aws_account_id!).
    AwsAccountId,
    Rule::AwsAccountId
);

validated_string!(
    /// A DNS subdomain such as `httpbin.org`: a host name outside the cluster. Literals:
    /// [`subdomain!`](crate::subdomain!).
    Subdomain,
    Rule::Subdomain
);

validated_string!(
    /// An AWS region such as `ap-northeast-1`. Literals: [`aws_region!`](crate::aws_region!).
    AwsRegion,
    Rule::AwsRegion
);

/// A [`PortName`] from a literal, checked at compile time.
///
/// ```compile_fail
/// let name = kumiki_core::port_name!("orchestrator"); // must be at most 10 characters long
/// ```
#[macro_export]
macro_rules! port_name {
    ($value:literal) => {
        $crate::__validated_literal!(PortName, "port name", $value)
    };
}

/// An [`ImageTag`] from a literal, checked at compile time; `latest` is refused.
///
/// ```compile_fail
/// let tag = kumiki_core::tag!("latest");
/// ```
#[macro_export]
macro_rules! tag {
    ($value:literal) => {
        $crate::__validated_literal!(ImageTag, "image tag", $value)
    };
}

/// A [`Repository`] from a literal, checked at compile time.
#[macro_export]
macro_rules! repository {
    ($value:literal) => {
        $crate::__validated_literal!(Repository, "image repository", $value)
    };
}

/// A [`RegistryHost`] from a literal, checked at compile time: `registry!("ghcr.io/acme")`.
///
/// ```compile_fail
/// let registry = kumiki_core::registry!("ghcr"); // not a host name: no dot
/// ```
#[macro_export]
macro_rules! registry {
    ($value:literal) => {
        $crate::__validated_literal!(RegistryHost, "registry", $value)
    };
}

/// An [`AwsAccountId`] from a literal, checked at compile time.
///
/// ```compile_fail
/// let account = kumiki_core::aws_account_id!(""); // an empty account id cannot be built
/// ```
#[macro_export]
macro_rules! aws_account_id {
    ($value:literal) => {
        $crate::__validated_literal!(AwsAccountId, "AWS account id", $value)
    };
}

/// An [`AwsRegion`] from a literal, checked at compile time.
#[macro_export]
macro_rules! aws_region {
    ($value:literal) => {
        $crate::__validated_literal!(AwsRegion, "AWS region", $value)
    };
}

/// A [`Subdomain`] from a literal, checked at compile time.
///
/// ```compile_fail
/// let host = kumiki_core::subdomain!("HTTPBIN.org"); // DNS names are lowercase
/// ```
#[macro_export]
macro_rules! subdomain {
    ($value:literal) => {
        $crate::__validated_literal!(Subdomain, "DNS subdomain", $value)
    };
}
