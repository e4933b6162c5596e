//! The syntax rules Kubernetes applies to names and labels, as `const fn`s.
//!
//! The same functions run at compile time (inside the literal macros) and at run time
//! (inside `TryFrom`), so a literal and a computed value are held to one rule.

use std::fmt;

mod image;

pub use image::FLOATING_TAGS;
use image::{check_image_digest, check_image_tag, check_registry_host, check_repository, starts_with_registry_host};

/// Which syntax rule a value was checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// An object name: an RFC 1035 label (valid for every kind, Services included).
    Name,
    /// A DNS-1123 subdomain, the general rule for object names of most kinds.
    Subdomain,
    /// A label key: `[prefix/]name`.
    LabelKey,
    /// A label value.
    LabelValue,
    /// A port name before its protocol prefix: IANA_SVC_NAME with room for `http-`.
    PortName,
    /// An image tag that is not floating (see [`FLOATING_TAGS`]).
    ImageTag,
    /// An image digest: `sha256:` and 64 lowercase hex digits.
    ImageDigest,
    /// An image repository path, e.g. `account-gin-repository` or `paulbouwer/hello-kubernetes`.
    Repository,
    /// A container registry: a host (`ghcr.io`, `localhost:5000`, with an optional port) and
    /// an optional path prefix (`ghcr.io/acme`).
    RegistryHost,
    /// A 12-digit AWS account id.
    AwsAccountId,
    /// An AWS region, e.g. `ap-northeast-1`.
    AwsRegion,
}

impl Rule {
    /// What the rule is called in messages.
    pub const fn noun(self) -> &'static str {
        match self {
            Rule::Name => "name",
            Rule::Subdomain => "DNS subdomain",
            Rule::LabelKey => "label key",
            Rule::LabelValue => "label value",
            Rule::PortName => "port name",
            Rule::ImageTag => "image tag",
            Rule::ImageDigest => "image digest",
            Rule::Repository => "image repository",
            Rule::RegistryHost => "registry",
            Rule::AwsAccountId => "AWS account id",
            Rule::AwsRegion => "AWS region",
        }
    }
}

/// Why a value breaks its rule. The message of each reason is written twice: in
/// [`Invalid::message`] for run-time errors and in the `__reject!` macro for compile-time
/// errors (a const panic cannot format); a unit test keeps the two identical.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Invalid {
    /// The value is empty where it may not be.
    Empty,
    /// Longer than 63 characters.
    LongerThan63,
    /// Longer than 253 characters.
    LongerThan253,
    /// A character outside `a-z 0-9 -`.
    NotLowercaseAlphanumericOrDash,
    /// A character outside `a-z 0-9 - .`.
    NotSubdomainCharacter,
    /// A character outside `A-Z a-z 0-9 - _ .`.
    NotLabelCharacter,
    /// Does not start with a lowercase letter.
    StartsWithoutLetter,
    /// Starts or ends with something other than a letter or digit.
    EdgeNotAlphanumeric,
    /// The prefix of a label key is not a DNS subdomain.
    BadLabelPrefix,
    /// A port name longer than 10 characters (15 with its protocol prefix).
    LongerThan10,
    /// Two dashes in a row.
    ConsecutiveDashes,
    /// No letter at all.
    NoLetter,
    /// Not an image tag.
    NotTag,
    /// A floating tag such as `latest` (see [`FLOATING_TAGS`]).
    FloatingTag,
    /// Not `sha256:` and 64 lowercase hex digits.
    NotDigest,
    /// Not an image repository path.
    NotRepository,
    /// A repository path whose first part is a registry host.
    RepositoryWithRegistry,
    /// Not a registry host with an optional port and path prefix.
    NotRegistryHost,
    /// Not 12 digits.
    NotAwsAccountId,
    /// Not shaped like an AWS region.
    NotAwsRegion,
}

