//! `rules` and `explain`: every rule synth checks (kumiki's and the platform's own), and one
//! rule's explanation, as `[rule: <id>]` in an error names it.

use kumiki::rules::Rule;

use crate::{Failure, Workspace};

/// A rule and where it comes from.
pub struct Listed {
    /// The rule.
    pub rule: &'static Rule,
    /// `kumiki` (built in) or `platform` (added by the workspace's platform).
    pub source: &'static str,
}

/// Every rule of `workspace`, in id order.
pub fn list(workspace: &Workspace) -> Vec<Listed> {
    let built_in = kumiki::rules::built_in()
        .into_iter()
        .map(|rule| Listed { rule, source: "kumiki" });
    let platform = (workspace.rules.iter()).map(|rule| Listed {
        rule: rule.rule,
        source: "platform",
    });
    let mut rules: Vec<Listed> = built_in.chain(platform).collect();
    rules.sort_by_key(|listed| listed.rule.id);
    rules
}

/// The table `rules` prints: one line per rule, id then summary.
pub fn render(rules: &[Listed]) -> String {
    let width = rules
        .iter()
        .map(|listed| listed.rule.id.len())
        .max()
        .unwrap_or_default();
    let mut out = String::new();
    for listed in rules {
        let marker = if listed.source == "platform" { " (platform)" } else { "" };
        out.push_str(&format!("{:width$}  {}{marker}\n", listed.rule.id, listed.rule.summary));
    }
    out
}

/// What `explain <id>` prints: the rule's id, summary and explanation. An unknown id is
/// refused, naming the ids that start like it.
pub fn explain(workspace: &Workspace, id: &str) -> Result<String, Failure> {
    let rules = list(workspace);
    let Some(listed) = rules.iter().find(|listed| listed.rule.id == id) else {
        let near: Vec<&str> = (rules.iter())
            .map(|listed| listed.rule.id)
            .filter(|known| distance(known, id) <= 2)
            .collect();
        let hint = match near.as_slice() {
            [] => format!("`{} rules` lists them", workspace.command),
            near => format!("did you mean {}?", near.join(" or ")),
        };
        return Err(Failure::Unknown(format!("no rule has the id \"{id}\": {hint}")));
    };
    let rule = listed.rule;
    let source = match listed.source {
        "platform" => " (the platform's own rule)",
        _ => "",
    };
    Ok(format!(
        "{}{source}\n  {}\n\n{}\n",
        rule.id, rule.summary, rule.explanation
    ))
}

/// The edit distance of `a` and `b` (insertions, deletions and substitutions of characters).
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, left) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, right) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(left != *right);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::distance;

    #[test]
    fn near_ids_are_a_few_edits_apart() {
        assert_eq!(distance("pod.probe", "pod.probes"), 1);
        assert_eq!(distance("pod.prbes", "pod.probes"), 1);
        assert_eq!(distance("mesh.route", "pod.probes"), 8);
        assert_eq!(distance("", "abc"), 3);
    }
}
