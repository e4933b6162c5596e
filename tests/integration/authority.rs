//! A service crate writes only what the platform granted it, whatever route the object takes
//! (the construct, a patch, a raw object, a type of the service's own): its kinds and
//! namespaces, its node groups, what its monitors make the scraper do, the mesh hosts it claims
//! and exports, the workloads its policies govern, the tokens it asks for. A grant to that
//! service, by name, lifts one refusal; a grant to no service crate of the model is itself an
//! error.

use kumiki::k8s_openapi::api::core::v1::{ConfigMap, Secret, Toleration};
use kumiki::k8s_openapi::api::networking::v1::{
    NetworkPolicy, NetworkPolicyIngressRule, NetworkPolicyPeer, NetworkPolicySpec,
};
use kumiki::k8s_openapi::api::rbac::v1::{ClusterRole, RoleBinding, RoleRef};
use kumiki::k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use kumiki::platform::{Grant, Kind, Right};
use kumiki::prelude::*;
use kumiki_tests::{meta, plain_kind, with_granted_intruder, with_intruder};
use platform::{Env, node_groups};
use serde_json::json;

/// The errors among `errors` that end with `tag` (`[rule: <id>]`).
fn of_rule<'e>(errors: &'e [String], tag: &str) -> Vec<&'e str> {
    errors
        .iter()
        .map(String::as_str)
        .filter(|error| error.ends_with(tag))
        .collect()
}

/// `message` at `line` of this file, for `object` of the intruder in prd, then `tag`.
fn at(line: u32, object: &str, message: &str, tag: &str) -> String {
    format!("{}:{line}: prd/intruder: {object}: {message} {tag}", file!())
}

/// The hint every refusal ends with: the grant that would lift it.
fn no_grant(code: &str) -> String {
    format!(
        "; service crate intruder holds no grant for it (if it must, the platform grants it in its Authority: \
         `Grant::new(\"intruder\", {code}, \"<why>\")`)"
    )
}

plain_kind!(Disguised, "", "v1", "ConfigMap", "configmaps");

#[test]
fn a_service_crate_writes_only_the_kinds_the_platform_allows_it_whatever_its_type_claims() {
    let (errors, lines) = with_intruder_lines(|app, lines| {
        lines.push(line!() + 1);
        app.add(ClusterRole {
            metadata: ObjectMeta {
                name: Some("everything".to_owned()),
                ..Default::default()
            },
            ..Default::default()
        });
        // Its Rust type says ConfigMap; its bytes say ClusterRole.
        lines.push(line!() + 1);
        app.add(Disguised {
            api_version: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRole",
            metadata: ObjectMeta {
                name: Some("disguised".to_owned()),
                ..Default::default()
            },
            spec: serde_json::Value::Null,
        });
    });
    let code = "Right::Kind(Kind::new(\"rbac.authorization.k8s.io\", \"ClusterRole\"))";
    let message = format!(
        "the platform lets no service crate write a ClusterRole{}",
        no_grant(code)
    );
    assert_eq!(
        of_rule(&errors, "[rule: authority.kind]"),
        [
            at(lines[0], "ClusterRole everything", &message, "[rule: authority.kind]"),
            at(lines[1], "ClusterRole disguised", &message, "[rule: authority.kind]"),
        ]
    );
}

#[test]
fn a_grant_lifts_the_refusal_for_that_service_only_and_a_binding_to_a_cluster_role_needs_its_own() {
    let grants = vec![
        Grant::new(
            "intruder",
            Right::Kind(Kind::new("", "Namespace")),
            "creates its tenant namespace",
        ),
        Grant::new(
            "intruder",
            Right::Kind(Kind::new("rbac.authorization.k8s.io", "RoleBinding")),
            "binds its own Role",
        ),
    ];
    let mut line = 0;
    let errors = with_granted_intruder(Env::Prd, grants, |app| {
        app.add(kumiki::k8s_openapi::api::core::v1::Namespace {
            metadata: ObjectMeta {
                name: Some("tenant".to_owned()),
                ..Default::default()
            },
            ..Default::default()
        });
        line = line!() + 1;
        app.add(RoleBinding {
            metadata: meta("admin"),
            role_ref: RoleRef {
                api_group: "rbac.authorization.k8s.io".to_owned(),
                kind: "ClusterRole".to_owned(),
                name: "admin".to_owned(),
            },
            subjects: None,
        });
    });
    let code = "Right::Kind(Kind::new(\"rbac.authorization.k8s.io\", \"ClusterRole\"))";
    assert_eq!(
        of_rule(&errors, "[rule: authority.kind]"),
        [at(
            line,
            "RoleBinding services/admin",
            &format!(
                "binds a ClusterRole, whose rights the platform defines{}",
                no_grant(code)
            ),
            "[rule: authority.kind]"
        )]
    );
}

