//! The pod rules on every pod template of the release, however it was written (construct,
//! patch, raw object, a type of the service's own): the restricted profile, the platform's
//! pod policy, placement on its node groups; lifted only by the platform's exemptions.

use kumiki::k8s_openapi::api::apps::v1::Deployment;
use kumiki::k8s_openapi::api::core::v1::{ServiceAccount, Toleration};
use kumiki::platform::{Exemption, NODE_GROUP_LABEL};
use kumiki::prelude::*;
use kumiki::rules::{POD_PRIVILEGED, POD_RULES};
use kumiki::synth::Model;
use kumiki_tests::{bare, errors, meta, plain_kind, with_intruder};
use platform::Env;

/// A raw Deployment of app `rogue` as a careless team would write it: every pod rule broken.
const ROGUE: &str = "apiVersion: apps/v1
kind: Deployment
metadata: {name: rogue, namespace: services}
spec:
  selector: {matchLabels: {app: rogue}}
  template:
    metadata: {labels: {app: rogue}}
    spec:
      hostNetwork: true
      volumes:
      - name: docker
        hostPath: {path: /var/run/docker.sock}
      containers:
      - name: main
        image: acme/rogue:latest
        ports: [{containerPort: 80, hostPort: 80}]
        securityContext:
          privileged: true
          capabilities: {add: [SYS_ADMIN]}
          runAsUser: 0
";

/// App `rogue` holding the rogue Deployment, and the line that added it.
fn rogue() -> (App, u32) {
    let mut app = App::new(name!("rogue"));
    let line = line!() + 1;
    app.add(serde_saphyr::from_str::<Deployment>(ROGUE).unwrap());
    (app, line)
}

#[test]
fn a_raw_workload_is_held_to_the_restricted_profile_and_the_platform_policy() {
    let (app, line) = rogue();
    let errors = errors(bare(Env::Prd, vec![app]));
    let at = |message: &str| format!("{}:{line}: prd/rogue: Deployment services/rogue: {message}", file!());
    let expected = [
        at("shares the node's network namespace [rule: pod.host-namespaces]"),
        at("volume \"docker\" is of type hostPath, which the restricted profile forbids [rule: pod.volume-types]"),
        at("container \"main\": runs privileged [rule: pod.privileged]"),
        at("container \"main\": does not set allowPrivilegeEscalation: false [rule: pod.privilege-escalation]"),
        at("container \"main\": does not drop ALL capabilities [rule: pod.capabilities]"),
        at("container \"main\": adds capability SYS_ADMIN [rule: pod.capabilities]"),
        at("container \"main\": does not set runAsNonRoot: true [rule: pod.run-as-non-root]"),
        at("container \"main\": runs as user 0 (root) [rule: pod.run-as-non-root]"),
        at(
            "container \"main\": has no seccompProfile RuntimeDefault or Localhost (on the pod or the container) [rule: pod.seccomp]",
        ),
        at("container \"main\": binds host port 80 [rule: pod.host-ports]"),
        at("container \"main\": requests no cpu [rule: pod.resources]"),
        at("container \"main\": requests no memory [rule: pod.resources]"),
        at("container \"main\": has no memory limit [rule: pod.resources]"),
        at("container \"main\": has no readiness probe [rule: pod.probes]"),
        at("container \"main\": has no liveness probe [rule: pod.probes]"),
        at(
            "container \"main\": image \"acme/rogue:latest\" is not pinned: prd needs a tag that is not floating (`latest`, `main`, ...), or a digest [rule: pod.image]",
        ),
        at("runs as the namespace's default ServiceAccount: give the workload its own [rule: pod.service-account]"),
    ];
    for message in &expected {
        assert!(errors.contains(message), "missing: {message}\nin: {errors:#?}");
    }
    assert_eq!(errors.len(), expected.len(), "{errors:#?}");
    // Every pod rule fires on it: the exemption list below covers them all.
    for rule in POD_RULES.iter().filter(|rule| rule.id != "pod.placement") {
        assert!(
            errors.iter().any(|e| e.ends_with(&format!("[rule: {}]", rule.id))),
            "{}",
            rule.id
        );
    }
}

