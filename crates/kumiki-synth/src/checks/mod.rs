//! The checks across the objects of one environment: what types cannot prove.
//!
//! They read the final typed objects (whether a construct made them or they were added by
//! hand, after every patch), through one [`Index`] built once. Each rule group has one shape,
//! `fn(&Index, &mut Problems)`; a problem carries the app that added the object, the rule
//! group, the message and the source line the object was declared at.

mod argocd;
mod index;
mod mesh;
mod nodes;
mod pods;
mod secrets;
mod structure;
mod telemetry;
mod views;
mod workloads;

pub(crate) use index::{Entry, Index, Origin};

/// A problem found by a check.
pub(crate) struct Problem<'a> {
    /// The object (or app) at fault: its app and the line that declared it.
    pub(crate) origin: Origin<'a>,
    /// The rule group that found it.
    pub(crate) rule: &'static str,
    /// What is wrong, naming the object.
    pub(crate) message: String,
}

/// Where a rule group reports what it finds.
pub(crate) struct Problems<'a> {
    rule: &'static str,
    found: Vec<Problem<'a>>,
}

impl<'a> Problems<'a> {
    /// Reports `message` about the object (or app) at `origin`.
    pub(crate) fn report(&mut self, origin: Origin<'a>, message: String) {
        self.found.push(Problem {
            origin,
            rule: self.rule,
            message,
        });
    }
}

/// A named group of rules.
struct RuleGroup {
    name: &'static str,
    check: for<'a> fn(&Index<'a>, &mut Problems<'a>),
}

/// Every rule group, in the order their problems are gathered (they are sorted afterwards).
const RULE_GROUPS: [RuleGroup; 8] = [
    RuleGroup {
        name: "workloads",
        check: workloads::check,
    },
    RuleGroup {
        name: "pods",
        check: pods::check,
    },
    RuleGroup {
        name: "mesh",
        check: mesh::check,
    },
    RuleGroup {
        name: "argocd",
        check: argocd::check,
    },
    RuleGroup {
        name: "secrets",
        check: secrets::check,
    },
    RuleGroup {
        name: "structure",
        check: structure::check,
    },
    RuleGroup {
        name: "telemetry",
        check: telemetry::check,
    },
    RuleGroup {
        name: "nodes",
        check: nodes::check,
    },
];

/// Every problem the rule groups find in `index`.
pub(crate) fn check<'a>(index: &Index<'a>) -> Vec<Problem<'a>> {
    let mut problems = Problems {
        rule: "",
        found: Vec::new(),
    };
    for group in &RULE_GROUPS {
        problems.rule = group.name;
        (group.check)(index, &mut problems);
    }
    problems.found
}
