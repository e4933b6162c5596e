//! The mesh: what a service's exposure lowers to, and the synth-time rules over Istio
//! objects (each test breaks one and asserts the message and source location).

use kumiki::crds::istio::{
    DestinationRule, DestinationRuleSpec, DestinationRuleSubsets as Subset, VirtualService, VirtualServiceHttp,
    VirtualServiceHttpMatch as HttpMatch, VirtualServiceHttpRoute as RouteDestination,
    VirtualServiceHttpRouteDestination as Destination, VirtualServiceHttpRouteDestinationPort as PortSelector,
    VirtualServiceSpec,
};
use kumiki::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kumiki::prelude::*;
use kumiki::prelude::{Microservice, Retries};
use kumiki::values::Repository;
use kumiki_tests::{find, with_platform};
use platform::Env;

pub(super) struct Shop;
impl ServiceId for Shop {
    const NAME: Name = name!("shop");
}

pub(super) struct Cart;
impl ServiceId for Cart {
    const NAME: Name = name!("cart");
}

pub(super) fn image(repository: Repository) -> Image {
    Image::new(Registry::DockerHub, repository, tag!("1.0.0"))
}

/// A valid microservice of `S` on container port 8080, exposed as Service port 80 and, with
/// a listener, on the ingress gateway.
pub(super) fn service<S: ServiceId>(
    env: Env,
    listener: Option<Listener>,
) -> Microservice<S, kumiki::typestate::HasReadiness, kumiki::typestate::HasLiveness> {
    let mut web = Container::<S>::new(name!("web"), image(repository!("acme/web")));
    let http = web.port(Protocol::Http, port_name!("web"), port!(8080));
    let service = Microservice::<S>::new(&platform::environment(env))
        .container(web)
        .readiness(Probe::http("/ready", &http))
        .liveness(Probe::tcp(&http));
    match listener {
        Some(listener) => service.expose_on_ingress(port!(80), &http, listener),
        None => service.expose(port!(80), &http),
    }
}

/// The errors of `apps` in prd with the platform's apps, facts and rules around them.
/// The mesh rules' errors of the reference platform with `apps` (what the service crates'
/// authority makes of the same hand-written objects is `authority.rs`'s).
pub(super) fn errors(apps: Vec<App>) -> Vec<String> {
    let mut errors = kumiki_tests::errors(with_platform(Env::Prd, apps));
    errors.retain(|error| !error.contains("[rule: authority."));
    errors
}

pub(super) const SHOP_LISTENER: Listener =
    Listener::new(port_name!("shop"), port!(50001)).with_node_port(node_port!(30001));

