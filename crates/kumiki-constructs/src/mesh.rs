//! The service mesh (Istio) as the platform runs it, and what a service declares about its
//! place in it: ingress listeners and traffic policy.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::ServicePort;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kumiki_core::{Label, LabelValue, Name, NodePort, PortName, PortNumber, SourceLocation};
use kumiki_crds::Duration;
use kumiki_crds::istio::{
    PeerAuthentication, PeerAuthenticationMtls, PeerAuthenticationMtlsMode, PeerAuthenticationSpec, Sidecar,
    SidecarEgress, SidecarOutboundTrafficPolicy, SidecarOutboundTrafficPolicyMode, SidecarSpec,
};
use kumiki_synth::{App, DeclaredCall, ProvidedService};
use typed_builder::TypedBuilder;

/// The label that enrols a namespace's pods in the mesh (sidecar injection by revision).
pub const REVISION_LABEL: &str = "istio.io/rev";

/// The pod label a [`Version`](crate::Version) sets and its subset selects (Istio's convention).
pub const VERSION_LABEL: &str = "version";

/// The mesh of an environment: its revision, its root namespace and its gateway proxies.
///
/// Built with `builder()` (required fields checked at compile time): the struct is
/// `#[non_exhaustive]`, so a field added later does not break a platform that builds one.
#[derive(Clone, Debug, TypedBuilder)]
#[non_exhaustive]
pub struct Mesh {
    /// The revision (or revision tag) namespaces are enrolled with: `istio.io/rev=<revision>`.
    pub revision: LabelValue,
    /// Istio's root namespace; policy there applies to the whole mesh.
    pub root_namespace: Name,
    /// The ingress gateway proxy.
    pub ingress: GatewayProxy,
    /// The egress gateway proxy.
    pub egress: GatewayProxy,
}

/// A gateway proxy deployment (installed by Istio's `gateway` chart).
///
/// Built with `builder()` (required fields checked at compile time): the struct is
/// `#[non_exhaustive]`, so a field added later does not break a platform that builds one.
#[derive(Clone, Debug, TypedBuilder)]
#[non_exhaustive]
pub struct GatewayProxy {
    /// Its Service (and release) name.
    pub name: Name,
    /// Its namespace.
    pub namespace: Name,
    /// The pod label Gateways select it by.
    pub selector: Label,
}

impl Mesh {
    /// The labels that enrol a namespace in the mesh.
    pub fn namespace_labels(&self) -> BTreeMap<String, String> {
        BTreeMap::from([(REVISION_LABEL.to_owned(), self.revision.to_string())])
    }

    /// The default Sidecar of `namespace`: its proxies see only their own namespace, the root
    /// namespace and the egress gateway's, and drop requests for hosts the registry does not
    /// know (`REGISTRY_ONLY`), so every call out of the cluster goes through a declared
    /// [`ExternalHost`](crate::ExternalHost) and the egress gateway. (The seed set
    /// `REGISTRY_ONLY` in istiod's values, away from the namespaces it governs.)
    ///
    /// `calls` are the calls the services declare (their apps' published [`DeclaredCall`]s):
    /// each one from `namespace` to a Service of another namespace adds that Service's host,
    /// and nothing else becomes visible.
    pub fn sidecar(&self, namespace: &Name, calls: &[&DeclaredCall]) -> Sidecar {
        let mut hosts = vec![
            "./*".to_owned(),
            format!("{}/*", self.root_namespace),
            format!("{}/*", self.egress.namespace),
        ];
        let called = (calls.iter())
            .filter(|call| call.caller_namespace == *namespace && call.service_namespace != *namespace)
            .map(|call| format!("{0}/{1}.{0}.svc.cluster.local", call.service_namespace, call.service));
        for host in called {
            if !hosts.contains(&host) {
                hosts.push(host);
            }
        }
        Sidecar {
            metadata: ObjectMeta {
                name: Some("default".to_owned()),
                namespace: Some(namespace.to_string()),
                ..Default::default()
            },
            spec: SidecarSpec {
                egress: Some(vec![SidecarEgress {
                    hosts,
                    ..Default::default()
                }]),
                outbound_traffic_policy: Some(SidecarOutboundTrafficPolicy {
                    mode: Some(SidecarOutboundTrafficPolicyMode::RegistryOnly),
                    ..Default::default()
                }),
                ..Default::default()
            },
        }
    }

