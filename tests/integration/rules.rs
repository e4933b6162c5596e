//! Rules as values: the catalogue (ids, summaries, explanations), a test for every rule, and
//! a platform's own rules reported like kumiki's.

use std::collections::BTreeSet;

use kumiki::k8s_openapi::api::apps::v1::Deployment;
use kumiki::platform::Exemption;
use kumiki::prelude::*;
use kumiki::rules::{Index, PlatformRule, Problems, Rule};
use kumiki::synth::Model;
use kumiki_tests::{bare, errors, meta, on_platform};
use platform::Env;

/// Every rule a release of this repository can report: kumiki's and the platform's own.
fn every_rule() -> Vec<&'static Rule> {
    let mut rules = kumiki::rules::built_in();
    rules.extend(platform::rules::RULES.iter().map(|rule| rule.rule));
    rules
}

#[test]
fn every_rule_has_a_unique_id_a_summary_and_an_explanation_with_a_fix() {
    let mut ids = BTreeSet::new();
    for rule in every_rule() {
        assert!(ids.insert(rule.id), "{} is listed twice", rule.id);
        let (area, what) = rule.id.split_once('.').unwrap_or_default();
        let lowercase =
            |part: &str| !part.is_empty() && part.chars().all(|c| c.is_ascii_lowercase() || c == '-' || c == '.');
        assert!(lowercase(area) && lowercase(what), "{} is not <area>.<what>", rule.id);
        assert!(
            !rule.summary.is_empty() && !rule.summary.ends_with('.'),
            "{}: summary",
            rule.id
        );
        assert!(
            rule.explanation.contains("Fix:"),
            "{}: the explanation shows no fix",
            rule.id
        );
    }
}

/// Every Rust source of the tests (this repository's and the example platform's).
fn test_sources() -> String {
    let root = xtask::workspace_root();
    let mut sources = String::new();
    // The example platform's tests are absent from a copy of the workspace without examples/.
    for dir in ["tests/integration", "examples/acme/cli/tests"] {
        for entry in std::fs::read_dir(root.join(dir)).into_iter().flatten().flatten() {
            if entry.path().extension().is_some_and(|extension| extension == "rs") {
                sources.push_str(&std::fs::read_to_string(entry.path()).unwrap());
            }
        }
    }
    sources
}

#[test]
fn every_rule_has_a_test_asserting_an_error_that_names_it() {
    let sources = test_sources();
    let untested: Vec<&str> = (every_rule().into_iter())
        .map(|rule| rule.id)
        .filter(|id| !sources.contains(&format!("[rule: {id}]")))
        .collect();
    assert!(untested.is_empty(), "no test asserts an error of {untested:?}");
}

#[test]
fn a_rule_of_the_platform_fires_at_the_line_that_broke_it_through_a_patch_and_a_raw_object() {
    let (service, _) = kumiki_tests::shop_and_port(Env::Prd);
    let patch_line = line!() + 1;
    let shop = service.patch_deployment(|deployment| {
        let template = &mut deployment.spec.as_mut().unwrap().template;
        (template.metadata.as_mut().unwrap().labels.as_mut().unwrap()).remove("app.kubernetes.io/part-of");
    });
    let mut raw = App::new(name!("batch"));
    let raw_line = line!() + 1;
    raw.add(serde_saphyr::from_str::<Deployment>(UNLABELLED).unwrap());
    let mut model = on_platform(Env::Prd, vec![shop.build(), raw]);
    // The raw workload is about the platform's rule: the pod rules are lifted for it.
    model.facts.exemptions = kumiki_tests::pod_exemptions(&model.apps[1..], "fixture for the platform's rule");
    let scraped = |line: u32, app: &str, what: &str| {
        format!(
            "{}:{line}: prd/{app}: {what}: its pods lack the label app.kubernetes.io/part-of=microservices, by which \
             Prometheus finds what to scrape in services: nothing would scrape them [rule: microservices.scraped-pods]",
            file!()
        )
    };
    assert_eq!(
        errors(model),
        [
            scraped(patch_line, "shop", "Deployment services/shop"),
            scraped(raw_line, "batch", "Deployment services/batch"),
        ]
    );
    // The platform may exempt an app from its own rule, by the rule's value.
    let mut model = on_platform(Env::Prd, vec![App::new(name!("batch"))]);
    model.apps[0].add(serde_saphyr::from_str::<Deployment>(UNLABELLED).unwrap());
    let mut exemptions = kumiki_tests::pod_exemptions(&model.apps, "fixture");
    exemptions.push(Exemption::new(
        name!("batch"),
        &platform::rules::SCRAPED_PODS,
        "scraped by its own exporter",
    ));
    model.facts.exemptions = exemptions;
    assert_eq!(errors(model), Vec::<String>::new());
}

const UNLABELLED: &str = "apiVersion: apps/v1
kind: Deployment
metadata: {name: batch, namespace: services}
spec:
  selector: {matchLabels: {app: batch}}
  template:
    metadata: {labels: {app: batch}}
    spec: {containers: [{name: main, image: acme/batch:1.0.0}]}
";

/// A platform rule that reuses a built-in id.
const TAKEN: Rule = Rule {
    id: "pod.probes",
    summary: "a rule of a platform that reuses an id",
    explanation: "Fix: give it a prefix of its own.",
};

fn nothing<'a>(_: &Index<'a>, _: &mut Problems<'a>) {}

#[test]
fn a_platform_rule_cannot_take_a_built_in_id() {
    let mut app = App::new(name!("empty"));
    let line = line!() - 1;
    app.add(kumiki_tests::config_map(Some("services"), "settings", &[]));
    let model = Model {
        rules: &[PlatformRule {
            rule: &TAKEN,
            check: nothing,
        }],
        ..bare(Env::Dev, vec![app])
    };
    assert_eq!(
        errors(model),
        [format!(
            "{}:{line}: dev/empty: the platform's rule id \"pod.probes\" is already taken: give it a prefix of its own \
             [rule: platform.rule-id]",
            file!()
        )]
    );
}

