//! Reading an image versions file: its entries in order, each value with its line and byte
//! span, so that errors can name the line and an edit can replace exactly one value.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde_saphyr::Spanned;

/// A problem with an image versions file, at a line of it (1-based; 0 for the whole file).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileProblem {
    /// The line.
    pub line: u32,
    /// What is wrong, and what to write instead.
    pub message: String,
}

/// An image versions file as written: its entries in file order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionsDocument {
    pub(crate) entries: Vec<Entry>,
}

/// One entry: a container (`gin`) or a canary version of one (`gin@v2`), with its values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) key: String,
    pub(crate) line: u32,
    pub(crate) values: Vec<Value>,
}

/// One environment's version of an entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Value {
    pub(crate) env: String,
    /// Byte offset of the environment key (its column gives the entry's indentation).
    pub(crate) env_start: usize,
    pub(crate) text: String,
    pub(crate) line: u32,
    /// Byte span of the scalar as written, quotes included.
    pub(crate) span: (usize, usize),
    /// Written without quotes.
    pub(crate) plain: bool,
    /// Written with a YAML tag or anchor before it (`!!str 1.10`, `!!binary …`, `&a`): what a
    /// reader makes of it depends on the reader.
    pub(crate) decorated: bool,
}

impl VersionsDocument {
    /// Reads `text`. A file that is not YAML, or not a mapping of mappings of strings, is one
    /// problem at the line the reader stopped at.
    pub fn parse(text: &str) -> Result<VersionsDocument, FileProblem> {
        let top: Option<Pairs<Pairs<String>>> = serde_saphyr::from_str(text).map_err(|error| {
            let line = error.location().map_or(0, |location| location.line() as u32);
            let message = error.without_snippet().to_string();
            let message = match message.rfind(" at line ") {
                Some(at) => message[..at].to_owned(),
                None => message,
            };
            FileProblem { line, message }
        })?;
        let mut entries = Vec::new();
        for (key, values) in top.map(|top| top.0).unwrap_or_default() {
            let line = key.referenced.line() as u32;
            let values = (values.value.0.into_iter())
                .map(|(env, value)| {
                    let span = byte_span(&value);
                    let plain = !text[span.0..span.1].starts_with(['"', '\'']);
                    let before = &text[byte_span(&env).1..span.0];
                    let decorated = before.contains(['!', '&']);
                    Value {
                        env_start: byte_span(&env).0,
                        env: env.value,
                        text: value.value,
                        line: value.referenced.line() as u32,
                        span,
                        plain,
                        decorated,
                    }
                })
                .collect();
            entries.push(Entry {
                key: key.value,
                line,
                values,
            });
        }
        Ok(VersionsDocument { entries })
    }

    /// The entry keys in file order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|entry| entry.key.as_str())
    }

    /// The version text of entry `key` in environment `env`, as written.
    pub fn value(&self, key: &str, env: &str) -> Option<&str> {
        let entry = self.entries.iter().find(|entry| entry.key == key)?;
        let value = entry.values.iter().find(|value| value.env == env)?;
        Some(&value.text)
    }
}

fn byte_span<T>(spanned: &Spanned<T>) -> (usize, usize) {
    let span = spanned.referenced.span();
    // Parsed from a string, so the byte offsets are known.
    let start = span.byte_offset().unwrap_or_default() as usize;
    (start, start + span.byte_len().unwrap_or_default() as usize)
}

/// A mapping read as its pairs in file order, each with where it was written. An empty
/// value (`gin:` alone) reads as no pairs.
struct Pairs<V>(Vec<(Spanned<String>, Spanned<V>)>);

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Pairs<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PairsVisitor<V>(std::marker::PhantomData<V>);

        impl<'de, V: Deserialize<'de>> Visitor<'de> for PairsVisitor<V> {
            type Value = Pairs<V>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping")
            }

            fn visit_unit<E: de::Error>(self) -> Result<Pairs<V>, E> {
                Ok(Pairs(Vec::new()))
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Pairs<V>, A::Error> {
                let mut pairs = Vec::new();
                while let Some(key) = map.next_key::<Spanned<String>>()? {
                    pairs.push((key, map.next_value::<Spanned<V>>()?));
                }
                Ok(Pairs(pairs))
            }
        }

        deserializer.deserialize_any(PairsVisitor(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_keep_their_lines_and_spans() {
        let text = "# versions\ngin:\n  dev: latest\n  stg: \"1.10\" # quoted\n'gin@v2': {prd: abc}\n";
        let document = VersionsDocument::parse(text).unwrap();
        assert_eq!(document.keys().collect::<Vec<_>>(), ["gin", "gin@v2"]);
        let gin = &document.entries[0];
        assert_eq!(gin.line, 2);
        let stg = &gin.values[1];
        assert_eq!(
            (stg.env.as_str(), stg.text.as_str(), stg.line, stg.plain),
            ("stg", "1.10", 4, false)
        );
        assert_eq!(&text[stg.span.0..stg.span.1], "\"1.10\"");
        assert_eq!(document.value("gin@v2", "prd"), Some("abc"));
        assert_eq!(document.value("gin", "prd"), None);
    }

    #[test]
    fn malformed_files_are_one_problem_at_a_line() {
        let problem = VersionsDocument::parse("gin:\n  stg: [a]\n").unwrap_err();
        assert_eq!(problem.line, 2);
        assert!(problem.message.contains("expected string"), "{}", problem.message);
        let problem = VersionsDocument::parse("gin:\n  stg: a\n  stg: b\n").unwrap_err();
        assert_eq!(problem.line, 3);
        assert!(problem.message.contains("duplicate"), "{}", problem.message);
        assert_eq!(VersionsDocument::parse("# nothing yet\n").unwrap().entries, []);
    }
}