    /// Mesh-wide STRICT mutual TLS: a PeerAuthentication `default` in the root namespace.
    pub fn strict_mtls(&self) -> PeerAuthentication {
        PeerAuthentication {
            metadata: ObjectMeta {
                name: Some("default".to_owned()),
                namespace: Some(self.root_namespace.to_string()),
                ..Default::default()
            },
            spec: PeerAuthenticationSpec {
                mtls: Some(PeerAuthenticationMtls {
                    mode: Some(PeerAuthenticationMtlsMode::Strict),
                }),
                ..Default::default()
            },
        }
    }
}

/// A port opened on the ingress gateway for one service. It is declared once, by the
/// service, and everything else derives from it: the Gateway server, the VirtualService
/// match, and the ingress gateway Service port (see [`GatewayProxy::service_ports`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listener {
    /// Its name; the Gateway server port and the gateway Service port are `http-<name>`.
    pub name: PortName,
    /// The port the gateway listens on (and its Service exposes).
    pub port: PortNumber,
    /// The NodePort, where the gateway Service is of type NodePort (dev).
    pub node_port: Option<NodePort>,
}

impl Listener {
    /// A listener named `name` on `port`.
    pub const fn new(name: PortName, port: PortNumber) -> Listener {
        Listener {
            name,
            port,
            node_port: None,
        }
    }

    /// Also opens `node_port` on every node where the gateway Service is a NodePort.
    pub const fn with_node_port(mut self, node_port: NodePort) -> Listener {
        self.node_port = Some(node_port);
        self
    }

    /// The emitted port name, `http-<name>`.
    pub fn port_name(&self) -> String {
        format!("http-{}", self.name)
    }
}

/// Conditions under which a failed request is retried (Envoy's `retryOn` values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RetryOn {
    /// Any 5xx response.
    FiveXx,
    /// 502, 503 or 504.
    GatewayError,
    /// The upstream reset the connection.
    Reset,
    /// Connecting failed.
    ConnectFailure,
    /// The upstream refused the stream (HTTP/2 REFUSED_STREAM).
    RefusedStream,
    /// gRPC status `unavailable`.
    Unavailable,
}

impl RetryOn {
    fn as_str(self) -> &'static str {
        match self {
            RetryOn::FiveXx => "5xx",
            RetryOn::GatewayError => "gateway-error",
            RetryOn::Reset => "reset",
            RetryOn::ConnectFailure => "connect-failure",
            RetryOn::RefusedStream => "refused-stream",
            RetryOn::Unavailable => "unavailable",
        }
    }

    /// `retryOn` for a list of conditions.
    pub(crate) fn join(conditions: &[RetryOn]) -> String {
        conditions.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(",")
    }
}

/// Retries of a route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Retries {
    /// Attempts after the first.
    pub attempts: u32,
    /// Timeout of each attempt.
    pub per_try_timeout: Duration,
    /// When to retry.
    pub retry_on: Vec<RetryOn>,
}

/// Circuit breaking toward the service: connection limits and ejection of failing pods.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CircuitBreaker {
    /// Maximum TCP connections from each client proxy.
    pub max_connections: u32,
    /// Maximum requests waiting for a connection.
    pub max_pending_requests: u32,
    /// Consecutive 5xx responses before a pod is ejected.
    pub consecutive_5xx_errors: u32,
    /// Time between ejection sweeps.
    pub interval: Duration,
    /// Minimum ejection time.
    pub base_ejection_time: Duration,
}

/// How callers' proxies treat requests to the service: the seed article's timeout, retry
/// and circuit-breaking settings, typed. Every part is optional.
///
/// Built with `builder()` (required fields checked at compile time): the struct is
/// `#[non_exhaustive]`, so a field added later does not break a platform that builds one.
#[derive(Clone, Debug, Default, PartialEq, Eq, TypedBuilder)]
#[non_exhaustive]
pub struct TrafficPolicy {
    /// Timeout of a whole request, retries included.
    #[builder(default, setter(strip_option))]
    pub timeout: Option<Duration>,
    /// Retries.
    #[builder(default, setter(strip_option))]
    pub retries: Option<Retries>,
    /// Circuit breaking.
    #[builder(default, setter(strip_option))]
    pub circuit_breaker: Option<CircuitBreaker>,
}

