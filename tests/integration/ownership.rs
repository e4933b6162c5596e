//! Only the app that owns a Service routes or authorizes it, an ALLOW policy selects its own
//! pods and names its sources, a service registers only the hosts the platform declares; and
//! a mesh object or NetworkPolicy of a service's own Rust type is held to the same rules.

use kumiki::crds::istio::{
    AuthorizationPolicy, AuthorizationPolicyAction, AuthorizationPolicyRules, AuthorizationPolicySelector,
    AuthorizationPolicySpec, ServiceEntry, ServiceEntryLocation, ServiceEntryResolution, ServiceEntrySpec,
    VirtualService, VirtualServiceHttp, VirtualServiceHttpRoute, VirtualServiceHttpRouteDestination,
    VirtualServiceSpec,
};
use kumiki::k8s_openapi::api::networking::v1::NetworkPolicy;
use kumiki_tests::{errors_after, meta, plain_kind, with_intruder};
use platform::Env;

#[test]
fn only_the_app_that_owns_a_service_routes_it() {
    let (errors, line) = with_intruder(Env::Prd, |app| {
        let line = line!() + 1;
        app.add(VirtualService {
            metadata: meta("steal-account"),
            spec: VirtualServiceSpec {
                hosts: Some(vec!["account".to_owned()]),
                http: Some(vec![VirtualServiceHttp {
                    route: Some(vec![VirtualServiceHttpRoute {
                        destination: VirtualServiceHttpRouteDestination {
                            host: "account".to_owned(),
                            ..Default::default()
                        },
                        ..Default::default()
                    }]),
                    ..Default::default()
                }]),
                export_to: Some(vec![".".to_owned()]),
                ..Default::default()
            },
        });
        line
    });
    assert_eq!(
        errors,
        [
            format!(
                "{}:{line}: prd/intruder: VirtualService services/steal-account governs host \"account\", the Service of \
                 app account: only the app that owns a Service routes it [rule: mesh.ownership]",
                file!()
            ),
            // Hidden from the orchestrator's namespace, the route would not even apply to its calls.
            format!(
                "{}:{line}: prd/intruder: visibility layer: VirtualService services/steal-account is exported to . only, \
                 not to orchestration: the caller's proxy would bypass it: the call from orchestration/orchestrator to \
                 services/account:8080 declared at services/account/src/lib.rs:34 cannot get through [rule: reach.blocked]",
                file!()
            )
        ]
    );
}

plain_kind!(
    PlainVirtualService,
    "networking.istio.io",
    "networking.istio.io/v1",
    "VirtualService",
    "virtualservices"
);

#[test]
fn a_route_of_a_custom_type_is_held_to_ownership_too() {
    let (errors, line) = with_intruder(Env::Prd, |app| {
        let line = line!() + 1;
        app.add(PlainVirtualService {
            api_version: "networking.istio.io/v1",
            kind: "VirtualService",
            metadata: meta("steal-order"),
            spec: serde_json::json!({"hosts": ["order.services.svc.cluster.local"], "exportTo": ["."]}),
        });
        line
    });
    assert_eq!(
        errors,
        [
            format!(
                "{}:{line}: prd/intruder: VirtualService services/steal-order governs host \
                 \"order.services.svc.cluster.local\", the Service of app order: only the app that owns a Service routes \
                 it [rule: mesh.ownership]",
                file!()
            ),
            format!(
                "{}:{line}: prd/intruder: visibility layer: VirtualService services/steal-order is exported to . only, \
                 not to orchestration: the caller's proxy would bypass it: the call from orchestration/orchestrator to \
                 services/order:8080 declared at services/order/src/lib.rs:62 cannot get through [rule: reach.blocked]",
                file!()
            )
        ]
    );
}

#[test]
fn a_route_of_a_custom_type_is_held_to_the_route_rules_too() {
    // The mesh rules read objects by kind: the same rules as for kumiki's own VirtualService.
    let (errors, line) = with_intruder(Env::Prd, |app| {
        let line = line!() + 1;
        app.add(PlainVirtualService {
            api_version: "networking.istio.io/v1",
            kind: "VirtualService",
            metadata: meta("to-nowhere"),
            spec: serde_json::json!({
                "hosts": ["intruder"],
                "exportTo": ["."],
                "http": [{"route": [{"destination": {"host": "ghost"}, "weight": 60},
                                    {"destination": {"host": "ghost"}, "weight": 60}]}],
            }),
        });
        line
    });
    let at = |message: &str| {
        format!(
            "{}:{line}: prd/intruder: VirtualService services/to-nowhere: {message}",
            file!()
        )
    };
    assert_eq!(
        errors,
        [
            // The service claims a mesh host no Service of the release has.
            at(
                "claims host \"intruder\", which is no Service of the release and no host the platform registers; \
                 service crate intruder holds no grant for it (if it must, the platform grants it in its Authority: \
                 `Grant::new(\"intruder\", Right::Host(\"intruder\".into()), \"<why>\")`) [rule: authority.mesh-host]"
            ),
            at("route weights add up to 120, not 100 [rule: mesh.route-weights]"),
            at(
                "routes to host \"ghost\", which is neither a Service nor a ServiceEntry host [rule: mesh.route-target]"
            ),
            at(
                "routes to host \"ghost\", which is neither a Service nor a ServiceEntry host [rule: mesh.route-target]"
            ),
        ]
    );
}

