//! The platform's own rules, checked by synth beside kumiki's on the rendered release
//! (`cargo xtask rules` lists them, `cargo xtask explain <id>` explains one).

use kumiki::rules::{Index, PlatformRule, Problems, Rule};

use crate::telemetry::SCRAPED_LABEL;
use crate::{PART_OF, namespaces};

/// Every pod of the services namespace is scraped.
pub const SCRAPED_PODS: Rule = Rule {
    id: "microservices.scraped-pods",
    summary: "every pod of the services' namespaces carries app.kubernetes.io/part-of=microservices",
    explanation: "Prometheus finds the services' pods through the `envoy-stats` PodMonitor (platform/src/telemetry.rs), \
                  which selects them by that label: a pod without it is never scraped, and Kiali and Grafana show \
                  nothing for it, with nothing in release/ saying why. The Microservice construct labels its pods \
                  from the platform's `Environment`; a workload added by hand or patched must keep the \
                  label.\n\nFix: `labels: Some(platform::environment(env).labels())` on the pod template's metadata.",
};

/// The rules this platform adds to kumiki's.
pub const RULES: &[PlatformRule] = &[PlatformRule {
    rule: &SCRAPED_PODS,
    check: scraped_pods,
}];

fn scraped_pods<'a>(index: &Index<'a>, problems: &mut Problems<'a>) {
    let scraped = |namespace: &str| (namespaces::SERVICE_NAMESPACES.iter()).any(|name| name.as_str() == namespace);
    let unlabelled = (index.pods().iter()).filter(|pod| {
        scraped(pod.namespace()) && pod.labels.get(SCRAPED_LABEL).map(String::as_str) != Some(PART_OF.as_str())
    });
    for pod in unlabelled {
        problems.report(
            pod.object.origin(),
            format!(
                "{}: its pods lack the label {SCRAPED_LABEL}={PART_OF}, by which Prometheus finds what to scrape in \
                 {}: nothing would scrape them",
                pod.describe(),
                pod.namespace()
            ),
        );
    }
}
