//! Metrics: who scrapes them and what. Prometheus (kube-prometheus-stack) runs with a mesh
//! sidecar that only hands it the mesh's certificates (it captures none of its traffic), so it
//! scrapes ports behind mutual TLS as its own identity; it scrapes every service's Envoy
//! statistics and istiod. The Microservices admit it in their NetworkPolicies (and, for a
//! service's own `.metrics(..)` port, in their AuthorizationPolicies); synth checks the path.

use kumiki::crds::prometheus_operator::{
    PodMonitor, PodMonitorNamespaceSelector, PodMonitorPodMetricsEndpoints, PodMonitorSelector, PodMonitorSpec,
    ServiceMonitor, ServiceMonitorEndpoints, ServiceMonitorNamespaceSelector, ServiceMonitorSelector,
    ServiceMonitorSpec,
};
use kumiki::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kumiki::platform::MetricsScraper;
use kumiki::prelude::*;
use kumiki::serde_json::{Value, json};

use crate::{Env, PART_OF, environment, mesh, namespaces};

/// The port Envoy serves its statistics on in every sidecar.
pub const ENVOY_STATS_PORT: PortNumber = port!(15090);
/// The ServiceAccount kube-prometheus-stack gives Prometheus: `<release>-prometheus`.
pub const PROMETHEUS_SERVICE_ACCOUNT: Name = name!("kube-prometheus-stack-prometheus");
/// Where Prometheus finds the mesh certificates its sidecar writes.
const PROMETHEUS_CERTIFICATES: &str = "/etc/prom-certs";
/// The label the Envoy statistics PodMonitor selects service pods by (with [`PART_OF`]).
pub const SCRAPED_LABEL: &str = "app.kubernetes.io/part-of";
/// Where the sidecar writes them (a memory volume shared with Prometheus).
const SIDECAR_CERTIFICATES: &str = "/etc/istio-output-certs";

/// Prometheus, as the services and the checks know it.
pub fn scraper() -> MetricsScraper {
    MetricsScraper {
        namespace: namespaces::PROMETHEUS,
        service_account: PROMETHEUS_SERVICE_ACCOUNT,
        proxy_ports: vec![ENVOY_STATS_PORT],
        mesh_certificates: Some(PROMETHEUS_CERTIFICATES.to_owned()),
    }
}

/// `prometheus.prometheusSpec` of kube-prometheus-stack: it reads every PodMonitor and
/// ServiceMonitor (not only those labelled with its release), and its pod gets a sidecar that
/// captures no traffic and writes the mesh certificates to a volume Prometheus mounts.
pub fn prometheus_spec() -> Value {
    json!({
        "podMonitorSelectorNilUsesHelmValues": false,
        "serviceMonitorSelectorNilUsesHelmValues": false,
        "podMetadata": {
            "labels": mesh().namespace_labels(),
            "annotations": {
                "traffic.sidecar.istio.io/includeInboundPorts": "",
                "traffic.sidecar.istio.io/includeOutboundIPRanges": "",
                "proxy.istio.io/config": json!({ "proxyMetadata": { "OUTPUT_CERTS": SIDECAR_CERTIFICATES } }).to_string(),
                "sidecar.istio.io/userVolumeMount": json!([{ "name": "istio-certs", "mountPath": SIDECAR_CERTIFICATES }]).to_string(),
            },
        },
        "volumes": [{ "name": "istio-certs", "emptyDir": { "medium": "Memory" } }],
        "volumeMounts": [{ "name": "istio-certs", "mountPath": PROMETHEUS_CERTIFICATES }],
    })
}

fn metadata(env: Env, name: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_owned()),
        namespace: Some(namespaces::PROMETHEUS.to_string()),
        labels: Some(environment(env).labels()),
        ..Default::default()
    }
}

/// The app that tells Prometheus what to scrape: the Envoy statistics of every service pod
/// and istiod's metrics. The scraper itself is a platform fact ([`scraper`]).
pub fn app(env: Env) -> App {
    let mut app = App::new(name!("telemetry"));
    app.add(PodMonitor {
        metadata: metadata(env, "envoy-stats"),
        spec: PodMonitorSpec {
            namespace_selector: Some(PodMonitorNamespaceSelector {
                match_names: Some(namespaces::SERVICE_NAMESPACES.iter().map(ToString::to_string).collect()),
                ..Default::default()
            }),
            selector: PodMonitorSelector {
                match_labels: Some([(SCRAPED_LABEL.to_owned(), PART_OF.to_string())].into()),
                ..Default::default()
            },
            pod_metrics_endpoints: Some(vec![PodMonitorPodMetricsEndpoints {
                port_number: Some(ENVOY_STATS_PORT.get().into()),
                path: Some("/stats/prometheus".to_owned()),
                ..Default::default()
            }]),
            ..Default::default()
        },
    });
    app.add(ServiceMonitor {
        metadata: metadata(env, "istiod"),
        spec: ServiceMonitorSpec {
            namespace_selector: Some(ServiceMonitorNamespaceSelector {
                match_names: Some(vec![namespaces::ISTIO_SYSTEM.to_string()]),
                ..Default::default()
            }),
            selector: ServiceMonitorSelector {
                match_labels: Some([("app".to_owned(), "istiod".to_owned())].into()),
                ..Default::default()
            },
            endpoints: vec![ServiceMonitorEndpoints {
                port: Some("http-monitoring".to_owned()),
                ..Default::default()
            }],
            ..Default::default()
        },
    });
    app
}