impl Invalid {
    /// The human-readable reason.
    pub const fn message(self) -> &'static str {
        match self {
            Invalid::Empty => "must not be empty",
            Invalid::LongerThan63 => "must be at most 63 characters long",
            Invalid::LongerThan253 => "must be at most 253 characters long",
            Invalid::NotLowercaseAlphanumericOrDash => "may contain only lowercase a-z, 0-9 and '-'",
            Invalid::NotSubdomainCharacter => "may contain only lowercase a-z, 0-9, '-' and '.'",
            Invalid::NotLabelCharacter => "may contain only A-Z, a-z, 0-9, '-', '_' and '.'",
            Invalid::StartsWithoutLetter => "must start with a lowercase letter",
            Invalid::EdgeNotAlphanumeric => "must start and end with a letter or digit",
            Invalid::BadLabelPrefix => {
                "the prefix before '/' must be a DNS subdomain: lowercase a-z, 0-9, '-', '.', at most 253 characters"
            }
            Invalid::LongerThan10 => "must be at most 10 characters long (15 with the protocol prefix)",
            Invalid::ConsecutiveDashes => "must not contain '--'",
            Invalid::NoLetter => "must contain a letter",
            Invalid::NotTag => "must be 1 to 128 of A-Z, a-z, 0-9, '_', '.', '-', not starting with '.' or '-'",
            Invalid::FloatingTag => {
                "is a floating tag (latest, stable, edge, nightly, main, master): use a version or commit tag, or a digest (only dev may float, with `latest`)"
            }
            Invalid::NotDigest => "must be `sha256:` followed by 64 lowercase hex digits",
            Invalid::NotRepository => "must be lowercase a-z, 0-9 parts joined by '.', '_', '-' or '/'",
            Invalid::RepositoryWithRegistry => {
                "starts with a registry host: give the host to `Registry::Host(registry!(..))` and keep the path here"
            }
            Invalid::NotRegistryHost => {
                "must be a host name with a dot (or localhost), an optional :port, and an optional /path of lowercase parts"
            }
            Invalid::NotAwsAccountId => "must be exactly 12 digits",
            Invalid::NotAwsRegion => "must look like ap-northeast-1: letters, dashes, a final digit",
        }
    }
}

/// Panics at compile time with a message naming the literal and the reason.
#[doc(hidden)]
#[macro_export]
macro_rules! __reject {
    ($noun:literal, $value:literal, $reason:expr) => {
        match $reason {
            $crate::Invalid::Empty => panic!(concat!("invalid ", $noun, " \"", $value, "\": must not be empty")),
            $crate::Invalid::LongerThan63 => panic!(concat!("invalid ", $noun, " \"", $value, "\": must be at most 63 characters long")),
            $crate::Invalid::LongerThan253 => panic!(concat!("invalid ", $noun, " \"", $value, "\": must be at most 253 characters long")),
            $crate::Invalid::NotLowercaseAlphanumericOrDash => panic!(concat!("invalid ", $noun, " \"", $value, "\": may contain only lowercase a-z, 0-9 and '-'")),
            $crate::Invalid::NotSubdomainCharacter => panic!(concat!("invalid ", $noun, " \"", $value, "\": may contain only lowercase a-z, 0-9, '-' and '.'")),
            $crate::Invalid::NotLabelCharacter => panic!(concat!("invalid ", $noun, " \"", $value, "\": may contain only A-Z, a-z, 0-9, '-', '_' and '.'")),
            $crate::Invalid::StartsWithoutLetter => panic!(concat!("invalid ", $noun, " \"", $value, "\": must start with a lowercase letter")),
            $crate::Invalid::EdgeNotAlphanumeric => panic!(concat!("invalid ", $noun, " \"", $value, "\": must start and end with a letter or digit")),
            $crate::Invalid::BadLabelPrefix => panic!(concat!("invalid ", $noun, " \"", $value, "\": the prefix before '/' must be a DNS subdomain: lowercase a-z, 0-9, '-', '.', at most 253 characters")),
            $crate::Invalid::LongerThan10 => panic!(concat!("invalid ", $noun, " \"", $value, "\": must be at most 10 characters long (15 with the protocol prefix)")),
            $crate::Invalid::ConsecutiveDashes => panic!(concat!("invalid ", $noun, " \"", $value, "\": must not contain '--'")),
            $crate::Invalid::NoLetter => panic!(concat!("invalid ", $noun, " \"", $value, "\": must contain a letter")),
            $crate::Invalid::NotTag => panic!(concat!("invalid ", $noun, " \"", $value, "\": must be 1 to 128 of A-Z, a-z, 0-9, '_', '.', '-', not starting with '.' or '-'")),
            $crate::Invalid::FloatingTag => panic!(concat!("invalid ", $noun, " \"", $value, "\": is a floating tag (latest, stable, edge, nightly, main, master): use a version or commit tag, or a digest (only dev may float, with `latest`)")),
            $crate::Invalid::NotDigest => panic!(concat!("invalid ", $noun, " \"", $value, "\": must be `sha256:` followed by 64 lowercase hex digits")),
            $crate::Invalid::NotRepository => panic!(concat!("invalid ", $noun, " \"", $value, "\": must be lowercase a-z, 0-9 parts joined by '.', '_', '-' or '/'")),
            $crate::Invalid::RepositoryWithRegistry => panic!(concat!("invalid ", $noun, " \"", $value, "\": starts with a registry host: give the host to `Registry::Host(registry!(..))` and keep the path here")),
            $crate::Invalid::NotRegistryHost => panic!(concat!("invalid ", $noun, " \"", $value, "\": must be a host name with a dot (or localhost), an optional :port, and an optional /path of lowercase parts")),
            $crate::Invalid::NotAwsAccountId => panic!(concat!("invalid ", $noun, " \"", $value, "\": must be exactly 12 digits")),
            $crate::Invalid::NotAwsRegion => panic!(concat!("invalid ", $noun, " \"", $value, "\": must look like ap-northeast-1: letters, dashes, a final digit")),
        }
    };
}