#[test]
fn one_listener_declaration_gives_the_gateway_the_route_and_the_gateway_port() {
    let app = service::<Shop>(Env::Dev, Some(SHOP_LISTENER)).build();
    let gateway = find::<kumiki::crds::istio::Gateway>(&app, "shop-ingress");
    let server = &gateway.spec.servers.as_ref().unwrap()[0];
    assert_eq!((server.port.number, server.port.name.as_str()), (50001, "http-shop"));
    assert_eq!(gateway.spec.selector.as_ref().unwrap()["istio"], "ingressgateway");

    let ingress = find::<VirtualService>(&app, "shop-ingress");
    assert_eq!(ingress.spec.gateways, Some(vec!["services/shop-ingress".to_owned()]));
    assert_eq!(
        ingress.spec.export_to,
        Some(vec![".".to_owned(), "istio-ingress".to_owned()])
    );
    let route = &ingress.spec.http.as_ref().unwrap()[0];
    assert_eq!(route.r#match.as_ref().unwrap()[0].port, Some(50001));
    let destination = &route.route.as_ref().unwrap()[0].destination;
    assert_eq!(destination.host, "shop");
    assert_eq!(destination.port.as_ref().and_then(|port| port.number), Some(80));

    let mesh = find::<VirtualService>(&app, "shop");
    assert_eq!(
        (mesh.spec.hosts.as_deref(), mesh.spec.gateways.as_deref()),
        (Some(&["shop".to_owned()][..]), Some(&["mesh".to_owned()][..]))
    );

    // The gateway proxy's namespace may reach the listener's container port, and only it
    // (the second rule admits the metrics scraper on the sidecar's statistics port).
    let policy = find::<kumiki::k8s_openapi::api::networking::v1::NetworkPolicy>(&app, "shop");
    let rules = policy.spec.as_ref().unwrap().ingress.as_ref().unwrap();
    assert_eq!(rules.len(), 2);
    let from = rules[0].from.as_ref().unwrap()[0].namespace_selector.as_ref().unwrap();
    assert_eq!(
        from.match_labels.as_ref().unwrap()["kubernetes.io/metadata.name"],
        "istio-ingress"
    );
    let ports = rules[0].ports.as_ref().unwrap();
    assert_eq!(
        ports[0].port,
        Some(kumiki::k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::String("http-web".into()))
    );

    let ports = platform::mesh().ingress.service_ports([&app]);
    assert_eq!(ports.len(), 1);
    assert_eq!(
        (ports[0].name.as_deref(), ports[0].port, ports[0].node_port),
        (Some("http-shop"), 50001, Some(30001))
    );
    assert!(kumiki::synth::synthesize(with_platform(Env::Dev, vec![app])).is_ok());
}

#[test]
fn traffic_policy_is_emitted_with_go_durations() {
    let app = service::<Shop>(Env::Prd, None)
        .traffic(
            TrafficPolicy::builder()
                .timeout(duration!(10 s))
                .retries(Retries {
                    attempts: 2,
                    per_try_timeout: duration!(2500 ms),
                    retry_on: vec![RetryOn::FiveXx, RetryOn::ConnectFailure],
                })
                .circuit_breaker(kumiki::prelude::CircuitBreaker {
                    max_connections: 100,
                    max_pending_requests: 10,
                    consecutive_5xx_errors: 5,
                    interval: duration!(30 s),
                    base_ejection_time: duration!(1 s),
                })
                .build(),
        )
        .build();
    let release = kumiki::synth::synthesize(kumiki_tests::bare(Env::Prd, vec![app])).unwrap();
    let read = |path: &str| -> serde_json::Value { serde_saphyr::from_str(&release.files[path]).unwrap() };
    let http = &read("shop/services.virtualservice.shop.yaml")["spec"]["http"][0];
    assert_eq!(http["timeout"], "10s");
    assert_eq!(
        http["retries"],
        serde_json::json!({"attempts": 2, "perTryTimeout": "2500ms", "retryOn": "5xx,connect-failure"})
    );
    let policy = &read("shop/services.destinationrule.shop.yaml")["spec"]["trafficPolicy"];
    assert_eq!(
        policy["outlierDetection"],
        serde_json::json!({"consecutive5xxErrors": 5, "interval": "30s", "baseEjectionTime": "1s"})
    );
    assert_eq!(policy["tls"]["mode"], "ISTIO_MUTUAL");
}

#[test]
fn retries_must_fit_in_the_timeout() {
    let app = service::<Shop>(Env::Prd, None)
        .traffic(
            TrafficPolicy::builder()
                .timeout(duration!(5 s))
                .retries(Retries {
                    attempts: 3,
                    per_try_timeout: duration!(2 s),
                    retry_on: vec![RetryOn::FiveXx],
                })
                .build(),
        )
        .build();
    // The location is that of `Microservice::new`, inside `service`.
    let errors = errors(vec![app]);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].ends_with(
            "prd/shop: 4 attempts of 2s each need 8000ms, more than the 5s timeout: the last retries can never run [rule: microservice.exposure]"
        ),
        "{errors:?}"
    );
}

#[test]
fn two_services_cannot_claim_one_listener_port() {
    let shop = service::<Shop>(Env::Prd, Some(SHOP_LISTENER)).build();
    let cart = service::<Cart>(Env::Prd, Some(Listener::new(port_name!("cart"), port!(50001)))).build();
    let errors = errors(vec![shop, cart]);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].ends_with("prd/shop: Gateway services/shop-ingress: port 50001 is already a listener of Gateway services/cart-ingress on the same gateway proxy [rule: mesh.listener-conflict]"),
        "{errors:?}"
    );
}