/// A listener opened on one gateway proxy; published by the construct that declares it
/// (a Microservice's ingress listener, an egress route), read by [`GatewayProxy::service_ports`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GatewayListener {
    /// The gateway proxy's name.
    pub proxy: Name,
    /// The listener.
    pub listener: Listener,
    /// Where it was declared: a conflict with another app's listener is reported there.
    pub declared_at: SourceLocation,
}

impl GatewayProxy {
    /// The listeners any app opened on this proxy, in port order, each port once (two egress
    /// hosts may share the proxy's port 80).
    fn listeners<'a>(&self, apps: impl IntoIterator<Item = &'a App>) -> Vec<&'a Listener> {
        let mut listeners: Vec<&Listener> = (apps.into_iter())
            .flat_map(|app| app.published::<GatewayListener>())
            .filter(|opened| opened.proxy == self.name)
            .map(|opened| &opened.listener)
            .collect();
        listeners.sort_by_key(|listener| listener.port);
        listeners.dedup_by_key(|listener| listener.port);
        listeners
    }

    /// The ports of this proxy's Service (the values handed to Istio's `gateway` chart): one
    /// per listener any app opened on it, in port order.
    pub fn service_ports<'a>(&self, apps: impl IntoIterator<Item = &'a App>) -> Vec<ServicePort> {
        (self.listeners(apps).into_iter())
            .map(|listener| ServicePort {
                name: Some(listener.port_name()),
                port: listener.port.get().into(),
                target_port: Some(IntOrString::Int(listener.port.get().into())),
                node_port: listener.node_port.map(|port| port.get().into()),
                protocol: Some("TCP".to_owned()),
                ..Default::default()
            })
            .collect()
    }

    /// Listeners of different ports that claim one NodePort: the gateway's Service could not
    /// be created. Each conflict is reported at the later declaration, naming the earlier.
    pub fn node_port_conflicts<'a>(&self, apps: impl IntoIterator<Item = &'a App>) -> Vec<(SourceLocation, String)> {
        let mut opened: Vec<&GatewayListener> = (apps.into_iter())
            .flat_map(|app| app.published::<GatewayListener>())
            .filter(|opened| opened.proxy == self.name && opened.listener.node_port.is_some())
            .collect();
        opened.sort_by_key(|opened| (opened.declared_at, opened.listener.port));
        let mut conflicts = Vec::new();
        for (index, later) in opened.iter().enumerate() {
            let earlier = (opened[..index].iter()).find(|earlier| {
                earlier.listener.node_port == later.listener.node_port && earlier.listener.port != later.listener.port
            });
            if let (Some(earlier), Some(node_port)) = (earlier, later.listener.node_port) {
                conflicts.push((
                    later.declared_at,
                    format!(
                        "listener {} (port {}) claims NodePort {node_port} of {}, which listener {} (port {}) declared at {} already uses",
                        later.listener.name, later.listener.port, self.name, earlier.listener.name, earlier.listener.port, earlier.declared_at
                    ),
                ));
            }
        }
        conflicts
    }

    /// The pod labels Istio's `gateway` chart gives the proxy: `app: <release>` and the selector.
    pub fn pod_labels(&self) -> BTreeMap<String, String> {
        BTreeMap::from([
            ("app".to_owned(), self.name.to_string()),
            (self.selector.key.to_string(), self.selector.value.to_string()),
        ])
    }

    /// The proxy as synth's checks see it: a Service the chart renders, with the ports of
    /// [`service_ports`](GatewayProxy::service_ports) and the chart's ServiceAccount (named
    /// after the release). Publish it from the app that installs the chart.
    pub fn provided_service<'a>(&self, apps: impl IntoIterator<Item = &'a App>) -> ProvidedService {
        ProvidedService {
            namespace: self.namespace.clone(),
            name: self.name.clone(),
            ports: self.listeners(apps).into_iter().map(|listener| listener.port).collect(),
            pod_labels: self.pod_labels(),
            service_account: self.name.clone(),
            provider: "Istio gateway chart",
        }
    }

    /// The proxy's Service as a mesh host: `<name>.<namespace>.svc.cluster.local`.
    pub fn host(&self) -> String {
        format!("{}.{}.svc.cluster.local", self.name, self.namespace)
    }
}