/// An object whose `Serialize` fails.
struct Unwritable {
    metadata: kumiki::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
}

impl serde::Serialize for Unwritable {
    fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom("the clock is not available at synth"))
    }
}

kumiki_tests::own_kind!(Unwritable, "", "v1", "ConfigMap", "configmaps");

#[test]
fn an_object_that_cannot_be_serialized_is_an_error_at_its_line() {
    let mut app = App::new(name!("broken"));
    let line = line!() + 1;
    app.add(Unwritable {
        metadata: meta("clock"),
    });
    assert_eq!(
        errors(bare(Env::Dev, vec![app])),
        [format!(
            "{}:{line}: dev/broken: ConfigMap clock: cannot be serialized: the clock is not available at synth \
             [rule: object.render]",
            file!()
        )]
    );
}

#[test]
fn a_platform_that_declares_no_scraper_cannot_have_monitors_checked() {
    // The reference release has monitors; without the scraper fact they are refused, not passed.
    let mut model = xtask::model(Env::Prd);
    model.facts.scraper = None;
    let errors = errors(model);
    assert!(
        errors.iter().any(|error| error.contains(
            "PodMonitor prometheus/envoy-stats: the platform declares no metrics scraper (`PlatformFacts::scraper`), \
             so nothing can be checked to reach what it scrapes [rule: telemetry.scrape-path]"
        )),
        "{errors:#?}"
    );
}

#[test]
fn rules_lists_kumiki_s_and_the_platform_s_rules_and_explain_prints_one() {
    let workspace = xtask::workspace();
    let listed = xtask::rules::list(&workspace);
    let ids: Vec<&str> = listed.iter().map(|listed| listed.rule.id).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(ids, sorted, "in id order");
    assert_eq!(ids.len(), every_rule().len());
    let table = xtask::rules::render(&listed);
    assert!(
        table
            .lines()
            .any(|line| line.starts_with("microservices.scraped-pods ") && line.ends_with("(platform)")),
        "{table}"
    );
    assert!(
        table.contains(
            "pod.probes                  every long-running container has a readiness and a liveness probe\n"
        ),
        "{table}"
    );
    let explained = xtask::rules::explain(&workspace, "mesh.route-target").unwrap();
    assert!(
        explained.starts_with("mesh.route-target\n  every route lands on"),
        "{explained}"
    );
    assert!(explained.contains("\n\nA VirtualService destination"), "{explained}");
    let unknown = xtask::rules::explain(&workspace, "mesh.route-targets").unwrap_err();
    assert_eq!(unknown.exit_code(), 2);
    assert_eq!(
        unknown.to_string(),
        "error: no rule has the id \"mesh.route-targets\": did you mean mesh.route-target?"
    );
    // The JSON shape names where each rule comes from.
    let json = xtask::json::to_json(&xtask::json::RulesReport::new(
        &listed,
        &xtask::rules::given(&workspace),
    ));
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(report["format"], 1);
    let platform_rule = (report["rules"].as_array().unwrap().iter())
        .find(|rule| rule["id"] == "microservices.scraped-pods")
        .unwrap();
    assert_eq!(platform_rule["source"], "platform");
}

/// The reference platform with one grant more, in every environment.
fn granting_platform(
    env: kumiki::prelude::EnvId,
    services: &[kumiki::prelude::App],
) -> (kumiki::platform::PlatformFacts, Vec<kumiki::prelude::App>) {
    let (mut facts, apps) = platform::apps(xtask::of(env), services);
    facts.authority.grants.push(kumiki::platform::Grant::new(
        "orchestrator",
        kumiki::platform::Right::Host("api.example.com".to_owned()),
        "answers the partners' API host",
    ));
    (facts, apps)
}

#[test]
fn rules_lists_what_the_platform_grants_and_exempts_with_reasons_and_environments() {
    let workspace = xtask::Workspace {
        platform: granting_platform,
        ..xtask::workspace()
    };
    let given = xtask::rules::given(&workspace);
    // The line of the `Grant::new` in `granting_platform`.
    let (facts, _) = granting_platform(platform::Env::Prd.id(), &[]);
    let declared_at = facts.authority.grants.last().unwrap().declared_at.to_string();
    let line = declared_at.rsplit(':').next().unwrap();
    assert!(declared_at.starts_with(file!()), "{declared_at}");
    let grant = given
        .iter()
        .find(|one| one.kind == "grant")
        .expect("the grant is listed");
    assert_eq!(
        (
            grant.to.as_str(),
            grant.what.as_str(),
            grant.reason.as_str(),
            &grant.envs[..]
        ),
        (
            "orchestrator",
            "claiming mesh host \"api.example.com\"",
            "answers the partners' API host",
            &["dev".to_owned(), "stg".to_owned(), "prd".to_owned()][..]
        )
    );
    assert_eq!(grant.declared_at, format!("{}:{line}", file!()));
    let table = xtask::rules::render_all(&xtask::rules::list(&workspace), &given);
    assert!(
        table.contains(&format!(
            "  grant      orchestrator: claiming mesh host \"api.example.com\" (answers the partners' API host), in dev, stg, prd, at {}:{line}\n",
            file!()
        )),
        "{table}"
    );
    let json = xtask::json::to_json(&xtask::json::RulesReport::new(&xtask::rules::list(&workspace), &given));
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(
        report["given"]
            .as_array()
            .unwrap()
            .iter()
            .any(|one| one["kind"] == "grant" && one["to"] == "orchestrator")
    );
}
