//! Lowering of the exposure in the mesh, straight from the spec: a DestinationRule (mutual
//! TLS, circuit breaking, a subset per version), a VirtualService for callers in the mesh,
//! and, for listeners, a Gateway on the ingress gateway and the VirtualService bound to it.
//! A port's path: `expose` records it in the spec, the Service port and these routes read it.

use std::collections::BTreeMap;

use kumiki_core::PortNumber;
use kumiki_crds::istio::{
    DestinationRule, DestinationRuleSpec, DestinationRuleSubsets, DestinationRuleTrafficPolicy,
    DestinationRuleTrafficPolicyConnectionPool, DestinationRuleTrafficPolicyConnectionPoolHttp,
    DestinationRuleTrafficPolicyConnectionPoolTcp, DestinationRuleTrafficPolicyOutlierDetection,
    DestinationRuleTrafficPolicyTls, DestinationRuleTrafficPolicyTlsMode, Gateway, GatewayServers, GatewayServersPort,
    GatewaySpec, VirtualService, VirtualServiceHttp, VirtualServiceHttpMatch, VirtualServiceHttpRetries,
    VirtualServiceHttpRoute, VirtualServiceHttpRouteDestination, VirtualServiceHttpRouteDestinationPort,
    VirtualServiceSpec, VirtualServiceTcp, VirtualServiceTcpMatch, VirtualServiceTcpRoute,
    VirtualServiceTcpRouteDestination, VirtualServiceTcpRouteDestinationPort,
};
use kumiki_crds::non_empty;

use crate::mesh::{CircuitBreaker, Mesh, RetryOn, VERSION_LABEL};
use crate::port::Protocol;

use super::context::Lowering;