#[test]
fn a_service_crate_writes_only_into_the_namespaces_services_are_given_through_a_raw_object_and_a_patch() {
    let (errors, lines) = with_intruder_lines(|app, lines| {
        lines.push(line!() + 1);
        app.add(ConfigMap {
            metadata: ObjectMeta {
                name: Some("settings".to_owned()),
                namespace: Some("argocd".to_owned()),
                ..Default::default()
            },
            ..Default::default()
        });
        let service = kumiki_tests::shop(Env::Prd).named(name!("intruder"));
        lines.push(line!() + 1);
        let service = service.patch_deployment(|deployment| {
            deployment.metadata.namespace = Some("istio-system".to_owned());
        });
        app.absorb(service.build());
    });
    let message = |namespace: &str| {
        format!(
            "is in namespace {namespace}, which the platform does not give service crates{}",
            no_grant(&format!("Right::Namespace(name!({namespace:?}))"))
        )
    };
    assert_eq!(
        of_rule(&errors, "[rule: authority.namespace]"),
        [
            at(
                lines[0],
                "ConfigMap argocd/settings",
                &message("argocd"),
                "[rule: authority.namespace]"
            ),
            at(
                lines[1],
                "Deployment istio-system/intruder",
                &message("istio-system"),
                "[rule: authority.namespace]"
            ),
        ]
    );
}

#[test]
fn a_services_pods_stay_off_reserved_node_groups_through_the_construct_and_a_patch_unless_granted() {
    let (errors, lines) = with_intruder_lines(|app, lines| {
        lines.push(line!() + 1);
        let pinned = kumiki_tests::shop(Env::Prd)
            .named(name!("pinned"))
            .pin_to(&node_groups::SYSTEM);
        app.absorb(pinned.build());
        let service = kumiki_tests::shop(Env::Prd).named(name!("tolerant"));
        lines.push(line!() + 1);
        let service = service.patch_deployment(|deployment| {
            let pod = deployment.spec.as_mut().unwrap().template.spec.as_mut().unwrap();
            pod.tolerations = Some(vec![Toleration {
                key: Some("node.kubernetes.io/nodegroup".to_owned()),
                operator: Some("Exists".to_owned()),
                ..Default::default()
            }]);
        });
        app.absorb(service.build());
    });
    let message = |group: &str| {
        format!(
            "is placed on node group {group}, which the platform reserves for its own components{}",
            no_grant(&format!("Right::NodeGroup(label_value!({group:?}))"))
        )
    };
    assert_eq!(
        of_rule(&errors, "[rule: authority.node-group]"),
        [
            at(
                lines[0],
                "Deployment services/pinned",
                &message("system"),
                "[rule: authority.node-group]"
            ),
            at(
                lines[1],
                "Deployment services/tolerant",
                &message("deploy"),
                "[rule: authority.node-group]"
            ),
            at(
                lines[1],
                "Deployment services/tolerant",
                &message("ingress"),
                "[rule: authority.node-group]"
            ),
            at(
                lines[1],
                "Deployment services/tolerant",
                &message("system"),
                "[rule: authority.node-group]"
            ),
        ]
    );
    let grants = vec![Grant::new(
        "intruder",
        Right::NodeGroup(node_groups::SYSTEM.name),
        "runs beside the platform's collectors",
    )];
    let errors = with_granted_intruder(Env::Prd, grants, |app| {
        let pinned = kumiki_tests::shop(Env::Prd)
            .named(name!("pinned"))
            .pin_to(&node_groups::SYSTEM);
        app.absorb(pinned.build());
    });
    assert_eq!(of_rule(&errors, "[rule: authority.node-group]"), Vec::<&str>::new());
}

plain_kind!(
    Monitor,
    "monitoring.coreos.com",
    "monitoring.coreos.com/v1",
    "ServiceMonitor",
    "servicemonitors"
);

