//! Who reaches a service in the mesh: the callers it declares and the ingress gateway, the
//! mesh-wide mutual TLS, egress through the egress gateway to registered hosts, and what an
//! environment without a mesh does with each mesh-only declaration.

use kumiki::crds::istio::VirtualService;
use kumiki::prelude::*;
use kumiki_tests::{find, with_platform};
use platform::Env;

use super::mesh::{Cart, SHOP_LISTENER, Shop, errors, image, service};

/// The platform's prd environment on a cluster without a service mesh.
fn without_mesh() -> kumiki::platform::Environment {
    let mut environment = platform::environment(Env::Prd);
    environment.mesh = None;
    environment
}

#[test]
fn the_platform_enrols_namespaces_and_requires_mutual_tls() {
    let (_, apps) = platform::apps(Env::Prd, &[]);
    let mesh = apps.iter().find(|app| app.name().as_str() == "mesh").unwrap();
    let strict = find::<kumiki::crds::istio::PeerAuthentication>(mesh, "default");
    assert_eq!(strict.metadata.namespace.as_deref(), Some("istio-system"));
    assert_eq!(
        strict.spec.mtls.as_ref().and_then(|mtls| mtls.mode.clone()),
        Some(kumiki::crds::istio::PeerAuthenticationMtlsMode::Strict)
    );
    let shared = apps.iter().find(|app| app.name().as_str() == "namespaces").unwrap();
    let services = find::<kumiki::k8s_openapi::api::core::v1::Namespace>(shared, "services");
    assert_eq!(
        services.metadata.labels.as_ref().unwrap()[kumiki::platform::REVISION_LABEL],
        "default"
    );
}

#[test]
fn declared_callers_and_the_ingress_gateway_are_the_only_ones_allowed() {
    let mut web = Container::<Shop>::new(name!("web"), image(repository!("acme/web")));
    let http = web.port(Protocol::Http, port_name!("web"), port!(8080));
    let admin = web.port(Protocol::Http, port_name!("admin"), port!(9090));
    let app = Microservice::<Shop>::new(&platform::environment(Env::Prd))
        .container(web)
        .readiness(Probe::http("/ready", &http))
        .liveness(Probe::tcp(&admin))
        .expose_on_ingress(port!(80), &http, SHOP_LISTENER)
        .expose(port!(9090), &admin)
        .allow_caller(&platform::namespaces::SERVICES, &name!("cart"), &[&http, &admin])
        .build();
    let policy = find::<kumiki::crds::istio::AuthorizationPolicy>(&app, "shop");
    assert_eq!(
        policy.spec.action,
        Some(kumiki::crds::istio::AuthorizationPolicyAction::Allow)
    );
    let rules: Vec<(&str, &[String])> = (policy.spec.rules.iter().flatten())
        .map(|rule| {
            let source = rule.from.as_ref().unwrap()[0].source.as_ref().unwrap();
            let operation = rule.to.as_ref().unwrap()[0].operation.as_ref().unwrap();
            (
                source.principals.as_ref().unwrap()[0].as_str(),
                operation.ports.as_deref().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rules,
        vec![
            (
                "cluster.local/ns/services/sa/cart",
                &["8080".to_owned(), "9090".to_owned()][..]
            ),
            (
                "cluster.local/ns/istio-ingress/sa/istio-ingressgateway",
                &["8080".to_owned()][..]
            ),
        ]
    );
    let selector = policy.spec.selector.as_ref().unwrap().match_labels.as_ref().unwrap();
    assert_eq!(selector["app.kubernetes.io/name"], "shop");
    let cart = service::<Cart>(Env::Prd, None).build();
    assert!(kumiki::synth::synthesize(with_platform(Env::Prd, vec![app, cart])).is_ok());

    // Without callers or listeners the policy admits nobody (an ALLOW policy without rules),
    // not every authenticated peer.
    let plain = service::<Shop>(Env::Prd, None).build();
    let nobody = find::<kumiki::crds::istio::AuthorizationPolicy>(&plain, "shop");
    assert!(nobody.spec.rules.is_none());
}

#[test]
fn a_caller_must_have_a_service_account() {
    let shop = service::<Shop>(Env::Prd, None)
        .allow_caller(&platform::namespaces::SERVICES, &name!("kart"), &[])
        .build();
    let cart = service::<Cart>(Env::Prd, None).build();
    let errors = errors(vec![shop, cart]);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].ends_with("prd/shop: AuthorizationPolicy services/shop: allows principal \"cluster.local/ns/services/sa/kart\", but no ServiceAccount services/kart exists [rule: mesh.principal]"),
        "{errors:?}"
    );
}

