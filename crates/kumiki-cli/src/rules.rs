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

/// A grant or an exemption of the platform: what it gives whom beyond the rules, and why.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Given {
    /// `grant` (a right to a service crate) or `exemption` (a rule lifted for an app).
    pub kind: &'static str,
    /// The service crate or app it is given to.
    pub to: String,
    /// The right, or the id of the rule lifted.
    pub what: String,
    /// Why the platform gives it.
    pub reason: String,
    /// The line of the platform that gives it.
    pub declared_at: String,
    /// The environments it is given in.
    pub envs: Vec<String>,
}

/// Every grant and exemption the platform of `workspace` gives, in any environment.
pub fn given(workspace: &Workspace) -> Vec<Given> {
    let mut given: Vec<Given> = Vec::new();
    for &env in workspace.envs {
        let (facts, _) = (workspace.platform)(env, &[]);
        let grants = (facts.authority.grants.iter()).map(|grant| Given {
            kind: "grant",
            to: grant.service.to_owned(),
            what: grant.right.to_string(),
            reason: grant.reason.to_owned(),
            declared_at: grant.declared_at.to_string(),
            envs: Vec::new(),
        });
        let exemptions = (facts.exemptions.iter()).map(|exemption| Given {
            kind: "exemption",
            to: exemption.app.to_string(),
            what: exemption.rule.id.to_owned(),
            reason: exemption.reason.to_owned(),
            declared_at: exemption.declared_at.to_string(),
            envs: Vec::new(),
        });
        for mut one in grants.chain(exemptions) {
            match given.iter_mut().find(|known| {
                (known.kind, &known.to, &known.what, &known.declared_at)
                    == (one.kind, &one.to, &one.what, &one.declared_at)
            }) {
                Some(known) => known.envs.push(env.to_string()),
                None => {
                    one.envs.push(env.to_string());
                    given.push(one);
                }
            }
        }
    }
    given.sort();
    given
}

/// The table `rules` prints: one line per rule, id then summary; then what the platform
/// grants and exempts beyond them.
pub fn render_all(rules: &[Listed], given: &[Given]) -> String {
    let mut out = render(rules);
    out.push('\n');
    if given.is_empty() {
        out.push_str("The platform grants no service crate more than its Authority and exempts no app from a rule.\n");
        return out;
    }
    out.push_str("Given by the platform beyond the rules:\n");
    for one in given {
        out.push_str(&format!(
            "  {:9}  {}: {} ({}), in {}, at {}\n",
            one.kind,
            one.to,
            one.what,
            one.reason,
            one.envs.join(", "),
            one.declared_at
        ));
    }
    out
}

/// The table of rules: one line per rule, id then summary.
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