#[test]
fn one_listener_name_cannot_name_two_ports() {
    let shop = service::<Shop>(Env::Prd, Some(SHOP_LISTENER)).build();
    let cart = service::<Cart>(Env::Prd, Some(Listener::new(port_name!("shop"), port!(50002)))).build();
    let errors = errors(vec![shop, cart]);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].ends_with("prd/shop: Gateway services/shop-ingress: port name \"http-shop\" is already used for port 50002 by Gateway services/cart-ingress [rule: mesh.listener-conflict]"),
        "{errors:?}"
    );
}

fn meta(name: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_owned()),
        namespace: Some("services".to_owned()),
        ..Default::default()
    }
}

fn to(host: &str, port: i64, subset: Option<&str>, weight: Option<i32>) -> RouteDestination {
    RouteDestination {
        destination: Destination {
            host: host.to_owned(),
            subset: subset.map(str::to_owned),
            port: Some(PortSelector { number: Some(port) }),
        },
        weight,
        ..Default::default()
    }
}

/// A hand-written VirtualService with one route, added to a valid shop app synthesized with
/// `others`; returns the errors and the line of the `add`.
fn route_errors_with(
    others: Vec<App>,
    gateways: &[&str],
    export_to: &[&str],
    matched: HttpMatch,
    route: Vec<RouteDestination>,
) -> (Vec<String>, u32) {
    let mut app = service::<Shop>(Env::Prd, None).build();
    // Requests through an ingress gateway carry any Host; the mesh routes by Service name.
    let host = if gateways.contains(&"mesh") { "shop" } else { "*" };
    let line = line!() + 1;
    app.add(VirtualService {
        metadata: meta("hand-written"),
        spec: VirtualServiceSpec {
            hosts: Some(vec![host.to_owned()]),
            gateways: Some(gateways.iter().map(|g| (*g).to_owned()).collect()),
            http: Some(vec![VirtualServiceHttp {
                r#match: Some(vec![matched]),
                route: Some(route),
                ..Default::default()
            }]),
            export_to: Some(export_to.iter().map(|e| (*e).to_owned()).collect()),
            ..Default::default()
        },
    });
    let mut apps = vec![app];
    apps.extend(others);
    (errors(apps), line)
}

fn route_errors(
    gateways: &[&str],
    export_to: &[&str],
    matched: HttpMatch,
    route: Vec<RouteDestination>,
) -> (Vec<String>, u32) {
    route_errors_with(Vec::new(), gateways, export_to, matched, route)
}

fn cart_with_listener() -> App {
    service::<Cart>(Env::Prd, Some(Listener::new(port_name!("cart"), port!(50002)))).build()
}

fn expect_one(result: (Vec<String>, u32), message: &str) {
    let (errors, line) = result;
    assert_eq!(
        errors,
        vec![format!(
            "tests/integration/mesh.rs:{line}: prd/shop: VirtualService services/hand-written: {message}"
        )]
    );
}

#[test]
fn a_route_must_land_on_an_existing_host_and_port() {
    expect_one(
        route_errors(
            &["mesh"],
            &[],
            HttpMatch::default(),
            vec![to("payments", 80, None, None)],
        ),
        "routes to host \"payments\", which is neither a Service nor a ServiceEntry host [rule: mesh.route-target]",
    );
    expect_one(
        route_errors(
            &["mesh"],
            &[],
            HttpMatch::default(),
            vec![to("shop.services.svc.cluster.local", 8080, None, None)],
        ),
        "routes to port 8080 of Service \"shop.services.svc.cluster.local\", which exposes [80] [rule: mesh.route-target]",
    );
}

#[test]
fn a_gateway_binding_must_name_a_gateway_that_listens_on_the_port() {
    expect_one(
        route_errors(
            &["services/missing"],
            &["*"],
            HttpMatch::default(),
            vec![to("shop", 80, None, None)],
        ),
        "gateway \"services/missing\" does not exist [rule: mesh.gateway-binding]",
    );
    // A Gateway that exists (cart's), but not on the matched port.
    expect_one(
        route_errors_with(
            vec![cart_with_listener()],
            &["services/cart-ingress"],
            &["*"],
            HttpMatch {
                port: Some(50009),
                ..Default::default()
            },
            vec![to("shop", 80, None, None)],
        ),
        "matches port 50009 on gateway \"services/cart-ingress\", which does not listen on it [rule: mesh.gateway-binding]",
    );
}