/// A value that breaks a rule, for run-time checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The rule that was applied.
    pub rule: Rule,
    /// The offending value.
    pub value: String,
    /// Why it breaks the rule.
    pub reason: Invalid,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid {} \"{}\": {}",
            self.rule.noun(),
            self.value,
            self.reason.message()
        )
    }
}

impl std::error::Error for Violation {}

impl Rule {
    /// Checks `value` against this rule.
    pub const fn check(self, value: &str) -> Result<(), Invalid> {
        let bytes = value.as_bytes();
        match self {
            Rule::Name => check_name(bytes),
            Rule::Subdomain => check_subdomain(bytes),
            Rule::LabelKey => check_label_key(bytes),
            Rule::LabelValue => check_label_value(bytes),
            Rule::PortName => check_port_name(bytes),
            Rule::ImageTag => check_image_tag(bytes),
            Rule::ImageDigest => check_image_digest(bytes),
            Rule::Repository => match check_repository(bytes) {
                Ok(()) if starts_with_registry_host(bytes) => Err(Invalid::RepositoryWithRegistry),
                result => result,
            },
            Rule::RegistryHost => check_registry_host(bytes),
            Rule::AwsAccountId => check_aws_account_id(bytes),
            Rule::AwsRegion => check_aws_region(bytes),
        }
    }

    /// Checks `value` and returns a [`Violation`] naming it when it breaks the rule.
    pub fn validate(self, value: &str) -> Result<(), Violation> {
        self.check(value).map_err(|reason| Violation {
            rule: self,
            value: value.to_owned(),
            reason,
        })
    }
}

const fn is_lower_alphanumeric(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

const fn check_name(bytes: &[u8]) -> Result<(), Invalid> {
    if bytes.is_empty() {
        return Err(Invalid::Empty);
    }
    if bytes.len() > 63 {
        return Err(Invalid::LongerThan63);
    }
    let mut i = 0;
    while i < bytes.len() {
        if !(is_lower_alphanumeric(bytes[i]) || bytes[i] == b'-') {
            return Err(Invalid::NotLowercaseAlphanumericOrDash);
        }
        i += 1;
    }
    if !bytes[0].is_ascii_lowercase() {
        return Err(Invalid::StartsWithoutLetter);
    }
    if !is_lower_alphanumeric(bytes[bytes.len() - 1]) {
        return Err(Invalid::EdgeNotAlphanumeric);
    }
    Ok(())
}

/// DNS-1123 subdomain: dot-separated parts of `[a-z0-9]([-a-z0-9]*[a-z0-9])?`, at most 253.
const fn check_subdomain(bytes: &[u8]) -> Result<(), Invalid> {
    if bytes.is_empty() {
        return Err(Invalid::Empty);
    }
    if bytes.len() > 253 {
        return Err(Invalid::LongerThan253);
    }
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if !(is_lower_alphanumeric(b) || b == b'-' || b == b'.') {
            return Err(Invalid::NotSubdomainCharacter);
        }
        // Every part starts and ends with an alphanumeric character.
        let starts_part = i == 0 || bytes[i - 1] == b'.';
        let ends_part = i + 1 == bytes.len() || bytes[i + 1] == b'.';
        if (starts_part || ends_part) && !is_lower_alphanumeric(b) {
            return Err(Invalid::EdgeNotAlphanumeric);
        }
        i += 1;
    }
    Ok(())
}

