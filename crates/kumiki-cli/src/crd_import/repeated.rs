//! Types a schema repeats, written once. A CRD spells a shape out again wherever it occurs
//! (Istio's traffic policy at the top of a DestinationRule, in each subset and each port
//! setting; every provider of a SecretStore its own `SecretKeySelector`), and kopium makes a
//! struct of each occurrence: half of a large module is copies. Each copy becomes an alias of
//! one definition, so the module compiles in half the time and the docs show one type per
//! shape. Struct literals, enum variants and patterns work through an alias as through the type.

use std::collections::{BTreeMap, BTreeSet};

/// One `pub struct` or `pub enum` of kopium's output: its lines, attributes and docs first.
struct Item<'a> {
    name: &'a str,
    lines: &'a [&'a str],
}

/// `module` with each struct or enum that repeats another's definition (the same fields,
/// attributes and types, up to the names of repeated types) replaced by an alias of it. The
/// definition kept is the one with the shortest name, the most general path of the schema.
pub(crate) fn merge_repeated_types(module: &str) -> String {
    let lines: Vec<&str> = module.lines().collect();
    let (items, spans) = items(&lines);
    let names: BTreeSet<&str> = items.iter().map(|item| item.name).collect();
    let mut canonical: BTreeMap<&str, &str> = names.iter().map(|name| (*name, *name)).collect();
    loop {
        let mut by_shape: BTreeMap<String, &str> = BTreeMap::new();
        let mut next = BTreeMap::new();
        let mut by_length: Vec<&Item> = items.iter().collect();
        by_length.sort_by_key(|item| item.name.len());
        for item in by_length {
            let chosen = *by_shape.entry(shape(item, &names, &canonical)).or_insert(item.name);
            next.insert(item.name, chosen);
        }
        if next == canonical {
            break;
        }
        canonical = next;
    }
    let mut out = Vec::with_capacity(lines.len());
    let mut at = 0;
    for (item, (start, end)) in items.iter().zip(spans) {
        out.extend(lines[at..start].iter().map(|line| (*line).to_owned()));
        let kept = canonical[item.name];
        if kept == item.name {
            out.extend(item.lines.iter().map(|line| (*line).to_owned()));
        } else {
            out.push(format!(
                "/// The same shape as [`{kept}`], where the schema repeats it."
            ));
            out.push(format!("pub type {} = {kept};", item.name));
        }
        at = end;
    }
    out.extend(lines[at..].iter().map(|line| (*line).to_owned()));
    out.join("\n")
}

/// The items of `lines` and the line range each spans (docs and attributes included).
fn items<'a>(lines: &'a [&'a str]) -> (Vec<Item<'a>>, Vec<(usize, usize)>) {
    let mut items = Vec::new();
    let mut spans = Vec::new();
    let mut at = 0;
    while at < lines.len() {
        let declared = (lines[at]
            .strip_prefix("pub struct ")
            .or_else(|| lines[at].strip_prefix("pub enum ")))
        .and_then(|rest| rest.strip_suffix(" {"));
        let (Some(name), Some(length)) = (declared, lines[at..].iter().position(|line| *line == "}")) else {
            at += 1;
            continue;
        };
        let mut start = at;
        while start > 0 && (lines[start - 1].starts_with("#[") || lines[start - 1].starts_with("///")) {
            start -= 1;
        }
        let end = at + length + 1;
        items.push(Item {
            name,
            lines: &lines[start..end],
        });
        spans.push((start, end));
        at = end;
    }
    (items, spans)
}

/// What makes two items the same type: every line but docs and the declared name, with the
/// names of the module's types replaced by the definitions they stand for.
fn shape(item: &Item<'_>, names: &BTreeSet<&str>, canonical: &BTreeMap<&str, &str>) -> String {
    let mut shape = String::new();
    for line in item.lines.iter().filter(|line| !line.trim_start().starts_with("///")) {
        let line = (line.strip_prefix("pub struct ").map(|_| "pub struct {"))
            .or_else(|| line.strip_prefix("pub enum ").map(|_| "pub enum {"))
            .unwrap_or(line);
        let mut word = String::new();
        for character in line.chars().chain(std::iter::once(' ')) {
            if character.is_alphanumeric() || character == '_' {
                word.push(character);
                continue;
            }
            let name = names.get(word.as_str()).map_or(word.as_str(), |name| canonical[name]);
            shape.push_str(name);
            shape.push(character);
            word.clear();
        }
        shape.push('\n');
    }
    shape
}

#[cfg(test)]
mod tests {
    use super::merge_repeated_types;

    #[test]
    fn a_repeated_shape_becomes_an_alias_of_the_shortest_name_and_parents_follow() {
        let module = "\
/// Top.
#[derive(Serialize)]
pub struct ASpec {
    pub policy: Option<APolicy>,
    pub subsets: Option<Vec<ASubsets>>,
}

#[derive(Serialize)]
pub struct ASubsets {
    /// Per subset.
    pub policy: Option<ASubsetsPolicy>,
}

/// The subset's policy.
#[derive(Serialize)]
pub struct ASubsetsPolicy {
    pub tls: Option<ASubsetsPolicyTls>,
}

#[derive(Serialize)]
pub struct ASubsetsPolicyTls {
    pub mode: String,
}

#[derive(Serialize)]
pub struct APolicy {
    pub tls: Option<APolicyTls>,
}

#[derive(Serialize)]
pub struct APolicyTls {
    /// The mode.
    pub mode: String,
}

#[derive(Serialize)]
pub struct AOther {
    pub mode: i64,
}";
        let merged = merge_repeated_types(module);
        assert!(merged.contains("pub type ASubsetsPolicyTls = APolicyTls;"), "{merged}");
        assert!(merged.contains("pub type ASubsetsPolicy = APolicy;"), "{merged}");
        assert!(
            merged.contains("pub struct APolicyTls {\n    /// The mode."),
            "{merged}"
        );
        assert!(merged.contains("pub struct AOther {"), "{merged}");
        assert!(merged.contains("pub struct ASubsets {"), "{merged}");
        assert_eq!(merged.matches("pub type").count(), 2, "{merged}");
    }
}