#[test]
fn a_gateway_bound_route_must_be_visible_to_the_gateway() {
    expect_one(
        route_errors_with(
            vec![cart_with_listener()],
            &["services/cart-ingress"],
            &["."],
            HttpMatch::default(),
            vec![to("shop", 80, None, None)],
        ),
        "is bound to gateway \"services/cart-ingress\" but exported only to its own namespace, where no gateway proxy runs [rule: mesh.gateway-binding]",
    );
}

#[test]
fn weights_must_add_up_to_100() {
    expect_one(
        route_errors(
            &["mesh"],
            &[],
            HttpMatch::default(),
            vec![to("shop", 80, None, Some(90)), to("shop", 80, None, Some(20))],
        ),
        "route weights add up to 110, not 100 [rule: mesh.route-weights]",
    );
    // Weights near the top of their type are added without overflow: an error, not a crash.
    expect_one(
        route_errors(
            &["mesh"],
            &[],
            HttpMatch::default(),
            vec![to("shop", 80, None, Some(i32::MAX)), to("shop", 80, None, Some(1))],
        ),
        "route weights add up to 2147483648, not 100 [rule: mesh.route-weights]",
    );
}

#[test]
fn a_subset_must_be_declared_and_select_pods() {
    expect_one(
        route_errors(
            &["mesh"],
            &[],
            HttpMatch::default(),
            vec![to("shop", 80, Some("v2"), None)],
        ),
        "routes to subset \"v2\" of \"shop\", which no DestinationRule declares [rule: mesh.subset]",
    );

    let mut app = service::<Shop>(Env::Prd, None).build();
    app.add(DestinationRule {
        metadata: meta("shop-versions"),
        spec: DestinationRuleSpec {
            host: "shop".to_owned(),
            subsets: Some(vec![
                Subset {
                    name: "v1".to_owned(),
                    labels: Some([("app.kubernetes.io/version".to_owned(), "1.0.0".to_owned())].into()),
                    ..Default::default()
                },
                Subset {
                    name: "v2".to_owned(),
                    labels: Some([("app.kubernetes.io/version".to_owned(), "2.0.0".to_owned())].into()),
                    ..Default::default()
                },
            ]),
            ..Default::default()
        },
    });
    let line = line!() + 1;
    app.add(VirtualService {
        metadata: meta("canary"),
        spec: VirtualServiceSpec {
            hosts: Some(vec!["shop".to_owned()]),
            http: Some(vec![VirtualServiceHttp {
                route: Some(vec![
                    to("shop", 80, Some("v1"), Some(90)),
                    to("shop", 80, Some("v2"), Some(10)),
                ]),
                ..Default::default()
            }]),
            ..Default::default()
        },
    });
    assert_eq!(
        errors(vec![app]),
        vec![format!(
            "tests/integration/mesh.rs:{line}: prd/shop: VirtualService services/canary: routes to subset \"v2\" of \"shop\", whose labels {{\"app.kubernetes.io/version\": \"2.0.0\"}} match no pod behind the Service [rule: mesh.subset]"
        )]
    );
}

/// A valid shop app plus a hand-written Gateway; returns the errors and the line of the `add`.
fn gateway_errors(selector: (&str, &str), port: i64) -> (Vec<String>, u32) {
    let mut app = service::<Shop>(Env::Prd, None).build();
    let line = line!() + 1;
    app.add(kumiki::crds::istio::Gateway {
        metadata: meta("hand-written"),
        spec: kumiki::crds::istio::GatewaySpec {
            selector: Some([(selector.0.to_owned(), selector.1.to_owned())].into()),
            servers: Some(vec![kumiki::crds::istio::GatewayServers {
                port: kumiki::crds::istio::GatewayServersPort {
                    number: port,
                    protocol: "HTTP".to_owned(),
                    name: "http-hand".to_owned(),
                    ..Default::default()
                },
                hosts: vec!["*".to_owned()],
                ..Default::default()
            }]),
        },
    });
    (errors(vec![app]), line)
}

