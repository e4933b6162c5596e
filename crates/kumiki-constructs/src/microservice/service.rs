//! Lowering of the service: the Service, a StatefulSet's headless Service, and the mesh
//! routing of the exposed ports.

use k8s_openapi::api::core::v1::{Service, ServicePort, ServiceSpec};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kumiki_core::PortNumber;

use crate::mesh::{ExposedPort, Exposure, ListenerRoute, Mesh, Routing, routing};
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

    /// DestinationRule, VirtualService and, for listeners, the Gateway and its VirtualService.
    pub(crate) fn routing(&self, mesh: &Mesh) -> Routing {
        let spec = self.spec;
        let labels = self.labels();
        let namespace = self.namespace();
        let traffic = spec.traffic();
        routing(&Exposure {
            name: spec.name.as_str(),
            namespace: &namespace,
            labels: &labels,
            ports: (spec.service_ports.iter())
                .map(|exposed| ExposedPort {
                    port: exposed.port,
                    protocol: exposed.target.protocol,
                })
                .collect(),
            listeners: (spec.listeners.iter())
                .map(|binding| ListenerRoute {
                    listener: &binding.listener,
                    service_port: binding.service_port,
                })
                .collect(),
            versions: (spec.versions().iter())
                .map(|v| (v.name.to_string(), v.weight))
                .collect(),
            traffic: &traffic,
            mesh,
        })
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