#[test]
fn a_services_monitor_scrapes_its_own_pods_as_the_platforms_scraper() {
    let (errors, lines) = with_intruder_lines(|app, lines| {
        let (service, http) = kumiki_tests::shop_and_port(Env::Prd);
        app.absorb(service.named(name!("intruder")).metrics(&http, "/metrics").build());
        lines.push(line!() + 1);
        app.add(Monitor {
            api_version: "monitoring.coreos.com/v1",
            kind: "ServiceMonitor",
            metadata: meta("impersonate"),
            spec: json!({
                "selector": {"matchLabels": {"app.kubernetes.io/name": "account"}},
                "namespaceSelector": {"any": true},
                "jobLabel": "team",
                "endpoints": [{
                    "port": "http",
                    "bearerTokenFile": "/var/run/secrets/kubernetes.io/serviceaccount/token",
                    "tlsConfig": {"keyFile": "/etc/prometheus/secrets/admin/key.pem"},
                    "relabelings": [{"targetLabel": "job", "replacement": "account"}, {"action": "labelmap", "regex": "(.*)"}],
                    "honorLabels": true
                }]
            }),
        });
    });
    let object = "ServiceMonitor services/impersonate";
    let mut expected: Vec<String> = [
        "looks for targets beyond its namespace services: a service's monitor scrapes only its own pods",
        "scrapes the pods of app account: a service's monitor scrapes only its own pods",
        "sets `jobLabel`, so its samples would carry a job named by a label: leave the job to the scraper",
        "endpoint 1: `bearerTokenFile` makes the scraper send credentials the service chose",
        "endpoint 1: `tlsConfig.keyFile` makes the scraper use its file /etc/prometheus/secrets/admin/key.pem, \
         outside the mesh certificates the platform declares for it",
        "endpoint 1: a relabeling writes `job`, which says which target a sample comes from",
        "endpoint 1: a `labelmap` relabeling can write any label, including the target's identity",
        "endpoint 1: `honorLabels: true` lets the scraped samples keep their own `job` and `namespace`",
    ]
    .iter()
    .map(|message| at(lines[0], object, message, "[rule: authority.monitor]"))
    .collect();
    expected.sort();
    // The construct's own monitor (mesh certificates of the platform's scraper) passes.
    assert_eq!(of_rule(&errors, "[rule: authority.monitor]"), expected);
}

plain_kind!(
    Route,
    "networking.istio.io",
    "networking.istio.io/v1",
    "VirtualService",
    "virtualservices"
);

#[test]
fn a_service_claims_only_its_own_mesh_hosts_and_exports_them_only_where_allowed() {
    let route = |name: &str, spec: serde_json::Value| Route {
        api_version: "networking.istio.io/v1",
        kind: "VirtualService",
        metadata: meta(name),
        spec,
    };
    let (errors, lines) = with_intruder_lines(|app, lines| {
        lines.push(line!() + 1);
        app.add(route(
            "everything",
            json!({"hosts": ["*"], "exportTo": ["*"], "http": [{"route": [{"destination": {"host": "account"}}]}]}),
        ));
        lines.push(line!() + 1);
        app.add(route(
            "payments",
            json!({"hosts": ["api.stripe.com"], "http": [{"route": [{"destination": {"host": "account"}}]}]}),
        ));
    });
    let hosts = of_rule(&errors, "[rule: authority.mesh-host]");
    assert_eq!(
        hosts,
        [
            at(
                lines[0],
                "VirtualService services/everything",
                &format!(
                    "claims the wildcard host \"*\", which covers other services' hosts{}",
                    no_grant("Right::Host(\"*\".into())")
                ),
                "[rule: authority.mesh-host]"
            ),
            at(
                lines[1],
                "VirtualService services/payments",
                &format!(
                    "claims host \"api.stripe.com\", which is no Service of the release and no host the platform \
                     registers{}",
                    no_grant("Right::Host(\"api.stripe.com\".into())")
                ),
                "[rule: authority.mesh-host]"
            ),
        ]
    );
    assert_eq!(
        of_rule(&errors, "[rule: authority.export]"),
        [
            at(
                lines[0],
                "VirtualService services/everything",
                "is exported to \"*\", beyond its namespace, its declared callers' and those the platform lets services export to",
                "[rule: authority.export]"
            ),
            at(
                lines[1],
                "VirtualService services/payments",
                "sets no `exportTo`, so the mesh shows it to every namespace: export it to \".\"",
                "[rule: authority.export]"
            ),
        ]
    );
    let grants = vec![Grant::new(
        "intruder",
        Right::Host("api.stripe.com".to_owned()),
        "routes its payment provider's API",
    )];
    let errors = with_granted_intruder(Env::Prd, grants, |app| {
        app.add(route("payments", json!({"hosts": ["api.stripe.com"], "exportTo": ["."], "http": [{"route": [{"destination": {"host": "account"}}]}]})));
    });
    assert_eq!(of_rule(&errors, "[rule: authority.mesh-host]"), Vec::<&str>::new());
}

