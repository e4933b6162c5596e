//! Telemetry: Prometheus scrapes every sidecar's Envoy statistics and istiod, and a service's
//! own metrics port; the policies admit exactly Prometheus on exactly those ports, and synth
//! refuses a release whose policies keep Prometheus from a target it is told to scrape.

use kumiki::crds::istio::AuthorizationPolicy;
use kumiki::crds::prometheus_operator::{PodMonitor, ServiceMonitor};
use kumiki::k8s_openapi::api::core::v1::Service;
use kumiki::k8s_openapi::api::networking::v1::NetworkPolicy;
use kumiki::k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kumiki::prelude::*;
use kumiki::values::Repository;
use kumiki_tests::{app_mut, errors, find, take, with_platform};
use platform::Env;

struct Shop;
impl ServiceId for Shop {
    const NAME: Name = name!("shop");
}

struct Cart;
impl ServiceId for Cart {
    const NAME: Name = name!("cart");
}

fn image(repository: Repository) -> Image {
    Image::new(Registry::DockerHub, repository, tag!("1.0.0"))
}

/// Shop: port 8080 exposed as 80 and called by Cart, metrics on port 9090 at `/metrics`.
fn shop(env: Env) -> App {
    let mut web = Container::<Shop>::new(name!("web"), image(repository!("acme/web")));
    let http = web.port(Protocol::Http, port_name!("web"), port!(8080));
    let metrics = web.port(Protocol::Http, port_name!("metrics"), port!(9090));
    Microservice::<Shop>::new(&platform::environment(env))
        .container(web)
        .readiness(Probe::http("/ready", &http))
        .liveness(Probe::tcp(&http))
        .expose(port!(80), &http)
        .allow_caller(&platform::namespaces::SERVICES, &name!("cart"), &[&http])
        .metrics(&metrics, "/metrics")
        .build()
}

fn cart(env: Env) -> App {
    let mut web = Container::<Cart>::new(name!("web"), image(repository!("acme/cart")));
    let http = web.port(Protocol::Http, port_name!("web"), port!(8080));
    Microservice::<Cart>::new(&platform::environment(env))
        .container(web)
        .readiness(Probe::http("/ready", &http))
        .liveness(Probe::tcp(&http))
        .expose(port!(80), &http)
        .build()
}

#[test]
fn prd_scrapes_every_sidecar_and_istiod_and_the_policies_admit_prometheus() {
    let apps = xtask::model(Env::Prd);
    let telemetry = kumiki_tests::app(&apps, "telemetry");
    let envoy = find::<PodMonitor>(telemetry, "envoy-stats");
    let endpoint = &envoy.spec.pod_metrics_endpoints.as_ref().unwrap()[0];
    assert_eq!(endpoint.port_number, Some(15090));
    assert_eq!(endpoint.path.as_deref(), Some("/stats/prometheus"));
    let istiod = find::<ServiceMonitor>(telemetry, "istiod");
    assert_eq!(istiod.spec.endpoints[0].port.as_deref(), Some("http-monitoring"));
    // Every service admits Prometheus's namespace on the sidecar's statistics port, and only it.
    for service in xtask::workspace().service_apps(Env::Prd) {
        let name = service.name().to_string();
        let policy = find::<NetworkPolicy>(&service, &name);
        let rules = policy.spec.as_ref().unwrap().ingress.as_ref().unwrap();
        let from_prometheus: Vec<_> = (rules.iter())
            .filter(|rule| {
                let peer = &rule.from.as_ref().unwrap()[0];
                let labels = peer.namespace_selector.as_ref().unwrap().match_labels.as_ref().unwrap();
                labels["kubernetes.io/metadata.name"] == "prometheus"
            })
            .collect();
        assert_eq!(from_prometheus.len(), 1, "{name}");
        let ports: Vec<_> = (from_prometheus[0].ports.iter().flatten())
            .map(|port| port.port.clone())
            .collect();
        assert_eq!(ports, [Some(IntOrString::Int(15090))], "{name}");
    }
    assert!(kumiki::synth::synthesize(apps).is_ok());
}

#[test]
fn removing_prometheus_from_a_network_policy_breaks_the_scrape_path() {
    let mut apps = xtask::model(Env::Prd);
    let account = app_mut(&mut apps, "account");
    let mut policy = take::<NetworkPolicy>(account, "account");
    let spec = policy.spec.as_mut().unwrap();
    (spec.ingress.as_mut().unwrap()).retain(|rule| {
        let peer = &rule.from.as_ref().unwrap()[0];
        peer.namespace_selector.as_ref().unwrap().match_labels.as_ref().unwrap()["kubernetes.io/metadata.name"]
            != "prometheus"
    });
    let line = line!() + 1;
    account.add(policy);
    assert_eq!(
        errors(apps),
        [format!(
            "{}:{line}: prd/account: NetworkPolicy services/account admits no ingress from namespace prometheus on port \
             15090 of Deployment services/account, which PodMonitor prometheus/envoy-stats scrapes: the scraper \
             (prometheus/kube-prometheus-stack-prometheus) cannot reach it [rule: telemetry.scrape-path]",
            file!()
        )]
    );
}