const fn is_label_character(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.'
}

/// 0..=63 characters of `[A-Za-z0-9-_.]`, alphanumeric at both ends when not empty.
const fn check_label_value(bytes: &[u8]) -> Result<(), Invalid> {
    if bytes.len() > 63 {
        return Err(Invalid::LongerThan63);
    }
    let mut i = 0;
    while i < bytes.len() {
        if !is_label_character(bytes[i]) {
            return Err(Invalid::NotLabelCharacter);
        }
        i += 1;
    }
    let edges_alphanumeric = match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) => first.is_ascii_alphanumeric() && last.is_ascii_alphanumeric(),
        _ => true, // the empty value is allowed
    };
    if !edges_alphanumeric {
        return Err(Invalid::EdgeNotAlphanumeric);
    }
    Ok(())
}

/// `[prefix/]name`: the prefix a DNS-1123 subdomain, the name a non-empty label value.
const fn check_label_key(bytes: &[u8]) -> Result<(), Invalid> {
    let mut slash = bytes.len();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'/' {
            slash = i;
            break;
        }
        i += 1;
    }
    let name = if slash < bytes.len() {
        let (prefix, rest) = bytes.split_at(slash);
        if check_subdomain(prefix).is_err() {
            return Err(Invalid::BadLabelPrefix);
        }
        let (_, name) = rest.split_at(1);
        name
    } else {
        bytes
    };
    if name.is_empty() {
        return Err(Invalid::Empty);
    }
    check_label_value(name)
}

/// IANA_SVC_NAME (lowercase, digits, single dashes, a letter, no dash at the ends), at most
/// 10 characters so that `http-`, `grpc-` or `tcp-` in front stays within 15.
const fn check_port_name(bytes: &[u8]) -> Result<(), Invalid> {
    if bytes.is_empty() {
        return Err(Invalid::Empty);
    }
    if bytes.len() > 10 {
        return Err(Invalid::LongerThan10);
    }
    let mut has_letter = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if !(is_lower_alphanumeric(b) || b == b'-') {
            return Err(Invalid::NotLowercaseAlphanumericOrDash);
        }
        if b == b'-' && i > 0 && bytes[i - 1] == b'-' {
            return Err(Invalid::ConsecutiveDashes);
        }
        has_letter |= b.is_ascii_lowercase();
        i += 1;
    }
    if bytes[0] == b'-' || bytes[bytes.len() - 1] == b'-' {
        return Err(Invalid::EdgeNotAlphanumeric);
    }
    if !has_letter {
        return Err(Invalid::NoLetter);
    }
    Ok(())
}

const fn check_aws_account_id(bytes: &[u8]) -> Result<(), Invalid> {
    if bytes.len() != 12 {
        return Err(Invalid::NotAwsAccountId);
    }
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            return Err(Invalid::NotAwsAccountId);
        }
        i += 1;
    }
    Ok(())
}