#[test]
fn the_platform_exempts_an_app_from_a_rule_by_its_id() {
    // The platform exempts the rogue app from every rule but one: that one still holds.
    let (app, line) = rogue();
    let exemptions = (POD_RULES.iter())
        .filter(|rule| ***rule != POD_PRIVILEGED)
        .map(|rule| Exemption::new(name!("rogue"), rule, "a node agent, reviewed by the platform team"))
        .collect();
    let mut model = bare(Env::Prd, vec![app]);
    model.facts.exemptions = exemptions;
    assert_eq!(
        errors(model),
        [format!(
            "{}:{line}: prd/rogue: Deployment services/rogue: container \"main\": runs privileged [rule: pod.privileged]",
            file!()
        )]
    );
    // An exemption of an app the model lacks lifts nothing and is refused at its line (a rule
    // that does not exist does not compile: tests/ui/exemption_unknown_rule.rs).
    let (app, _) = rogue();
    let mut model = bare(Env::Prd, vec![app]);
    let exemption_line = line!() + 1;
    model.facts.exemptions = vec![Exemption::new(name!("rouge"), &POD_PRIVILEGED, "typo")];
    let errors = errors(model);
    let refusal = format!(
        "{}:{exemption_line}: prd/rouge: the platform exempts app rouge from rule pod.privileged, but the model has \
         no app rouge [rule: platform.exemption]",
        file!()
    );
    assert!(errors.contains(&refusal), "{errors:#?}");
}

#[test]
fn a_service_crate_has_no_way_to_exempt_itself() {
    // Exemptions are platform facts: they reach synth beside the apps, never inside one. The
    // only model a service crate shapes is its app; what the command line builds for it
    // carries the platform's facts alone.
    let model: Model = xtask::model(Env::Prd);
    assert!(model.facts.exemptions.is_empty(), "{:?}", model.facts.exemptions);
    let account = model.apps.iter().find(|app| app.name().as_str() == "account").unwrap();
    assert_eq!(account.owner(), kumiki::model::Owner::Service("account"));
}

#[test]
fn a_patch_that_breaks_the_pod_rules_is_reported_at_the_patch() {
    let service = kumiki_tests::shop(Env::Prd);
    let line = line!() + 1;
    let app = service.patch_deployment(|deployment| {
        let pod = deployment.spec.as_mut().unwrap().template.spec.as_mut().unwrap();
        pod.host_pid = Some(true);
        pod.service_account_name = Some("payments".to_owned());
        let security = pod.containers[0].security_context.as_mut().unwrap();
        security.privileged = Some(true);
    });
    let at = |message: &str| format!("{}:{line}: prd/shop: Deployment services/shop: {message}", file!());
    assert_eq!(
        errors(bare(Env::Prd, vec![app.build()])),
        [
            at("container \"web\": runs privileged [rule: pod.privileged]"),
            at(
                "runs as ServiceAccount \"payments\", which its app shop does not declare in services: a workload runs \
                as its own identity [rule: pod.service-account]"
            ),
            at("shares the node's process namespace [rule: pod.host-namespaces]"),
        ]
    );
}

plain_kind!(PlainJob, "batch", "batch/v1", "Job", "jobs");

#[test]
fn a_pod_template_in_a_custom_type_is_checked_like_any_other() {
    let mut app = App::new(name!("batch"));
    app.add(ServiceAccount {
        metadata: meta("migrate"),
        ..Default::default()
    });
    let line = line!() + 1;
    app.add(PlainJob {
        api_version: "batch/v1",
        kind: "Job",
        metadata: meta("migrate"),
        spec: serde_json::json!({"template": {"spec": {
            "serviceAccountName": "migrate",
            "restartPolicy": "Never",
            "hostIPC": true,
            "securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{
                "name": "migrate",
                "image": "acme/migrate:1.0.0",
                "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"memory": "64Mi"}},
                "securityContext": {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}}
            }]
        }}}),
    });
    // A job's container needs no probes; sharing the node's IPC namespace is refused.
    assert_eq!(
        errors(bare(Env::Prd, vec![app])),
        [format!(
            "{}:{line}: prd/batch: Job services/migrate: shares the node's IPC namespace [rule: pod.host-namespaces]",
            file!()
        )]
    );
}

#[test]
fn a_patch_cannot_pin_pods_outside_the_clusters_node_groups() {
    let (errors, line) = with_intruder(Env::Prd, |app| {
        let service = kumiki_tests::shop(Env::Prd).named(name!("intruder"));
        let line = line!() + 1;
        let service = service.patch_deployment(|deployment| {
            let pod = deployment.spec.as_mut().unwrap().template.spec.as_mut().unwrap();
            pod.node_selector = Some([(NODE_GROUP_LABEL.to_owned(), "gpu".to_owned())].into());
            pod.tolerations = Some(vec![Toleration {
                operator: Some("Exists".to_owned()),
                ..Default::default()
            }]);
        });
        app.absorb(service.build());
        line
    });
    let at = |message: &str| {
        format!(
            "{}:{line}: prd/intruder: Deployment services/intruder: {message}",
            file!()
        )
    };
    assert_eq!(
        errors,
        [
            at("is pinned to node group \"gpu\", which prd does not have [rule: pod.placement]"),
            at("tolerates every taint [rule: pod.placement]"),
        ]
    );
}