#[test]
fn a_gateway_port_must_be_open_on_the_gateway_service() {
    // No Listener declares 50009, so the ingress gateway's Service does not expose it.
    let (errors, line) = gateway_errors(("istio", "ingressgateway"), 50009);
    assert_eq!(
        errors,
        vec![format!(
            "tests/integration/mesh.rs:{line}: prd/shop: Gateway services/hand-written: listens on port 50009, which the Service istio-ingress/istio-ingressgateway (Istio gateway chart) does not expose [rule: mesh.gateway-proxy]"
        )]
    );
}

#[test]
fn a_gateway_must_select_a_gateway_proxy() {
    let (errors, line) = gateway_errors(("istio", "ingress-gateway"), 80);
    assert_eq!(
        errors,
        vec![format!(
            "tests/integration/mesh.rs:{line}: prd/shop: Gateway services/hand-written: selector {{\"istio\": \"ingress-gateway\"}} matches no gateway proxy [rule: mesh.gateway-proxy]"
        )]
    );
}

#[test]
fn a_route_to_a_port_the_egress_gateway_does_not_expose_is_an_error() {
    // 443 is not opened on the egress gateway: no ExternalHost uses it.
    let gateway_host = "istio-egressgateway.istio-egress.svc.cluster.local";
    expect_one(
        route_errors(
            &["mesh"],
            &["."],
            HttpMatch::default(),
            vec![to(gateway_host, 443, None, None)],
        ),
        &format!(
            "routes to port 443 of {gateway_host} (Istio gateway chart), which exposes [80] [rule: mesh.route-target]"
        ),
    );
}

fn canary(
    versions: Vec<Version>,
) -> Microservice<Shop, kumiki::typestate::HasReadiness, kumiki::typestate::HasLiveness> {
    service::<Shop>(Env::Prd, Some(SHOP_LISTENER))
        .versions(versions)
        .autoscale(2, 4, 70)
}

#[test]
fn versions_run_side_by_side_and_split_every_route() {
    let app = canary(vec![
        Version::new(label_value!("v1"), 90),
        Version::new(label_value!("v2"), 10).with_tag(tag!("2.0.0")),
    ])
    .build();
    use kumiki::k8s_openapi::api::apps::v1::Deployment;
    for (name, version, image) in [
        ("shop-v1", "v1", "docker.io/acme/web:1.0.0"),
        ("shop-v2", "v2", "docker.io/acme/web:2.0.0"),
    ] {
        let spec = find::<Deployment>(&app, name).spec.as_ref().unwrap();
        assert_eq!(spec.selector.match_labels.as_ref().unwrap()["version"], version);
        let labels = spec.template.metadata.as_ref().unwrap().labels.as_ref().unwrap();
        assert_eq!(labels["version"], version);
        let containers = &spec.template.spec.as_ref().unwrap().containers;
        assert_eq!(containers[0].image.as_deref(), Some(image));
        // Each version scales on its own.
        let autoscaler = find::<kumiki::k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler>(&app, name);
        assert_eq!(autoscaler.spec.as_ref().unwrap().scale_target_ref.name, name);
    }
    let rule = find::<DestinationRule>(&app, "shop");
    let subsets: Vec<(&str, &str)> = (rule.spec.subsets.iter().flatten())
        .map(|s| (s.name.as_str(), s.labels.as_ref().unwrap()["version"].as_str()))
        .collect();
    assert_eq!(subsets, vec![("v1", "v1"), ("v2", "v2")]);
    for name in ["shop", "shop-ingress"] {
        let route = &find::<VirtualService>(&app, name).spec.http.as_ref().unwrap()[0].route;
        let split: Vec<(Option<&str>, Option<i32>)> = (route.iter().flatten())
            .map(|r| (r.destination.subset.as_deref(), r.weight))
            .collect();
        assert_eq!(split, vec![(Some("v1"), Some(90)), (Some("v2"), Some(10))], "{name}");
    }
    assert!(kumiki::synth::synthesize(with_platform(Env::Prd, vec![app])).is_ok());
}