plain_kind!(
    Policy,
    "security.istio.io",
    "security.istio.io/v1",
    "AuthorizationPolicy",
    "authorizationpolicies"
);

#[test]
fn a_services_policies_govern_its_own_workloads_and_name_their_sources() {
    let (errors, lines) = with_intruder_lines(|app, lines| {
        lines.push(line!() + 1);
        app.add(Policy {
            api_version: "security.istio.io/v1",
            kind: "AuthorizationPolicy",
            metadata: meta("deny-all"),
            spec: json!({"action": "DENY", "rules": [{}]}),
        });
        lines.push(line!() + 1);
        app.add(NetworkPolicy {
            metadata: meta("open"),
            spec: Some(NetworkPolicySpec {
                pod_selector: Some(LabelSelector {
                    match_labels: Some([("app.kubernetes.io/name".to_owned(), "account".to_owned())].into()),
                    ..Default::default()
                }),
                ingress: Some(vec![
                    NetworkPolicyIngressRule::default(),
                    NetworkPolicyIngressRule {
                        from: Some(vec![NetworkPolicyPeer {
                            namespace_selector: Some(LabelSelector::default()),
                            ..Default::default()
                        }]),
                        ..Default::default()
                    },
                ]),
                ..Default::default()
            }),
        });
    });
    assert_eq!(
        of_rule(&errors, "[rule: authority.policy]"),
        [
            at(
                lines[0],
                "AuthorizationPolicy services/deny-all",
                "selects no workload, so it governs every workload of namespace services: select the app's own pods",
                "[rule: authority.policy]"
            ),
            at(
                lines[1],
                "NetworkPolicy services/open",
                "governs pods of app account: a service's policies govern its own workloads",
                "[rule: authority.policy]"
            ),
            at(
                lines[1],
                "NetworkPolicy services/open",
                "ingress rule 1 names no source, so it admits every source: name the callers",
                "[rule: authority.policy]"
            ),
            at(
                lines[1],
                "NetworkPolicy services/open",
                "ingress rule 2 admits every pod of every namespace: name the callers",
                "[rule: authority.policy]"
            ),
        ]
    );
}

#[test]
fn a_service_asks_only_for_its_own_service_accounts_tokens() {
    let (errors, lines) = with_intruder_lines(|app, lines| {
        lines.push(line!() + 1);
        app.add(Secret {
            metadata: ObjectMeta {
                annotations: Some([("kubernetes.io/service-account.name".to_owned(), "account".to_owned())].into()),
                ..meta("borrowed-token")
            },
            type_: Some("kubernetes.io/service-account-token".to_owned()),
            ..Default::default()
        });
    });
    assert_eq!(
        of_rule(&errors, "[rule: authority.token]"),
        [at(
            lines[0],
            "Secret services/borrowed-token",
            "asks the cluster for the token of ServiceAccount \"account\", which its app does not declare: a service \
             holds only its own ServiceAccounts' tokens",
            "[rule: authority.token]"
        )]
    );
}

#[test]
fn a_grant_to_no_service_crate_of_the_model_is_an_error_at_the_grant() {
    let line = line!() + 1;
    let grants = vec![Grant::new(
        "intrduer",
        Right::NodeGroup(node_groups::SYSTEM.name),
        "typo",
    )];
    let errors = with_granted_intruder(Env::Prd, grants, |_| {});
    assert_eq!(
        of_rule(&errors, "[rule: authority.grant]"),
        [format!(
            "{}:{line}: prd/intrduer: the platform grants placing pods on node group system to service crate \
             intrduer, but no app of the model comes from a service crate of that name [rule: authority.grant]",
            file!()
        )]
    );
}

#[test]
fn the_reference_platform_grants_nothing_unseen_and_its_services_hold_to_it() {
    let facts = kumiki_tests::facts(Env::Prd);
    assert!(
        facts
            .authority
            .kinds
            .iter()
            .all(|kind| kind.group != "rbac.authorization.k8s.io")
    );
    assert!(facts.authority.reserved_node_groups.contains(&node_groups::SYSTEM.name));
    let (errors, _) = with_intruder(Env::Prd, |_| 0);
    assert!(
        errors.iter().all(|error| !error.contains("[rule: authority.")),
        "{errors:#?}"
    );
}

/// [`with_intruder`], collecting the lines the test pushes.
fn with_intruder_lines(add: impl FnOnce(&mut App, &mut Vec<u32>)) -> (Vec<String>, Vec<u32>) {
    let mut lines = Vec::new();
    let errors = with_granted_intruder(Env::Prd, Vec::new(), |app| add(app, &mut lines));
    (errors, lines)
}