/// `[a-z]{2}(-[a-z]+)+-[0-9]`, e.g. `ap-northeast-1`, `us-gov-west-1`.
const fn check_aws_region(bytes: &[u8]) -> Result<(), Invalid> {
    let n = bytes.len();
    if n < 6 || !bytes[n - 1].is_ascii_digit() || bytes[n - 2] != b'-' {
        return Err(Invalid::NotAwsRegion);
    }
    let mut dashes = 0;
    let mut i = 0;
    while i < n - 2 {
        let b = bytes[i];
        if b == b'-' {
            if i < 2 || bytes[i - 1] == b'-' {
                return Err(Invalid::NotAwsRegion);
            }
            dashes += 1;
        } else if !b.is_ascii_lowercase() {
            return Err(Invalid::NotAwsRegion);
        }
        i += 1;
    }
    if dashes == 0 || bytes[n - 3] == b'-' {
        return Err(Invalid::NotAwsRegion);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(rule: Rule, value: &str, expect: Result<(), Invalid>) {
        assert_eq!(rule.check(value), expect, "{} {value:?}", rule.noun());
    }

    #[test]
    fn names_follow_rfc_1035_labels() {
        check(Rule::Name, "account", Ok(()));
        check(Rule::Name, "account-app-2", Ok(()));
        check(Rule::Name, "", Err(Invalid::Empty));
        check(Rule::Name, &"a".repeat(64), Err(Invalid::LongerThan63));
        check(Rule::Name, &"a".repeat(63), Ok(()));
        check(Rule::Name, "Account", Err(Invalid::NotLowercaseAlphanumericOrDash));
        check(Rule::Name, "account_app", Err(Invalid::NotLowercaseAlphanumericOrDash));
        check(Rule::Name, "2account", Err(Invalid::StartsWithoutLetter));
        check(Rule::Name, "account-", Err(Invalid::EdgeNotAlphanumeric));
    }

    #[test]
    fn subdomains_check_every_part() {
        check(Rule::Subdomain, "istio.io", Ok(()));
        check(Rule::Subdomain, "0.example.com", Ok(()));
        check(Rule::Subdomain, "a..b", Err(Invalid::EdgeNotAlphanumeric));
        check(Rule::Subdomain, "a.-b", Err(Invalid::EdgeNotAlphanumeric));
        check(Rule::Subdomain, ".a", Err(Invalid::EdgeNotAlphanumeric));
        check(Rule::Subdomain, "A.b", Err(Invalid::NotSubdomainCharacter));
        check(Rule::Subdomain, &"a".repeat(254), Err(Invalid::LongerThan253));
    }

    #[test]
    fn label_keys_and_values() {
        check(Rule::LabelKey, "app.kubernetes.io/name", Ok(()));
        check(Rule::LabelKey, "env", Ok(()));
        check(Rule::LabelKey, "Team_Name.x", Ok(()));
        check(Rule::LabelKey, "Acme.io/team", Err(Invalid::BadLabelPrefix));
        check(Rule::LabelKey, "/team", Err(Invalid::BadLabelPrefix));
        check(Rule::LabelKey, "acme.io/", Err(Invalid::Empty));
        check(Rule::LabelKey, "", Err(Invalid::Empty));
        check(Rule::LabelKey, "acme.io/a/b", Err(Invalid::NotLabelCharacter));
        check(Rule::LabelValue, "", Ok(()));
        check(Rule::LabelValue, "1.2.3", Ok(()));
        check(Rule::LabelValue, "1.2.3+build", Err(Invalid::NotLabelCharacter));
        check(Rule::LabelValue, "-x", Err(Invalid::EdgeNotAlphanumeric));
        check(Rule::LabelValue, &"v".repeat(64), Err(Invalid::LongerThan63));
    }

    #[test]
    fn port_names_tags_repositories_and_aws_facts() {
        check(Rule::PortName, "account", Ok(()));
        check(Rule::PortName, "web-2", Ok(()));
        check(Rule::PortName, "orchestrate", Err(Invalid::LongerThan10));
        check(Rule::PortName, "a--b", Err(Invalid::ConsecutiveDashes));
        check(Rule::PortName, "8080", Err(Invalid::NoLetter));
        check(Rule::PortName, "-web", Err(Invalid::EdgeNotAlphanumeric));
        check(Rule::ImageTag, "d74ac1c", Ok(()));
        check(Rule::ImageTag, "00690e9", Ok(()));
        check(Rule::ImageTag, "1.10", Ok(()));
        check(Rule::ImageTag, "latest", Err(Invalid::FloatingTag));
        check(Rule::ImageTag, "", Err(Invalid::NotTag));
        check(Rule::ImageTag, "-rc", Err(Invalid::NotTag));
        check(Rule::ImageTag, "1.0+b", Err(Invalid::NotTag));
        check(Rule::ImageTag, "main", Err(Invalid::FloatingTag));
        check(Rule::ImageTag, "mainline", Ok(()));
        let hex = "0123456789abcdef".repeat(4);
        check(Rule::ImageDigest, &format!("sha256:{hex}"), Ok(()));
        check(
            Rule::ImageDigest,
            &format!("sha256:{}", hex.to_uppercase()),
            Err(Invalid::NotDigest),
        );
        check(Rule::ImageDigest, &format!("sha512:{hex}"), Err(Invalid::NotDigest));
        check(
            Rule::ImageDigest,
            &format!("sha256:{}", &hex[1..]),
            Err(Invalid::NotDigest),
        );
        check(Rule::Repository, "paulbouwer/hello-kubernetes", Ok(()));
        check(Rule::Repository, "account-gin-repository", Ok(()));
        check(Rule::Repository, "Account", Err(Invalid::NotRepository));
        check(Rule::Repository, "/x", Err(Invalid::NotRepository));
        check(Rule::Repository, "a/-x", Err(Invalid::NotRepository));
        check(Rule::Repository, "my.app", Ok(()));
        check(
            Rule::Repository,
            "ghcr.io/acme/web",
            Err(Invalid::RepositoryWithRegistry),
        );
        check(Rule::Repository, "localhost/web", Err(Invalid::RepositoryWithRegistry));
        check(Rule::RegistryHost, "ghcr.io", Ok(()));
        check(Rule::RegistryHost, "ghcr.io/acme", Ok(()));
        check(Rule::RegistryHost, "localhost:5000", Ok(()));
        check(Rule::RegistryHost, "registry.example.com:443/team/sub", Ok(()));
        check(Rule::RegistryHost, "ghcr", Err(Invalid::NotRegistryHost));
        check(Rule::RegistryHost, "ghcr.io:0", Err(Invalid::NotRegistryHost));
        check(Rule::RegistryHost, "ghcr.io:65536", Err(Invalid::NotRegistryHost));
        check(Rule::RegistryHost, "GHCR.io", Err(Invalid::NotRegistryHost));
        check(Rule::RegistryHost, "ghcr.io/Acme", Err(Invalid::NotRegistryHost));
        check(Rule::RegistryHost, "-x.io", Err(Invalid::NotRegistryHost));
        check(Rule::AwsAccountId, "123456789012", Ok(()));
        check(Rule::AwsAccountId, "", Err(Invalid::NotAwsAccountId));
        check(Rule::AwsAccountId, "12345678901a", Err(Invalid::NotAwsAccountId));
        check(Rule::AwsRegion, "ap-northeast-1", Ok(()));
        check(Rule::AwsRegion, "us-gov-west-1", Ok(()));
        check(Rule::AwsRegion, "", Err(Invalid::NotAwsRegion));
        check(Rule::AwsRegion, "apnortheast1", Err(Invalid::NotAwsRegion));
        check(Rule::AwsRegion, "ap--x-1", Err(Invalid::NotAwsRegion));
    }

    #[test]
    fn violation_names_rule_value_and_reason() {
        let violation = Rule::LabelValue.validate("a b").unwrap_err();
        assert_eq!(
            violation.to_string(),
            "invalid label value \"a b\": may contain only A-Z, a-z, 0-9, '-', '_' and '.'"
        );
    }

    /// The compile-time messages in `__reject!` must say what the run-time ones say.
    #[test]
    fn compile_time_messages_match_run_time_messages() {
        let source = include_str!("rule.rs");
        let reject = &source[source.find("macro_rules! __reject").unwrap()..];
        let reasons = [
            Invalid::Empty,
            Invalid::LongerThan63,
            Invalid::LongerThan253,
            Invalid::NotLowercaseAlphanumericOrDash,
            Invalid::NotSubdomainCharacter,
            Invalid::NotLabelCharacter,
            Invalid::StartsWithoutLetter,
            Invalid::EdgeNotAlphanumeric,
            Invalid::BadLabelPrefix,
            Invalid::LongerThan10,
            Invalid::ConsecutiveDashes,
            Invalid::NoLetter,
            Invalid::NotTag,
            Invalid::FloatingTag,
            Invalid::NotDigest,
            Invalid::NotRepository,
            Invalid::RepositoryWithRegistry,
            Invalid::NotRegistryHost,
            Invalid::NotAwsAccountId,
            Invalid::NotAwsRegion,
        ];
        for reason in reasons {
            let arm = format!(
                "$crate::Invalid::{reason:?} => panic!(concat!(\"invalid \", $noun, \" \\\"\", $value, \"\\\": {}\"))",
                reason.message()
            );
            assert!(
                reject.contains(&arm),
                "__reject! disagrees with Invalid::message for {reason:?}:\n{arm}"
            );
        }
    }
}
