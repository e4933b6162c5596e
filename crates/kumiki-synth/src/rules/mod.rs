//! The rules: what types cannot prove, checked on the rendered release.
//!
//! Every rule reads one [`Index`] of the environment's objects as their JSON says they are
//! (never the Rust types that wrote them), after every patch, whichever route produced them.
//! A rule is a value with a stable id ([`Rule`]); the built-in ones are checked in groups
//! (`fn(&Index, &mut Problems)` each), a platform adds its own as [`PlatformRule`]s, and the
//! platform's [`Exemption`](crate::Exemption)s lift one rule for one app.

mod argocd;
mod authority;
mod catalog;
mod grammar;
mod index;
pub(crate) mod kinds;
mod mesh;
mod nodes;
mod pods;
mod problems;
pub mod reach;
mod secrets;
mod selectors;
mod structure;
mod telemetry;
mod validity;
#[cfg(any(test, feature = "test-hooks"))]
mod view_paths;
pub(crate) mod views;
mod workloads;

pub use crate::rule::Rule;
pub use catalog::*;
pub use index::{Index, Origin, PodTemplate, Rendered};
#[cfg(any(test, feature = "test-hooks"))]
pub use kinds::known_scopes;
pub(crate) use problems::Problem;
pub use problems::{PlatformRule, Problems};
#[cfg(any(test, feature = "test-hooks"))]
pub use view_paths::{ViewPaths, view_paths};

use std::collections::HashSet;

use crate::facts::Owner;

/// The rule groups of synthesis, each checking several rules of one concern.
const GROUPS: [for<'a> fn(&Index<'a>, &mut Problems<'a>); 11] = [
    validity::check,
    authority::check,
    workloads::check,
    pods::check,
    mesh::check,
    argocd::check,
    secrets::check,
    structure::check,
    telemetry::check,
    nodes::check,
    reach::check,
];

/// The pod rules of the restricted profile and the platform's pod policy: what an exemption
/// of a platform component usually lifts.
pub const POD_RULES: &[&Rule] = &[
    &POD_HOST_NAMESPACES,
    &POD_VOLUME_TYPES,
    &POD_RUN_AS_NON_ROOT,
    &POD_SECCOMP,
    &POD_PRIVILEGED,
    &POD_PRIVILEGE_ESCALATION,
    &POD_CAPABILITIES,
    &POD_HOST_PORTS,
    &POD_RESOURCES,
    &POD_PROBES,
    &POD_IMAGE,
    &POD_SERVICE_ACCOUNT,
    &POD_PLACEMENT,
];

/// Every problem the built-in rules and the platform's `rules` find in `index`, but those the
/// platform exempted.
pub(crate) fn check<'a>(index: &Index<'a>, rules: &[PlatformRule]) -> Vec<Problem<'a>> {
    let mut problems = Problems::new(&OBJECT_SHAPE);
    for (origin, message) in &index.malformed {
        problems.report(*origin, message.clone());
    }
    for group in GROUPS {
        group(index, &mut problems);
    }
    let mut found = problems.found;
    for rule in rules {
        let mut problems = Problems::new(rule.rule);
        (rule.check)(index, &mut problems);
        found.extend(problems.found);
    }
    superseded_by_authority(&mut found);
    let exemptions = &index.facts().exemptions;
    let exempted: HashSet<(&str, &str)> = (exemptions.iter())
        .map(|exemption| (exemption.app.as_str(), exemption.rule.id))
        .collect();
    found.retain(|problem| !exempted.contains(&(problem.origin.app, problem.rule.id)));
    found.extend(unknown_exempted_apps(index));
    found
}

/// A service's object its authority refuses (kind or namespace) is also outside its Argo CD
/// project's boundary when the platform derived one from the other: one cause, reported once,
/// as the authority's. (A granted object outside the project is still `argocd.boundary`'s.)
fn superseded_by_authority(found: &mut Vec<Problem>) {
    let refused: HashSet<(&str, kumiki_core::SourceLocation)> = (found.iter())
        .filter(|problem| [AUTHORITY_KIND.id, AUTHORITY_NAMESPACE.id].contains(&problem.rule.id))
        .map(|problem| (problem.origin.app, problem.origin.location))
        .collect();
    found.retain(|problem| {
        problem.rule.id != ARGOCD_BOUNDARY.id || !refused.contains(&(problem.origin.app, problem.origin.location))
    });
}

/// An exemption naming an app the model does not have lifts nothing: it is reported at the
/// line that granted it.
fn unknown_exempted_apps<'a>(index: &Index<'a>) -> Vec<Problem<'a>> {
    let mut problems = Problems::new(&PLATFORM_EXEMPTION);
    let unknown = (index.facts().exemptions.iter()).filter(|exemption| index.app(exemption.app.as_str()).is_none());
    for exemption in unknown {
        let origin = Origin {
            app: exemption.app.as_str(),
            owner: Owner::Platform,
            location: exemption.declared_at,
        };
        problems.report(
            origin,
            format!(
                "the platform exempts app {} from rule {}, but the model has no app {}",
                exemption.app, exemption.rule.id, exemption.app
            ),
        );
    }
    problems.found
}