impl Lowering<'_> {
    /// Who sees the routing objects: the service's namespace, the ingress gateway's when the
    /// service has listeners (the gateway proxy must see the rules it applies), and the
    /// namespace of every declared caller (its proxy applies them to its calls). No other.
    fn export_to(&self, mesh: &Mesh) -> Vec<String> {
        let mut namespaces = self.callers_export();
        let ingress = mesh.ingress.namespace.to_string();
        if !self.spec.listeners.is_empty() && !namespaces.contains(&ingress) {
            namespaces.push(ingress);
        }
        namespaces
    }

    /// The service's namespace and its declared callers' (the routes of callers in the mesh).
    fn callers_export(&self) -> Vec<String> {
        let own = &self.spec.environment.namespace;
        let mut namespaces = vec![".".to_owned()];
        for caller in self.spec.callers.iter().filter(|caller| caller.namespace != *own) {
            if !namespaces.contains(&caller.namespace.to_string()) {
                namespaces.push(caller.namespace.to_string());
            }
        }
        namespaces
    }

    /// Mutual TLS to the service's pods, its circuit breaker and a subset per version.
    pub(crate) fn destination_rule(&self, mesh: &Mesh) -> DestinationRule {
        let traffic = self.spec.traffic();
        let subsets = (self.spec.versions().iter()).map(|version| DestinationRuleSubsets {
            name: version.name.to_string(),
            labels: Some(BTreeMap::from([(VERSION_LABEL.to_owned(), version.name.to_string())])),
            ..Default::default()
        });
        DestinationRule {
            metadata: self.metadata(self.name()),
            spec: DestinationRuleSpec {
                host: self.name(),
                traffic_policy: Some(DestinationRuleTrafficPolicy {
                    tls: Some(DestinationRuleTrafficPolicyTls {
                        mode: Some(DestinationRuleTrafficPolicyTlsMode::IstioMutual),
                        ..Default::default()
                    }),
                    connection_pool: traffic.circuit_breaker.as_ref().map(connection_pool),
                    outlier_detection: traffic.circuit_breaker.as_ref().map(outlier_detection),
                    ..Default::default()
                }),
                subsets: non_empty(subsets.collect()),
                export_to: Some(self.export_to(mesh)),
                ..Default::default()
            },
        }
    }

    /// The routes of callers in the mesh: an HTTP route per HTTP or gRPC Service port, a TCP
    /// route per opaque TCP one (a database), split by version weight.
    pub(crate) fn mesh_virtual_service(&self) -> VirtualService {
        let ports = &self.spec.service_ports;
        let http = (ports.iter().filter(|exposed| exposed.target.protocol != Protocol::Tcp)).map(|exposed| {
            let matched = VirtualServiceHttpMatch {
                port: Some(exposed.port.get().into()),
                ..Default::default()
            };
            self.http_route(matched, exposed.port)
        });
        let tcp = (ports.iter().filter(|exposed| exposed.target.protocol == Protocol::Tcp)).map(|exposed| {
            VirtualServiceTcp {
                r#match: Some(vec![VirtualServiceTcpMatch {
                    port: Some(exposed.port.get().into()),
                    ..Default::default()
                }]),
                route: Some(self.tcp_destinations(exposed.port)),
            }
        });
        VirtualService {
            metadata: self.metadata(self.name()),
            spec: VirtualServiceSpec {
                hosts: Some(vec![self.name()]),
                gateways: Some(vec!["mesh".to_owned()]),
                http: non_empty(http.collect()),
                tcp: non_empty(tcp.collect()),
                export_to: Some(self.callers_export()),
                ..Default::default()
            },
        }
    }

    /// The Gateway of the listeners on the ingress gateway proxy and the VirtualService bound
    /// to it, when the service has listeners.
    pub(crate) fn ingress(&self, mesh: &Mesh) -> Option<(Gateway, VirtualService)> {
        let listeners = &self.spec.listeners;
        if listeners.is_empty() {
            return None;
        }
        let gateway_name = format!("{}-ingress", self.name());
        let servers = listeners.iter().map(|binding| GatewayServers {
            port: GatewayServersPort {
                number: binding.listener.port.get().into(),
                protocol: Protocol::Http.istio_name().to_owned(),
                name: binding.listener.port_name(),
                ..Default::default()
            },
            hosts: vec!["*".to_owned()],
            ..Default::default()
        });
        let selector = &mesh.ingress.selector;
        let gateway = Gateway {
            metadata: self.metadata(gateway_name.clone()),
            spec: GatewaySpec {
                selector: Some(BTreeMap::from([(selector.key.to_string(), selector.value.to_string())])),
                servers: Some(servers.collect()),
            },
        };
        let binding = format!("{}/{gateway_name}", self.namespace());
        let routes: Vec<VirtualServiceHttp> = (listeners.iter())
            .map(|listener| {
                let matched = VirtualServiceHttpMatch {
                    port: Some(listener.listener.port.get().into()),
                    gateways: Some(vec![binding.clone()]),
                    ..Default::default()
                };
                self.http_route(matched, listener.service_port)
            })
            .collect();
        let virtual_service = VirtualService {
            metadata: self.metadata(gateway_name),
            spec: VirtualServiceSpec {
                // Requests from outside carry any Host header; the listener port selects them.
                hosts: Some(vec!["*".to_owned()]),
                gateways: Some(vec![binding]),
                http: Some(routes),
                export_to: Some(self.export_to(mesh)),
                ..Default::default()
            },
        };
        Some((gateway, virtual_service))
    }

    /// The destinations of traffic: the Service, or each version's subset by its weight.
    fn destinations(&self) -> Vec<(Option<String>, Option<i32>)> {
        let versions = self.spec.versions();
        if versions.is_empty() {
            return vec![(None, None)];
        }
        (versions.iter())
            .map(|version| (Some(version.name.to_string()), Some(version.weight.into())))
            .collect()
    }

    /// An HTTP route of `matched` requests to Service port `port`, with the traffic policy's
    /// timeout and retries.
    fn http_route(&self, matched: VirtualServiceHttpMatch, port: PortNumber) -> VirtualServiceHttp {
        let traffic = self.spec.traffic();
        let destinations = (self.destinations().into_iter()).map(|(subset, weight)| VirtualServiceHttpRoute {
            destination: VirtualServiceHttpRouteDestination {
                host: self.name(),
                subset,
                port: Some(VirtualServiceHttpRouteDestinationPort {
                    number: Some(port.get().into()),
                }),
            },
            weight,
            ..Default::default()
        });
        VirtualServiceHttp {
            r#match: Some(vec![matched]),
            route: Some(destinations.collect()),
            timeout: traffic.timeout.map(|timeout| timeout.to_string()),
            retries: traffic.retries.as_ref().map(|retries| VirtualServiceHttpRetries {
                attempts: Some(int32(retries.attempts)),
                per_try_timeout: Some(retries.per_try_timeout.to_string()),
                retry_on: Some(RetryOn::join(&retries.retry_on)),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn tcp_destinations(&self, port: PortNumber) -> Vec<VirtualServiceTcpRoute> {
        (self.destinations().into_iter())
            .map(|(subset, weight)| VirtualServiceTcpRoute {
                destination: VirtualServiceTcpRouteDestination {
                    host: self.name(),
                    subset,
                    port: Some(VirtualServiceTcpRouteDestinationPort {
                        number: Some(port.get().into()),
                    }),
                },
                weight,
            })
            .collect()
    }
}

fn connection_pool(breaker: &CircuitBreaker) -> DestinationRuleTrafficPolicyConnectionPool {
    DestinationRuleTrafficPolicyConnectionPool {
        tcp: Some(DestinationRuleTrafficPolicyConnectionPoolTcp {
            max_connections: Some(int32(breaker.max_connections)),
            ..Default::default()
        }),
        http: Some(DestinationRuleTrafficPolicyConnectionPoolHttp {
            http1_max_pending_requests: Some(int32(breaker.max_pending_requests)),
            ..Default::default()
        }),
    }
}

fn outlier_detection(breaker: &CircuitBreaker) -> DestinationRuleTrafficPolicyOutlierDetection {
    DestinationRuleTrafficPolicyOutlierDetection {
        consecutive5xx_errors: Some(breaker.consecutive_5xx_errors.into()),
        interval: Some(breaker.interval.to_string()),
        base_ejection_time: Some(breaker.base_ejection_time.to_string()),
        ..Default::default()
    }
}

/// `value` as the schema's int32, capped at its largest value (already more than a proxy would
/// ever hold).
fn int32(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}