#[test]
fn egress_goes_through_the_egress_gateway_to_a_registered_host() {
    let (_, apps) = platform::apps(Env::Prd, &[]);
    let egress = apps.iter().find(|app| app.name().as_str() == "egress").unwrap();
    let entry = find::<kumiki::crds::istio::ServiceEntry>(egress, "httpbin-org");
    assert_eq!(entry.spec.hosts, ["httpbin.org"]);
    assert_eq!(
        (entry.spec.location.clone(), entry.spec.resolution.clone()),
        (
            Some(kumiki::crds::istio::ServiceEntryLocation::MeshExternal),
            Some(kumiki::crds::istio::ServiceEntryResolution::Dns)
        )
    );
    let gateway = find::<kumiki::crds::istio::Gateway>(egress, "httpbin-org-egress");
    assert_eq!(gateway.spec.selector.as_ref().unwrap()["istio"], "egressgateway");
    let server = &gateway.spec.servers.as_ref().unwrap()[0];
    assert_eq!(
        (server.port.number, server.hosts.as_slice()),
        (80, &["httpbin.org".to_owned()][..])
    );
    let route = find::<VirtualService>(egress, "httpbin-org-egress");
    let hops: Vec<(&[String], &str)> = (route.spec.http.iter().flatten())
        .map(|http| {
            (
                http.r#match.as_ref().unwrap()[0].gateways.as_deref().unwrap(),
                http.route.as_ref().unwrap()[0].destination.host.as_str(),
            )
        })
        .collect();
    assert_eq!(
        hops,
        vec![
            (
                &["mesh".to_owned()][..],
                "istio-egressgateway.istio-egress.svc.cluster.local"
            ),
            (&["services/httpbin-org-egress".to_owned()][..], "httpbin.org"),
        ]
    );
    // The egress gateway's Service exposes what the routes opened on it.
    let ports = platform::mesh().egress.service_ports(&apps);
    assert_eq!(
        ports.iter().map(|p| (p.name.as_deref(), p.port)).collect::<Vec<_>>(),
        vec![(Some("http-httpbin"), 80)]
    );
    // Sidecars of the services namespace reach only registered hosts.
    let mesh_app = apps.iter().find(|app| app.name().as_str() == "mesh").unwrap();
    let sidecar = find::<kumiki::crds::istio::Sidecar>(mesh_app, "default");
    let policy = sidecar.spec.outbound_traffic_policy.as_ref().unwrap();
    assert_eq!(
        policy.mode,
        Some(kumiki::crds::istio::SidecarOutboundTrafficPolicyMode::RegistryOnly)
    );
    assert!(
        sidecar.spec.egress.as_ref().unwrap()[0]
            .hosts
            .contains(&"istio-egress/*".to_owned())
    );
    assert!(kumiki::synth::synthesize(with_platform(Env::Prd, Vec::new())).is_ok());
}

#[test]
fn without_a_mesh_a_microservice_lowers_to_plain_kubernetes() {
    let mut web = Container::<Shop>::new(name!("web"), image(repository!("acme/web")));
    let http = web.port(Protocol::Http, port_name!("web"), port!(8080));
    let app = Microservice::<Shop>::new(&without_mesh())
        .container(web)
        .readiness(Probe::http("/ready", &http))
        .liveness(Probe::tcp(&http))
        .expose(port!(80), &http)
        .allow_from(&platform::namespaces::SERVICES, &[&http])
        .build();
    assert!(app.problems().is_empty(), "{:?}", app.problems());
    let kinds: Vec<String> = (app.objects().iter())
        .map(|declared| format!("{}/{}", declared.object.group(), declared.object.kind()))
        .collect();
    assert!(kinds.contains(&"/Service".to_owned()), "{kinds:?}");
    assert!(
        kinds.contains(&"networking.k8s.io/NetworkPolicy".to_owned()),
        "{kinds:?}"
    );
    assert!(!kinds.iter().any(|kind| kind.contains("istio.io")), "{kinds:?}");
}

#[test]
fn without_a_mesh_each_mesh_only_declaration_is_an_error_at_its_line() {
    let mut web = Container::<Shop>::new(name!("web"), image(repository!("acme/web")));
    let http = web.port(Protocol::Http, port_name!("web"), port!(8080));
    let listener = Listener::new(port_name!("shop"), port!(50100));
    let service = Microservice::<Shop>::new(&without_mesh())
        .container(web)
        .readiness(Probe::http("/ready", &http))
        .liveness(Probe::tcp(&http));
    let listener_line = line!() + 1;
    let service = service.expose_on_ingress(port!(80), &http, listener);
    let traffic_line = line!() + 1;
    let service = service.traffic(TrafficPolicy::default());
    let app = service.build();
    let problems: Vec<String> = (app.problems().iter())
        .map(|problem| format!("{}: {} [rule: {}]", problem.location, problem.message, problem.rule.id))
        .collect();
    let at = |line: u32| format!("{}:{line}: prd has no mesh", file!());
    assert!(
        problems.iter().any(|problem| problem.starts_with(&at(listener_line))
            && problem.contains("no ingress gateway")
            && problem.ends_with("[rule: microservice.mesh-only]")),
        "{problems:#?}"
    );
    assert!(
        problems
            .iter()
            .any(|problem| problem.starts_with(&at(traffic_line)) && problem.contains("traffic policy")),
        "{problems:#?}"
    );
    assert!(
        (app.objects().iter()).all(|declared| !declared.object.group().contains("istio.io")),
        "no Istio object is emitted"
    );
}

#[test]
fn egress_needs_a_mesh_and_routes_each_host_once() {
    let line = line!() + 1;
    let twice = kumiki::platform::Egress::new(&platform::environment(Env::Prd))
        .route(platform::external_hosts::httpbin_org())
        .route(platform::external_hosts::httpbin_org())
        .build();
    let without = kumiki::platform::Egress::new(&without_mesh())
        .route(platform::external_hosts::httpbin_org())
        .build();
    let problems = |app: &App| -> Vec<String> {
        (app.problems().iter())
            .map(|problem| format!("{}: {} [rule: {}]", problem.location, problem.message, problem.rule.id))
            .collect()
    };
    assert_eq!(
        problems(&twice),
        [format!(
            "{}:{line}: external host httpbin.org is routed twice [rule: egress.routes]",
            file!()
        )]
    );
    assert_eq!(
        problems(&without),
        [format!(
            "{}:{}: egress routes go through the mesh's egress gateway, and this environment has no mesh \
             [rule: egress.routes]",
            file!(),
            line + 4
        )]
    );
}
