//! How a rule reports: [`Problems`], and a platform's own rules as values ([`PlatformRule`]).

use super::index::{Index, Origin};
use crate::rule::Rule;

/// A rule a platform adds: its description and the check, which reads the same [`Index`] of
/// the rendered release as the built-in rules and reports through [`Problems`]. Its problems
/// are errors like any other (with file:line and `[rule: <id>]`), and an [`Exemption`]
/// naming it lifts it for one app.
///
/// ```
/// use kumiki_synth::rules::{Index, PlatformRule, Problems, Rule};
///
/// /// Every Deployment says which team owns it.
/// pub const OWNER_LABEL: Rule = Rule {
///     id: "acme.owner-label",
///     summary: "every Deployment carries the label acme.com/owner",
///     explanation: "On-call finds the team from the label. Fix: `.with_label(label!(\"acme.com/owner\", \"payments\"))`.",
/// };
///
/// fn owner_label<'a>(index: &Index<'a>, problems: &mut Problems<'a>) {
///     for object in index.of_kind("apps", "Deployment") {
///         if object.label("acme.com/owner").is_none() {
///             problems.report(object.origin(), format!("{} has no label acme.com/owner", object.describe()));
///         }
///     }
/// }
///
/// pub const RULES: &[PlatformRule] = &[PlatformRule { rule: &OWNER_LABEL, check: owner_label }];
/// ```
///
/// [`Exemption`]: crate::Exemption
#[derive(Clone, Copy)]
pub struct PlatformRule {
    /// The rule's id, summary and explanation.
    pub rule: &'static Rule,
    /// The check: reads the index, reports what it finds.
    pub check: for<'a> fn(&Index<'a>, &mut Problems<'a>),
}

/// A problem a rule found: the object (or app) at fault, the rule, and what is wrong.
pub(crate) struct Problem<'a> {
    pub(crate) origin: Origin<'a>,
    pub(crate) rule: &'static Rule,
    pub(crate) message: String,
}

/// Where one rule reports what it finds. A platform rule reports under its own id; the
/// built-in rule groups name the rule of each problem.
pub struct Problems<'a> {
    rule: &'static Rule,
    pub(crate) found: Vec<Problem<'a>>,
}

impl<'a> Problems<'a> {
    pub(crate) fn new(rule: &'static Rule) -> Problems<'a> {
        Problems {
            rule,
            found: Vec::new(),
        }
    }

    /// Reports `message` (naming the object, cause first) about the object or app at `origin`.
    pub fn report(&mut self, origin: Origin<'a>, message: impl Into<String>) {
        self.report_as(self.rule, origin, message);
    }

    /// Reports under `rule`, for the built-in rule groups that check several rules at once.
    pub(crate) fn report_as(&mut self, rule: &'static Rule, origin: Origin<'a>, message: impl Into<String>) {
        self.found.push(Problem {
            origin,
            rule,
            message: message.into(),
        });
    }
}
