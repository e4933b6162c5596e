//! The syntax rules Kubernetes applies to names and labels, as `const fn`s.
//!
//! The same functions run at compile time (inside the literal macros) and at run time
//! (inside `TryFrom`), so a literal and a computed value are held to one rule.

use std::fmt;

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
}

impl Rule {
    /// What the rule is called in messages.
    pub const fn noun(self) -> &'static str {
        match self {
            Rule::Name => "name",
            Rule::Subdomain => "DNS subdomain",
            Rule::LabelKey => "label key",
            Rule::LabelValue => "label value",
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
