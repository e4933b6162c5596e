//! Changing one value of an image versions file, leaving every other byte as it was.

use kumiki_core::EnvId;

use super::document::{Entry, VersionsDocument};
use super::reads_as_non_string;
use crate::image::ImageVersion;

/// `text` with entry `key`'s version in `env` set to `version`, comments and layout kept. An
/// entry without a version for `env` gets a line `<env>: <version>` after its last one, at
/// the same indentation. Refused, with the reason: a file that does not read, a missing
/// entry, and a layout this cannot edit safely (a flow mapping `{…}` needing a new line).
pub fn set_version(text: &str, key: &str, env: EnvId, version: &ImageVersion) -> Result<String, String> {
    let document =
        VersionsDocument::parse(text).map_err(|problem| format!("line {}: {}", problem.line, problem.message))?;
    let Some(entry) = document.entries.iter().find(|entry| entry.key == key) else {
        let known: Vec<&str> = document.keys().collect();
        return Err(format!("has no entry `{key}` (its entries: {})", known.join(", ")));
    };
    let written = version.to_string();
    let edited = match entry.values.iter().find(|value| value.env == env.as_str()) {
        Some(value) => {
            let quote = (!value.plain).then(|| &text[value.span.0..value.span.0 + 1]);
            let scalar = match quote {
                Some(quote) => format!("{quote}{written}{quote}"),
                None => scalar(&written),
            };
            format!("{}{scalar}{}", &text[..value.span.0], &text[value.span.1..])
        }
        None => insert_line(text, entry, env, &scalar(&written))?,
    };
    // Whatever the layout, the result must read back with exactly this one value changed.
    let reread = VersionsDocument::parse(&edited).map_err(|_| cannot_edit(key))?;
    let expected = |entry_key: &str, entry_env: &str| match (entry_key == key, entry_env == env.as_str()) {
        (true, true) => Some(written.as_str()),
        _ => document.value(entry_key, entry_env),
    };
    let mut envs: Vec<&str> = vec![env.as_str()];
    envs.extend(
        document
            .entries
            .iter()
            .flat_map(|entry| entry.values.iter().map(|value| value.env.as_str())),
    );
    let same_keys = reread.keys().eq(document.keys());
    let same_values = (document.keys()).all(|entry_key| {
        envs.iter()
            .all(|e| reread.value(entry_key, e) == expected(entry_key, e))
    });
    if !(same_keys && same_values) {
        return Err(cannot_edit(key));
    }
    Ok(edited)
}

fn cannot_edit(key: &str) -> String {
    format!(
        "cannot edit entry `{key}` safely in this layout; write it as a block mapping (`{key}:` with one `<env>: <version>` line per environment)"
    )
}

/// A version as a scalar: plain where YAML reads it as a string, double-quoted otherwise
/// (a number-like tag, or a digest alone, which starts with the reserved `@`).
fn scalar(version: &str) -> String {
    if version.starts_with('@') || reads_as_non_string(version) {
        format!("\"{version}\"")
    } else {
        version.to_owned()
    }
}

/// `text` with a line `<env>: <scalar>` added to `entry`, after its last value's line and at
/// its indentation (two spaces under the key when it has none).
fn insert_line(text: &str, entry: &Entry, env: EnvId, scalar: &str) -> Result<String, String> {
    let (after, indent) = match entry.values.last() {
        Some(last) => {
            let line_start = text[..last.env_start].rfind('\n').map_or(0, |newline| newline + 1);
            let indent = &text[line_start..last.env_start];
            if !indent.bytes().all(|byte| byte == b' ') {
                return Err(cannot_edit(&entry.key));
            }
            (last.span.1, indent.to_owned())
        }
        None => {
            let key_line_start = nth_line_start(text, entry.line).ok_or_else(|| cannot_edit(&entry.key))?;
            (key_line_start, "  ".to_owned())
        }
    };
    let line_end = text[after..].find('\n').map_or(text.len(), |newline| after + newline);
    Ok(format!(
        "{}\n{indent}{env}: {scalar}{}",
        &text[..line_end],
        &text[line_end..]
    ))
}

/// The byte offset where 1-based line `line` starts.
fn nth_line_start(text: &str, line: u32) -> Option<usize> {
    if line == 1 {
        return Some(0);
    }
    let mut seen = 1;
    for (offset, byte) in text.bytes().enumerate() {
        if byte == b'\n' {
            seen += 1;
            if seen == line {
                return Some(offset + 1);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::image_versions::test_envs::Env;

    const FILE: &str = "# yaml-language-server: $schema=x.json\n# the shop\ngin:   # the API\n  dev: latest\n  stg: d74ac1c   # bumped by CI\n  prd: 'd74ac1c'\nnginx: {stg: abc}\n";

    fn version(text: &str) -> ImageVersion {
        text.parse().unwrap()
    }

    #[test]
    fn replaces_one_value_and_keeps_comments_and_quotes() {
        let edited = set_version(FILE, "gin", Env::Stg.id(), &version("e5f6a7b")).unwrap();
        assert_eq!(edited, FILE.replace("stg: d74ac1c ", "stg: e5f6a7b "));
        let edited = set_version(FILE, "gin", Env::Prd.id(), &version("1.10")).unwrap();
        assert_eq!(edited, FILE.replace("prd: 'd74ac1c'", "prd: '1.10'"));
        let edited = set_version(FILE, "gin", Env::Stg.id(), &version("1.10")).unwrap();
        assert_eq!(edited, FILE.replace("stg: d74ac1c ", "stg: \"1.10\" "));
        let digest = format!("@sha256:{}", "0a".repeat(32));
        let edited = set_version(FILE, "nginx", Env::Stg.id(), &version(&digest)).unwrap();
        assert_eq!(edited, FILE.replace("{stg: abc}", &format!("{{stg: \"{digest}\"}}")));
    }

    #[test]
    fn adds_a_missing_environment_under_the_entry() {
        let text = "gin:\n  dev: latest\n  stg: abc # x\nother:\n  stg: def\n";
        let edited = set_version(text, "gin", Env::Prd.id(), &version("abc")).unwrap();
        assert_eq!(
            edited,
            "gin:\n  dev: latest\n  stg: abc # x\n  prd: abc\nother:\n  stg: def\n"
        );
        let edited = set_version("gin:\n", "gin", Env::Prd.id(), &version("abc")).unwrap();
        assert_eq!(edited, "gin:\n  prd: abc\n");
    }

    #[test]
    fn refuses_what_it_cannot_edit_safely() {
        let error = set_version(FILE, "nginx", Env::Prd.id(), &version("abc")).unwrap_err();
        assert!(error.starts_with("cannot edit entry `nginx` safely"), "{error}");
        let error = set_version(FILE, "php", Env::Prd.id(), &version("abc")).unwrap_err();
        assert_eq!(error, "has no entry `php` (its entries: gin, nginx)");
    }
}
