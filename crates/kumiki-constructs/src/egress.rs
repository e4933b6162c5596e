//! Egress through the mesh's egress gateway: a host outside the cluster, registered with a
//! ServiceEntry and reached only through the egress gateway proxy (the seed's curl →
//! httpbin.org path), declared once.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kumiki_core::{Name, PortName, PortNumber, SourceLocation, Subdomain, name};
use kumiki_crds::istio::{
    Gateway, GatewayServers, GatewayServersPort, GatewaySpec, ServiceEntry, ServiceEntryLocation, ServiceEntryPorts,
    ServiceEntryResolution, ServiceEntrySpec, VirtualService, VirtualServiceHttp, VirtualServiceHttpMatch,
    VirtualServiceHttpRoute, VirtualServiceHttpRouteDestination, VirtualServiceHttpRouteDestinationPort,
    VirtualServiceSpec,
};
use kumiki_synth::App;
use typed_builder::TypedBuilder;

use crate::environment::Environment;
use crate::mesh::{GatewayListener, Listener, Mesh};
use crate::port::Protocol;

/// A host outside the cluster reached over plain HTTP (the egress gateway is where TLS would
/// be originated).
///
/// Built with `builder()` (required fields checked at compile time): the struct is
/// `#[non_exhaustive]`, so a field added later does not break a platform that builds one.
#[derive(Clone, Debug, PartialEq, Eq, TypedBuilder)]
#[non_exhaustive]
pub struct ExternalHost {
    /// The name of the objects that route to it.
    pub name: Name,
    /// The DNS name.
    pub host: Subdomain,
    /// Its port; the egress gateway listens on the same port.
    pub port: PortNumber,
    /// Its port name; the emitted name is `http-<name>`.
    pub port_name: PortName,
}

impl ExternalHost {
    fn listener(&self) -> Listener {
        Listener::new(self.port_name.clone(), self.port)
    }
}

/// The `egress` app: for every external host, a ServiceEntry (so `REGISTRY_ONLY` sidecars
/// know the host), a Gateway on the egress gateway proxy, and one VirtualService that sends
/// the mesh's requests for the host to the egress gateway and the gateway's on to the host.
///
/// ```
/// use kumiki_constructs::{Egress, ExternalHost};
/// # use kumiki_core::*;
/// # fn environment() -> kumiki_constructs::Environment { unimplemented!() }
/// # fn build() -> kumiki_synth::App {
/// Egress::new(&environment())
///     .route(
///         ExternalHost::builder()
///             .name(name!("httpbin-org"))
///             .host(subdomain!("httpbin.org"))
///             .port(port!(80))
///             .port_name(port_name!("httpbin"))
///             .build(),
///     )
///     .build()
/// # }
/// ```
pub struct Egress {
    environment: Environment,
    declared_at: SourceLocation,
    hosts: Vec<ExternalHost>,
}

impl Egress {
    /// No routes yet; the caller's location is recorded for errors.
    #[track_caller]
    pub fn new(environment: &Environment) -> Egress {
        Egress {
            environment: environment.clone(),
            declared_at: SourceLocation::caller(),
            hosts: Vec::new(),
        }
    }

    /// Routes requests for `host` through the egress gateway.
    pub fn route(mut self, host: ExternalHost) -> Egress {
        self.hosts.push(host);
        self
    }

    /// Lowers every route into the `egress` app and opens the listeners on the egress proxy.
    pub fn build(self) -> App {
        let mut app = App::new(name!("egress"));
        let at = self.declared_at;
        let Some(mesh) = &self.environment.mesh else {
            app.report(
                at,
                &crate::rules::EGRESS_ROUTES,
                "egress routes go through the mesh's egress gateway, and this environment has no mesh".to_owned(),
            );
            return app;
        };
        for (index, host) in self.hosts.iter().enumerate() {
            if self.hosts[..index].iter().any(|other| other.host == host.host) {
                app.report(
                    at,
                    &crate::rules::EGRESS_ROUTES,
                    format!("external host {} is routed twice", host.host),
                );
            }
            app.add_at(self.service_entry(mesh, host), at);
            app.add_at(self.gateway(mesh, host), at);
            app.add_at(self.virtual_service(mesh, host), at);
            app.publish(GatewayListener {
                proxy: mesh.egress.name.clone(),
                listener: host.listener(),
                declared_at: at,
            });
        }
        app
    }

