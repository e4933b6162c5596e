//! Golden test of YAML 1.1 safety: strings that kubectl, Helm or go-yaml v2 would read as
//! booleans, numbers, nulls or timestamps must come out quoted (or as block literals).

use std::collections::BTreeMap;

use kumiki::k8s_openapi::api::core::v1::ConfigMap;
use kumiki::serde_json::{self, json};
use kumiki::synth::render_yaml;
use kumiki::test_hooks::{render_yaml_fast_path_only, render_yaml_with_serde_saphyr};
use kumiki_tests::config_map;
use platform::Env;

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

/// kumiki's emitter lays out every object of the reference platform itself, in every
/// environment, with exactly serde-saphyr's bytes.
#[test]
fn the_emitter_writes_serde_saphyrs_bytes_for_every_object_of_the_platform() {
    let mut objects = 0;
    for env in Env::ALL {
        let model = xtask::model(env);
        let release = kumiki::synth::synthesize(xtask::model(env)).unwrap();
        for app in &model.apps {
            for declared in app.objects() {
                let object = declared.object.as_ref();
                let name = object.metadata().name.clone().unwrap_or_default();
                let (fast, reference) = kumiki::test_hooks::object_yaml_both_ways(object);
                let fast = fast.unwrap_or_else(|| panic!("{env}: {name} left to serde-saphyr:\n{reference}"));
                assert_eq!(fast, reference, "{env}: {name}");
                // What synth wrote is the same bytes, after the header.
                let written = release.files.values().find(|file| file.ends_with(&reference));
                assert!(written.is_some(), "{env}: {name} is not in the release as rendered");
                objects += 1;
            }
        }
    }
    assert!(objects > 300, "only {objects} objects");
}

/// Values of every shape the emitter knows, and some it leaves to serde-saphyr.
fn awkward_document() -> serde_json::Value {
    let tricky: Vec<serde_json::Value> = TRICKY.iter().map(|s| json!(s)).collect();
    let keyed: serde_json::Map<String, serde_json::Value> = (TRICKY.iter())
        .filter(|key| !key.is_empty())
        .map(|key| ((*key).to_owned(), json!(key)))
        .collect();
    json!({
        "apiVersion": "v1",
        "kind": "Awkward",
        "scalars": {
            "int": 3, "negative": -12, "big": u64::MAX, "float": 100.0, "fraction": 0.25, "tiny": 1e-9,
            "true": true, "false": false, "null": null, "empty": "", "spaces": "a b  c",
            "colon": "a:b", "url": "http://example.com:8080/x", "trailing": "x:", "quote": "it's",
            "unicode": "日本語", "accent": "café", "tab": "a\tb", "hash": "a #b", "hash2": "a#b",
            "quantity": "100m", "version": "1.0.0", "path": "/ready", "slash": "/",
            "long": "x".repeat(300), "long_words": "word ".repeat(60).trim_end(),
        },
        "tricky": tricky,
        "words": ["True", "FALSE", "Null", "NULL", "Off", "ON", "Yes", "YES", "No", "nan", "NaN", ".nan", "inf", "-inf", "Inf", "yesno", "onion", "nully"],
        "keyed": keyed,
        "empties": { "map": {}, "list": [], "in_list": [{}, [], ""] },
        "nested": [[1, 2], [[3], []], [{ "a": 1, "b": [1] }], { "c": [{ "d": {} }] }],
        "maps_in_lists": [{ "name": "x", "ports": [{ "port": 1 }, { "port": 2 }] }, { "name": "y" }],
    })
}

#[test]
fn the_emitter_writes_serde_saphyrs_bytes_for_awkward_values() {
    let document = awkward_document();
    let reference = render_yaml_with_serde_saphyr(&document).unwrap();
    let fast = render_yaml_fast_path_only(&document).expect("laid out by the emitter");
    assert_eq!(fast, reference);
}

#[test]
fn what_the_emitter_leaves_to_serde_saphyr_comes_out_as_serde_saphyr_writes_it() {
    let multi_line = json!({ "data": { "script": "line one\nline two: yes\n", "list": ["a\nb"] } });
    assert_eq!(
        render_yaml_fast_path_only(&multi_line),
        None,
        "block scalars are serde-saphyr's"
    );
    assert_eq!(
        render_yaml(&multi_line).unwrap(),
        render_yaml_with_serde_saphyr(&multi_line).unwrap()
    );
}

/// Strings drawn from the characters that matter to YAML, as keys, values and list items:
/// the emitter must agree with serde-saphyr on every one (a deterministic generator, so a
/// failure reproduces).
#[test]
fn generated_strings_come_out_as_serde_saphyr_writes_them() {
    const ALPHABET: &[char] = &[
        'a', 'y', 'n', 'o', 'e', 'E', 'x', 'b', 'T', 'Z', '0', '1', '5', '9', ' ', ':', '#', '-', '.', '_', '/', '"',
        '\'', '\t', 'é', '~', '@', ',', '[', ']', '{', '}', '!', '&', '*', '?', '|', '>', '%', '=', '<', '+', '`',
        '\\', '\u{7f}', '\u{2028}', '\u{feff}',
    ];
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |bound: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        usize::try_from(state % bound as u64).unwrap()
    };
    let strings: Vec<String> = (0..20_000)
        .map(|_| {
            let len = next(7);
            (0..len).map(|_| ALPHABET[next(ALPHABET.len())]).collect()
        })
        .collect();
    let mut laid_out = 0;
    for chunk in strings.chunks(50) {
        let as_keys: BTreeMap<&str, &str> = chunk.iter().map(|s| (s.as_str(), "v")).collect();
        let document = json!({ "values": chunk, "keys": as_keys, "inline": chunk.iter().map(|s| json!({ "k": s })).collect::<Vec<_>>() });
        let reference = render_yaml_with_serde_saphyr(&document).unwrap();
        if let Some(fast) = render_yaml_fast_path_only(&document) {
            assert_eq!(fast, reference, "{chunk:?}");
            laid_out += 1;
        }
        assert_eq!(render_yaml(&document).unwrap(), reference, "{chunk:?}");
    }
    // No newline in the alphabet: the emitter lays out every chunk itself.
    assert_eq!(laid_out, strings.len() / 50, "chunks laid out by the emitter");
}