#[test]
fn a_service_metrics_port_is_exposed_monitored_through_mutual_tls_and_admitted_by_both_policies() {
    let shop = shop(Env::Prd);
    let monitor = find::<ServiceMonitor>(&shop, "shop");
    let endpoint = &monitor.spec.endpoints[0];
    assert_eq!(endpoint.port.as_deref(), Some("http-metrics"));
    assert_eq!(endpoint.path.as_deref(), Some("/metrics"));
    let tls = endpoint.tls_config.as_ref().unwrap();
    assert_eq!(tls.cert_file.as_deref(), Some("/etc/prom-certs/cert-chain.pem"));
    let service = find::<Service>(&shop, "shop");
    let ports: Vec<_> = (service.spec.as_ref().unwrap().ports.iter().flatten())
        .map(|port| (port.name.clone().unwrap(), port.port))
        .collect();
    assert_eq!(ports, [("http-web".to_owned(), 80), ("http-metrics".to_owned(), 9090)]);
    let policy = find::<AuthorizationPolicy>(&shop, "shop");
    let scraper_rule = (policy.spec.rules.iter().flatten())
        .find(|rule| {
            let source = rule.from.as_ref().unwrap()[0].source.as_ref().unwrap();
            source.principals.as_ref().unwrap()[0] == "cluster.local/ns/prometheus/sa/kube-prometheus-stack-prometheus"
        })
        .expect("a rule for Prometheus");
    let operation = scraper_rule.to.as_ref().unwrap()[0].operation.as_ref().unwrap();
    assert_eq!(operation.ports.as_deref(), Some(&["9090".to_owned()][..]));
    let apps = with_platform(Env::Prd, vec![shop, cart(Env::Prd)]);
    if let Err(errors) = kumiki::synth::synthesize(apps) {
        panic!("{errors}");
    }
}

#[test]
fn removing_prometheus_from_an_authorization_policy_breaks_the_scrape_path() {
    let mut apps = with_platform(Env::Prd, vec![shop(Env::Prd), cart(Env::Prd)]);
    let shop = app_mut(&mut apps, "shop");
    let mut policy = take::<AuthorizationPolicy>(shop, "shop");
    (policy.spec.rules.as_mut().unwrap()).retain(|rule| {
        let source = rule.from.as_ref().unwrap()[0].source.as_ref().unwrap();
        !source.principals.as_ref().unwrap()[0].contains("prometheus")
    });
    let line = line!() + 1;
    shop.add(policy);
    assert_eq!(
        errors(apps),
        [format!(
            "{}:{line}: prd/shop: AuthorizationPolicy services/shop allows no rule for \
             cluster.local/ns/prometheus/sa/kube-prometheus-stack-prometheus on port 9090 of Deployment services/shop, \
             which ServiceMonitor services/shop scrapes: the scraper cannot reach it [rule: telemetry.scrape-path]",
            file!()
        )]
    );
}

#[test]
fn metrics_without_a_scraper_are_refused_at_their_line() {
    let environment = kumiki::platform::Environment::builder()
        .env(Env::Prd.id())
        .namespace(platform::namespaces::SERVICES)
        .node_groups(platform::environment(Env::Prd).node_groups)
        .part_of(platform::PART_OF)
        .policy(platform::environment(Env::Prd).policy)
        .build();
    let mut web = Container::<Shop>::new(name!("web"), image(repository!("acme/web")));
    let http = web.port(Protocol::Http, port_name!("web"), port!(8080));
    let line = line!() + 6;
    let app = Microservice::<Shop>::new(&environment)
        .container(web)
        .readiness(Probe::http("/ready", &http))
        .liveness(Probe::tcp(&http))
        .expose(port!(80), &http)
        .metrics(&http, "/metrics")
        .build();
    let errors = errors(with_platform(Env::Prd, vec![app]));
    assert!(
        errors.contains(&format!(
            "{}:{line}: prd/shop: serves metrics on port http-web, but prd declares no metrics scraper \
             (`Environment::scraper`), so nothing would scrape them [rule: microservice.metrics]",
            file!()
        )),
        "{errors:?}"
    );
}