#[test]
fn a_custom_resource_of_the_wrong_shape_is_refused_at_its_line() {
    let (errors, line) = with_intruder(Env::Prd, |app| {
        let line = line!() + 1;
        app.add(PlainVirtualService {
            api_version: "networking.istio.io/v1",
            kind: "VirtualService",
            metadata: meta("misshapen"),
            spec: serde_json::json!({"hosts": ["intruder"], "http": "everything"}),
        });
        line
    });
    assert_eq!(errors.len(), 1, "{errors:?}");
    let expected = format!(
        "{}:{line}: prd/intruder: VirtualService services/misshapen: `spec` does not have the shape of the \
         networking.istio.io/v1 VirtualService schema (invalid type: string \"everything\", expected a sequence",
        file!()
    );
    assert!(errors[0].starts_with(&expected), "{errors:?}");
    assert!(errors[0].ends_with("[rule: object.shape]"), "{errors:?}");
}

plain_kind!(
    PlainNetworkPolicy,
    "networking.k8s.io",
    "networking.k8s.io/v1",
    "NetworkPolicy",
    "networkpolicies"
);

#[test]
fn a_network_policy_of_a_custom_type_is_held_to_the_scrape_path_too() {
    let mut line = 0;
    let errors = errors_after(Env::Prd, |model| {
        let account = kumiki_tests::app_mut(model, "account");
        let policy = kumiki_tests::take::<NetworkPolicy>(account, "account");
        // The same policy without its rule for Prometheus, written through another type.
        let mut spec = serde_json::to_value(policy.spec.unwrap()).unwrap();
        spec["ingress"].as_array_mut().unwrap().retain(|rule| {
            rule["from"][0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"] != "prometheus"
        });
        line = line!() + 1;
        account.add(PlainNetworkPolicy {
            api_version: "networking.k8s.io/v1",
            kind: "NetworkPolicy",
            metadata: policy.metadata,
            spec,
        });
    });
    assert_eq!(
        errors,
        [format!(
            "{}:{line}: prd/account: NetworkPolicy services/account admits no ingress from namespace prometheus on port \
             15090 of Deployment services/account, which PodMonitor prometheus/envoy-stats scrapes: the scraper \
             (prometheus/kube-prometheus-stack-prometheus) cannot reach it [rule: telemetry.scrape-path]",
            file!()
        )]
    );
}

#[test]
fn an_authorization_policy_selects_its_own_pods_and_names_its_sources() {
    let (errors, line) = with_intruder(Env::Prd, |app| {
        let line = line!() + 1;
        app.add(AuthorizationPolicy {
            metadata: meta("open-account"),
            spec: AuthorizationPolicySpec {
                selector: Some(AuthorizationPolicySelector {
                    match_labels: Some([("app.kubernetes.io/name".to_owned(), "account".to_owned())].into()),
                }),
                action: Some(AuthorizationPolicyAction::Allow),
                rules: Some(vec![AuthorizationPolicyRules::default()]),
                ..Default::default()
            },
        });
        app.add(AuthorizationPolicy {
            metadata: meta("open-everything"),
            spec: AuthorizationPolicySpec {
                selector: None,
                action: Some(AuthorizationPolicyAction::Allow),
                rules: None,
                ..Default::default()
            },
        });
        line
    });
    let at = |line: u32, message: &str| {
        format!(
            "{}:{line}: prd/intruder: AuthorizationPolicy services/{message}",
            file!()
        )
    };
    assert_eq!(
        errors,
        [
            at(
                line,
                "open-account: ALLOW rule 1 names no source, so it allows any caller: name the principals [rule: mesh.allow]"
            ),
            at(
                line,
                "open-account: selects pods of app account: only the app that owns a workload authorizes calls to it \
                 [rule: mesh.ownership]"
            ),
            at(
                line + 11,
                "open-everything: an ALLOW policy without a selector opens every workload of services: select the app's \
                 own pods [rule: mesh.allow]"
            ),
        ]
    );
}

#[test]
fn a_service_registers_only_the_hosts_the_platform_declares_and_only_for_itself() {
    let (errors, line) = with_intruder(Env::Prd, |app| {
        let line = line!() + 1;
        app.add(ServiceEntry {
            metadata: meta("stripe"),
            spec: ServiceEntrySpec {
                hosts: vec!["api.stripe.com".to_owned()],
                location: Some(ServiceEntryLocation::MeshExternal),
                resolution: Some(ServiceEntryResolution::Dns),
                export_to: Some(vec!["*".to_owned()]),
                ..Default::default()
            },
        });
        line
    });
    let at = |message: &str| {
        format!(
            "{}:{line}: prd/intruder: ServiceEntry services/stripe {message}",
            file!()
        )
    };
    assert_eq!(
        errors,
        [
            at(
                "is exported to [\"*\"]: a service's ServiceEntry is exported only to its own namespace (\".\") \
                 [rule: mesh.service-entry]"
            ),
            at(
                "registers host \"api.stripe.com\", which the platform does not declare: calls out of the cluster go \
                 through the platform's egress [rule: mesh.service-entry]"
            ),
        ]
    );
}