#[test]
fn version_weights_must_add_up_to_100_and_names_be_unique() {
    let app = canary(vec![
        Version::new(label_value!("v1"), 90),
        Version::new(label_value!("v1"), 20),
    ])
    .build();
    let errors = errors(vec![app]);
    let messages: Vec<&str> = errors.iter().map(|e| e.split_once("prd/shop: ").unwrap().1).collect();
    assert!(
        messages.contains(&"version weights add up to 110, not 100 [rule: microservice.versions]"),
        "{errors:?}"
    );
    assert!(
        messages.contains(&"version \"v1\" is declared twice [rule: microservice.versions]"),
        "{errors:?}"
    );
    // The duplicate also collides as a Deployment, and its route weights are off.
    assert!(
        messages.iter().any(|m| m.contains("route weights add up to 110")),
        "{errors:?}"
    );
}

#[test]
fn each_version_runs_its_share_of_the_pods() {
    use kumiki::k8s_openapi::api::apps::v1::Deployment;
    use kumiki::k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
    let replicas = |app: &App, name: &str| find::<Deployment>(app, name).spec.as_ref().unwrap().replicas;
    // Fixed replicas: ⌈10 × 90 %⌉ and ⌈10 × 10 %⌉; a small share still gets one pod.
    for (total, expected) in [(10, [9, 1]), (3, [3, 1])] {
        let app = service::<Shop>(Env::Prd, Some(SHOP_LISTENER))
            .versions(vec![
                Version::new(label_value!("v1"), 90),
                Version::new(label_value!("v2"), 10),
            ])
            .replicas(total)
            .build();
        assert_eq!(
            [replicas(&app, "shop-v1"), replicas(&app, "shop-v2")],
            expected.map(Some),
            "{total} replicas"
        );
    }
    // Autoscaled: each version's bounds are its share of the declared ones (2..4 here).
    let app = canary(vec![
        Version::new(label_value!("v1"), 90),
        Version::new(label_value!("v2"), 10),
    ])
    .build();
    let bounds = |name: &str| {
        let spec = find::<HorizontalPodAutoscaler>(&app, name).spec.clone().unwrap();
        (spec.min_replicas, spec.max_replicas)
    };
    assert_eq!(bounds("shop-v1"), (Some(2), 4));
    assert_eq!(bounds("shop-v2"), (Some(1), 1));
    assert_eq!(replicas(&app, "shop-v1"), None, "the autoscaler owns the count");
}
#[test]
fn two_listeners_cannot_claim_one_node_port() {
    // Whatever the platform's services are: claim the NodePort of the first listener that has
    // one, on a port no listener uses.
    let listeners: Vec<kumiki::platform::GatewayListener> = (xtask::workspace().service_apps(Env::Prd).iter())
        .flat_map(|app| {
            app.published::<kumiki::platform::GatewayListener>()
                .cloned()
                .collect::<Vec<_>>()
        })
        .collect();
    let taken = listeners
        .iter()
        .find(|opened| opened.listener.node_port.is_some())
        .expect("a listener with a NodePort");
    let free_port = listeners.iter().map(|opened| opened.listener.port.get()).max().unwrap() + 1;
    let (errors, line) = kumiki_tests::with_intruder(Env::Prd, |app| {
        let port = PortNumber::try_from(i64::from(free_port)).unwrap();
        let listener = Listener::new(port_name!("intruder"), port).with_node_port(taken.listener.node_port.unwrap());
        let (service, http) = kumiki_tests::shop_and_port(Env::Prd);
        let service = service.named(name!("intruder"));
        let line = line!() + 1;
        let service = service.expose_on_ingress(port, &http, listener);
        app.absorb(service.build());
        line
    });
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let expected = format!(
        "{}:{line}: prd/mesh: listener intruder (port {free_port}) claims NodePort {} of istio-ingressgateway, which listener {} (port {}) declared at {} already uses [rule: mesh.node-port]",
        file!(),
        taken.listener.node_port.unwrap(),
        taken.listener.name,
        taken.listener.port,
        taken.declared_at
    );
    assert_eq!(errors[0], expected);
}