    fn metadata(&self, name: String) -> ObjectMeta {
        ObjectMeta {
            name: Some(name),
            namespace: Some(self.environment.namespace.to_string()),
            labels: Some(self.environment.labels()),
            ..Default::default()
        }
    }

    /// The namespaces that must see the host's routing: the callers' and the egress proxy's.
    fn export_to(mesh: &Mesh) -> Vec<String> {
        vec![".".to_owned(), mesh.egress.namespace.to_string()]
    }

    fn service_entry(&self, mesh: &Mesh, host: &ExternalHost) -> ServiceEntry {
        ServiceEntry {
            metadata: self.metadata(host.name.to_string()),
            spec: ServiceEntrySpec {
                hosts: vec![host.host.to_string()],
                ports: Some(vec![ServiceEntryPorts {
                    number: host.port.get().into(),
                    protocol: Some(Protocol::Http.istio_name().to_owned()),
                    name: host.listener().port_name(),
                    ..Default::default()
                }]),
                location: Some(ServiceEntryLocation::MeshExternal),
                resolution: Some(ServiceEntryResolution::Dns),
                export_to: Some(Egress::export_to(mesh)),
                ..Default::default()
            },
        }
    }

    fn gateway_name(host: &ExternalHost) -> String {
        format!("{}-egress", host.name)
    }

    fn gateway(&self, mesh: &Mesh, host: &ExternalHost) -> Gateway {
        let proxy = &mesh.egress;
        Gateway {
            metadata: self.metadata(Egress::gateway_name(host)),
            spec: GatewaySpec {
                selector: Some(BTreeMap::from([(
                    proxy.selector.key.to_string(),
                    proxy.selector.value.to_string(),
                )])),
                servers: Some(vec![GatewayServers {
                    port: GatewayServersPort {
                        number: host.port.get().into(),
                        protocol: Protocol::Http.istio_name().to_owned(),
                        name: host.listener().port_name(),
                        ..Default::default()
                    },
                    hosts: vec![host.host.to_string()],
                    ..Default::default()
                }]),
            },
        }
    }

    fn virtual_service(&self, mesh: &Mesh, host: &ExternalHost) -> VirtualService {
        let binding = format!("{}/{}", self.environment.namespace, Egress::gateway_name(host));
        let port = i64::from(host.port.get());
        let hop = |arrived_through: &str, to: String| VirtualServiceHttp {
            r#match: Some(vec![VirtualServiceHttpMatch {
                port: Some(port),
                gateways: Some(vec![arrived_through.to_owned()]),
                ..Default::default()
            }]),
            route: Some(vec![VirtualServiceHttpRoute {
                destination: VirtualServiceHttpRouteDestination {
                    host: to,
                    subset: None,
                    port: Some(VirtualServiceHttpRouteDestinationPort { number: Some(port) }),
                },
                ..Default::default()
            }]),
            ..Default::default()
        };
        VirtualService {
            metadata: self.metadata(Egress::gateway_name(host)),
            spec: VirtualServiceSpec {
                hosts: Some(vec![host.host.to_string()]),
                gateways: Some(vec!["mesh".to_owned(), binding.clone()]),
                http: Some(vec![
                    hop("mesh", mesh.egress.host()),
                    hop(&binding, host.host.to_string()),
                ]),
                export_to: Some(Egress::export_to(mesh)),
                ..Default::default()
            },
        }
    }
}
