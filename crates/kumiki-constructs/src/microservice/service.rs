//! Lowering of the service: the Service and a StatefulSet's headless Service.

use k8s_openapi::api::core::v1::{Service, ServicePort, ServiceSpec};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kumiki_core::PortNumber;

use crate::port::Port;

use super::context::Lowering;

impl Lowering<'_> {
    pub(crate) fn headless_service_name(&self) -> String {
        format!("{}-headless", self.name())
    }

    /// The StatefulSet's governing Service: no cluster IP, so each pod's DNS name resolves to
    /// the pod itself; it publishes container ports as they are (a headless Service maps none).
    pub(crate) fn headless_service(&self) -> Service {
        let ports = (self.spec.containers.iter())
            .flat_map(|c| &c.ports)
            .map(|port| service_port(port.value.number, &port.value));
        Service {
            metadata: self.metadata(self.headless_service_name()),
            spec: Some(ServiceSpec {
                cluster_ip: Some("None".to_owned()),
                selector: Some(self.selector_labels()),
                ports: Some(ports.collect()),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    pub(crate) fn service(&self) -> Service {
        let mut ports: Vec<ServicePort> = (self.spec.service_ports.iter())
            .map(|exposed| service_port(exposed.port, &exposed.target))
            .collect();
        // The metrics port, for the scraper's ServiceMonitor, unless a declared port exposes it.
        if let Some(metrics) = &self.spec.metrics {
            let port = &metrics.value.port;
            if !self.spec.service_ports.iter().any(|exposed| exposed.target == *port) {
                ports.push(service_port(port.number, port));
            }
        }
        Service {
            metadata: self.metadata(self.name()),
            spec: Some(ServiceSpec {
                type_: Some("ClusterIP".to_owned()),
                selector: Some(self.selector_labels()),
                ports: Some(ports),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    /// The container ports the ingress listeners reach.
    pub(crate) fn listener_targets(&self) -> Vec<&Port> {
        let spec = self.spec;
        (spec.listeners.iter())
            .filter_map(|binding| (spec.service_ports.iter()).find(|exposed| exposed.port == binding.service_port))
            .map(|exposed| &exposed.target)
            .collect()
    }
}

/// Service `port`, forwarded to the container port `target` by name.
pub(crate) fn service_port(port: PortNumber, target: &Port) -> ServicePort {
    ServicePort {
        name: Some(target.port_name()),
        app_protocol: Some(target.protocol.as_str().to_owned()),
        protocol: Some("TCP".to_owned()),
        port: port.get().into(),
        target_port: Some(IntOrString::String(target.port_name())),
        ..Default::default()
    }
}
