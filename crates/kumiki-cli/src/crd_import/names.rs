//! The names a CRD gives, checked before any of them reaches Rust code: the group, kind,
//! plural and versions by Kubernetes' own rules (so each is a plain identifier or a string
//! literal with nothing to escape), and the schema's property names, enum values and
//! descriptions, which kopium turns into fields, `#[serde(rename = "…")]` literals and doc
//! comments.

use serde_json::Value;

/// A DNS subdomain (RFC 1123): lowercase labels of letters, digits and `-`, joined by dots.
pub(super) fn check_group(group: &str) -> Result<(), String> {
    let valid = !group.is_empty()
        && group.len() <= 253
        && group.split('.').all(|label| is_label(label, |b| b.is_ascii_digit()));
    if valid {
        Ok(())
    } else {
        Err(format!(
            "group {:?} is not a DNS subdomain (lowercase letters, digits, `-` and `.`)",
            group
        ))
    }
}

/// A kind is a Rust type name here: an ASCII letter, then letters and digits (CamelCase), at
/// most 63 characters, and not `Self`.
pub(super) fn check_kind(kind: &str) -> Result<(), String> {
    let bytes = kind.as_bytes();
    let valid = !bytes.is_empty()
        && bytes.len() <= 63
        && bytes[0].is_ascii_alphabetic()
        && bytes.iter().all(u8::is_ascii_alphanumeric)
        && kind != "Self";
    if valid {
        Ok(())
    } else {
        Err(format!(
            "kind {kind:?} is not a CamelCase name (a letter, then letters and digits, at most 63)"
        ))
    }
}

/// A DNS label (RFC 1035): lowercase letters, digits and `-`, starting with a letter, at most
/// 63 characters (Kubernetes' rule for plurals and version names).
pub(super) fn check_label(what: &str, name: &str) -> Result<(), String> {
    if is_label(name, |b| b.is_ascii_lowercase()) {
        Ok(())
    } else {
        Err(format!(
            "{what} {name:?} is not a DNS label (lowercase letters, digits and `-`, starting with a letter)"
        ))
    }
}

fn is_label(label: &str, first: fn(&u8) -> bool) -> bool {
    let bytes = label.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 63
        && (first(&bytes[0]) || bytes[0].is_ascii_lowercase())
        && bytes[bytes.len() - 1] != b'-'
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
}

/// Refuses a schema whose property names or enum values could not be written into a Rust
/// string literal as they are, or whose descriptions hold control characters a doc comment
/// cannot (a carriage return, an escape sequence).
pub(super) fn check_schema(schema: &Value, at: &str) -> Result<(), String> {
    let Some(object) = schema.as_object() else {
        return Ok(());
    };
    if let Some(description) = object.get("description").and_then(Value::as_str)
        && description.chars().any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(format!("{at}: the description holds a control character"));
    }
    for value in object.get("enum").and_then(Value::as_array).into_iter().flatten() {
        if let Some(text) = value.as_str()
            && !is_plain_text(text)
        {
            return Err(format!(
                "{at}: enum value {text:?} holds a quote, a backslash or a control character"
            ));
        }
    }
    for (name, property) in object
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        if name.is_empty() || !is_plain_text(name) {
            return Err(format!(
                "{at}: property name {name:?} is empty or holds a quote, a backslash or a control character"
            ));
        }
        check_schema(property, &format!("{at}.{name}"))?;
    }
    for key in ["items", "additionalProperties"] {
        if let Some(nested) = object.get(key) {
            check_schema(nested, &format!("{at}.{key}"))?;
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        for nested in object.get(key).and_then(Value::as_array).into_iter().flatten() {
            check_schema(nested, &format!("{at}.{key}"))?;
        }
    }
    Ok(())
}

/// Text that goes into a Rust string literal unescaped.
fn is_plain_text(text: &str) -> bool {
    !text.chars().any(|c| c == '"' || c == '\\' || c.is_control())
}

/// `--sdk-path`: a Rust path (`kumiki`, `crate::sdk`, `::kumiki`).
pub(super) fn check_rust_path(path: &str) -> Result<(), String> {
    let segments = path.strip_prefix("::").unwrap_or(path).split("::");
    let valid = segments.into_iter().all(|segment| {
        let bytes = segment.as_bytes();
        !bytes.is_empty()
            && (bytes[0].is_ascii_alphabetic() || bytes[0] == b'_')
            && bytes.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_')
    });
    if valid {
        Ok(())
    } else {
        Err(format!("{path:?} is not a Rust path (`kumiki`, `crate::sdk`)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_would_be_code_are_refused() {
        assert!(check_group("monitoring.coreos.com").is_ok());
        assert!(check_group("a\"; evil(); \"").is_err());
        assert!(check_group("Monitoring.example").is_err());
        assert!(check_kind("EC2NodeClass").is_ok());
        for kind in ["Rule{}", "rule x", "Self", "1Rule", ""] {
            assert!(check_kind(kind).is_err(), "{kind}");
        }
        assert!(check_label("plural", "prometheusrules").is_ok());
        assert!(check_label("version", "v1beta1").is_ok());
        assert!(check_label("version", "v1\"").is_err());
        assert!(check_rust_path("crate::sdk").is_ok());
        assert!(check_rust_path("kumiki; fn x(){}").is_err());
        let schema = serde_json::json!({"properties": {"spec": {"properties": {"a\"b": {"type": "string"}}}}});
        assert_eq!(
            check_schema(&schema, "openAPIV3Schema"),
            Err("openAPIV3Schema.spec: property name \"a\\\"b\" is empty or holds a quote, a backslash or a control character".to_owned())
        );
        let schema = serde_json::json!({"properties": {"mode": {"enum": ["On", "Off\n"]}}});
        assert!(
            check_schema(&schema, "s")
                .unwrap_err()
                .contains("enum value \"Off\\n\"")
        );
    }
}
