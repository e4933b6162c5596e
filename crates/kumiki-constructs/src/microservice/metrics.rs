//! Lowering of the service's own metrics: the ServiceMonitor that points the platform's
//! scraper at the port the service declared with `.metrics(..)`.

use kumiki_crds::prometheus_operator::{
    ServiceMonitor, ServiceMonitorEndpoints, ServiceMonitorEndpointsScheme, ServiceMonitorEndpointsTlsConfig,
    ServiceMonitorSelector, ServiceMonitorSpec,
};
use kumiki_synth::MetricsScraper;

use super::context::Lowering;
use super::spec::Metrics;

impl Lowering<'_> {
    /// The ServiceMonitor of `metrics`. In the mesh the port sits behind mutual TLS, so the
    /// scraper presents the mesh certificates it holds; it does not verify the name the pod's
    /// certificate carries (a SPIFFE identity, not a DNS name), as Istio documents.
    pub(crate) fn service_monitor(&self, metrics: &Metrics, scraper: &MetricsScraper) -> ServiceMonitor {
        let certificates = (self.spec.environment.mesh.as_ref()).and(scraper.mesh_certificates.as_deref());
        ServiceMonitor {
            metadata: self.metadata(self.name()),
            spec: ServiceMonitorSpec {
                selector: ServiceMonitorSelector {
                    match_labels: Some(self.selector_labels()),
                    ..Default::default()
                },
                endpoints: vec![ServiceMonitorEndpoints {
                    port: Some(metrics.port.port_name()),
                    path: Some(metrics.path.clone()),
                    scheme: certificates.map(|_| ServiceMonitorEndpointsScheme::Https),
                    tls_config: certificates.map(|directory| ServiceMonitorEndpointsTlsConfig {
                        ca_file: Some(format!("{directory}/root-cert.pem")),
                        cert_file: Some(format!("{directory}/cert-chain.pem")),
                        key_file: Some(format!("{directory}/key.pem")),
                        insecure_skip_verify: Some(true),
                        ..Default::default()
                    }),
                    ..Default::default()
                }],
                ..Default::default()
            },
        }
    }
}
