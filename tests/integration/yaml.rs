//! Golden test of YAML 1.1 safety: strings that kubectl, Helm or go-yaml v2 would read as
//! booleans, numbers, nulls or timestamps must come out quoted (or as block literals).

use std::collections::BTreeMap;

use kumiki::k8s_openapi::api::core::v1::ConfigMap;
use kumiki::render_yaml;
use kumiki_tests::config_map;

/// Strings a YAML 1.1 / go-yaml v2 reader turns into something else when they are plain.
const TRICKY: &[&str] = &[
    "on",
    "off",
    "yes",
    "no",
    "y",
    "n",
    "Y",
    "N",
    "true",
    "null",
    "~",
    "0775",
    "1e3",
    "1_000",
    "12:30",
    "2024-01-01",
    "00690e9",
    "",
    "a: b",
    "#x",
    "<<",
    "=",
    ".inf",
    "0x1F",
    "-",
    "- x",
    "@at",
    "*star",
];

#[test]
fn tricky_strings_survive_a_yaml_1_1_reading() {
    let mut data: Vec<(String, String)> = TRICKY
        .iter()
        .enumerate()
        .map(|(i, value)| (format!("k{i:02}"), (*value).to_owned()))
        .collect();
    data.push(("multi".to_owned(), "line one\nline two: yes\n".to_owned()));
    let pairs: Vec<(&str, &str)> = data.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let yaml = render_yaml(&config_map(Some("services"), "tricky", &pairs)).unwrap();

    for (key, value) in &data {
        let written = written_scalar(&yaml, key);
        let plain = !written.starts_with(['"', '\'', '|', '>']);
        assert!(
            !(plain && yaml_1_1_reads_as_non_string(&written)),
            "{value:?} is written plain as `{key}: {written}`, which YAML 1.1 reads as a non-string:\n{yaml}"
        );
    }
    assert!(
        yaml.contains("  multi: |\n    line one\n    line two: yes\n"),
        "multi-line strings are block literals:\n{yaml}"
    );

    // And the YAML reads back to exactly the strings that went in.
    let back: ConfigMap = serde_saphyr::from_str(&yaml).unwrap();
    assert_eq!(back.data, Some(data.into_iter().collect::<BTreeMap<_, _>>()));
}

#[test]
fn the_yaml_1_1_oracle_recognizes_non_strings() {
    for plain in [
        "on",
        "Off",
        "y",
        "N",
        "~",
        "null",
        "",
        "0775",
        "1_000",
        "12:30",
        "1e3",
        "00690e9",
        "2024-01-01",
        "<<",
        "=",
        ".inf",
        "0x1F",
        "+12",
    ] {
        assert!(yaml_1_1_reads_as_non_string(plain), "{plain:?}");
    }
    for string in ["account", "d74ac1c", "1.2.3", "v1", "12:30:xx", "http-account", "onion"] {
        assert!(!yaml_1_1_reads_as_non_string(string), "{string:?}");
    }
}

/// The scalar written after `  key: ` on its line (block literals are reported as `|`).
fn written_scalar(yaml: &str, key: &str) -> String {
    let prefix = format!("  {key}:");
    let line = yaml
        .lines()
        .find(|line| line.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no `{key}` in\n{yaml}"));
    line[prefix.len()..].trim().to_owned()
}

/// Whether a plain scalar resolves to a non-string under YAML 1.1 (PyYAML, kubectl's
/// sigs.k8s.io/yaml) or go-yaml v2 (Helm): the union of their implicit types.
fn yaml_1_1_reads_as_non_string(plain: &str) -> bool {
    const BOOL_OR_NULL: &[&str] = &[
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE",
        "on", "On", "ON", "off", "Off", "OFF", "~", "null", "Null", "NULL", "", "<<", "=",
    ];
    const SPECIAL_FLOATS: &[&str] = &[
        ".inf", ".Inf", ".INF", "-.inf", "+.inf", "-.Inf", "+.Inf", ".nan", ".NaN", ".NAN",
    ];
    if BOOL_OR_NULL.contains(&plain) || SPECIAL_FLOATS.contains(&plain) {
        return true;
    }
    let unsigned = plain.strip_prefix(['-', '+']).unwrap_or(plain);
    let digits = |s: &str, radix: u32| !s.is_empty() && s.chars().all(|c| c == '_' || c.is_digit(radix));
    // Integers: decimal, octal, binary, hex, with `_` separators; sexagesimal `12:30`.
    if digits(unsigned, 10)
        || unsigned.strip_prefix("0b").is_some_and(|s| digits(s, 2))
        || unsigned.strip_prefix("0x").is_some_and(|s| digits(s, 16))
        || (unsigned.contains(':') && unsigned.split(':').all(|part| digits(part, 10)))
    {
        return true;
    }
    // Floats: `1.5`, `.5`, `1e3`, `00690e9` (go-yaml v2 accepts an exponent without a dot).
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e.strip_prefix(['-', '+']).unwrap_or(e))),
        None => (unsigned, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((whole, fraction)) => {
            (whole.is_empty() || digits(whole, 10))
                && (fraction.is_empty() || digits(fraction, 10))
                && !(whole.is_empty() && fraction.is_empty())
        }
        None => digits(mantissa, 10),
    };
    if mantissa_ok && exponent.is_none_or(|e| digits(e, 10)) {
        return true;
    }
    // Timestamps: `2024-01-01` and longer forms.
    let bytes = plain.as_bytes();
    bytes.len() >= 8 && bytes[..4].iter().all(u8::is_ascii_digit) && bytes[4] == b'-' && bytes[5].is_ascii_digit()
}
