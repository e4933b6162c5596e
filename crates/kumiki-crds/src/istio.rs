//! Istio 1.30 custom resources: `networking.istio.io/v1` and `security.istio.io/v1`.
//!
//! Typed: what kumiki's mesh constructs write and check. Everything else in the CRD schema
//! (`tls` settings of a server, fault injection, CORS, ...) goes through each struct's
//! `extra` map.

use std::collections::BTreeMap;

use k8s_openapi::NamespaceResourceScope;
use serde::Serialize;

use crate::{Duration, Extra, custom_resource};

custom_resource! {
    /// Configures a gateway proxy (ingress or egress): which ports it listens on, for which hosts.
    #[derive(Clone, Debug, Default, PartialEq)]
    Gateway(GatewaySpec): group = "networking.istio.io", version = "v1", plural = "gateways",
        scope = NamespaceResourceScope
}

/// `Gateway.spec`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GatewaySpec {
    /// Labels of the gateway proxy pods this configuration applies to.
    pub selector: BTreeMap<String, String>,
    /// The listeners.
    pub servers: Vec<Server>,
    /// Any other field of the schema.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One listener of a gateway.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Server {
    /// The port the proxy listens on.
    pub port: ServerPort,
    /// The hosts exposed on it (`*` for any).
    pub hosts: Vec<String>,
    /// Any other field of the schema (`tls`, `bind`, `name`, ...).
    #[serde(flatten)]
    pub extra: Extra,
}

/// A port of a gateway server or a service entry.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerPort {
    /// The port number.
    pub number: u32,
    /// `HTTP`, `HTTPS`, `GRPC`, `HTTP2`, `MONGO`, `TCP` or `TLS`.
    pub protocol: String,
    /// The port's name.
    pub name: String,
    /// Any other field of the schema (`targetPort`).
    #[serde(flatten)]
    pub extra: Extra,
}

custom_resource! {
    /// Routing rules for traffic to a set of hosts.
    #[derive(Clone, Debug, Default, PartialEq)]
    VirtualService(VirtualServiceSpec): group = "networking.istio.io", version = "v1",
        plural = "virtualservices", scope = NamespaceResourceScope
}

/// `VirtualService.spec`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VirtualServiceSpec {
    /// The destination hosts the rules apply to.
    pub hosts: Vec<String>,
    /// The gateways (`<namespace>/<name>`) and/or `mesh` (every sidecar) the rules apply to.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub gateways: Vec<String>,
    /// HTTP routes, first match wins.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub http: Vec<HttpRoute>,
    /// Routes of opaque TCP traffic (ports declared `tcp`), first match wins.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tcp: Vec<TcpRoute>,
    /// Namespaces that see this rule (`.` its own, `*` all).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub export_to: Vec<String>,
    /// Any other field of the schema (`tls`).
    #[serde(flatten)]
    pub extra: Extra,
}

/// One HTTP route.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpRoute {
    /// The route's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Conditions (any of them) for the route to apply.
    #[serde(rename = "match", skip_serializing_if = "Vec::is_empty")]
    pub matches: Vec<HttpMatch>,
    /// Where matching traffic goes; weights sum to 100 when there are several.
    pub route: Vec<RouteDestination>,
    /// Timeout of a request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
    /// Retry policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retries: Option<Retries>,
    /// Any other field of the schema (`rewrite`, `fault`, `corsPolicy`, `headers`, ...).
    #[serde(flatten)]
    pub extra: Extra,
}

/// One route of opaque TCP traffic.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TcpRoute {
    /// Conditions (any of them) for the route to apply.
    #[serde(rename = "match", skip_serializing_if = "Vec::is_empty")]
    pub matches: Vec<L4Match>,
    /// Where matching connections go; weights sum to 100 when there are several.
    pub route: Vec<RouteDestination>,
}

/// A condition of a TCP route.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct L4Match {
    /// The port the connection arrived on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    /// The gateways (or `mesh`) the connection arrived through.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub gateways: Vec<String>,
    /// Any other field of the schema (`destinationSubnets`, `sourceLabels`, ...).
    #[serde(flatten)]
    pub extra: Extra,
}

/// A condition of an HTTP route.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpMatch {
    /// The port the request arrived on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    /// The gateways (or `mesh`) the request arrived through.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub gateways: Vec<String>,
    /// Any other field of the schema (`uri`, `headers`, `method`, ...).
    #[serde(flatten)]
    pub extra: Extra,
}

/// A weighted destination.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RouteDestination {
    /// The destination.
    pub destination: Destination,
    /// Share of the traffic, in percent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight: Option<u32>,
    /// Any other field of the schema (`headers`).
    #[serde(flatten)]
    pub extra: Extra,
}

/// A service (and port, and subset) traffic is sent to.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Destination {
    /// A Service name (short, or `<name>.<namespace>.svc.cluster.local`) or a ServiceEntry host.
    pub host: String,
    /// A subset of a DestinationRule for this host.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subset: Option<String>,
    /// The port of the host.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<PortSelector>,
}

/// A port number.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PortSelector {
    /// The number.
    pub number: u32,
}

/// How failed requests are retried.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Retries {
    /// Attempts after the first.
    pub attempts: u32,
    /// Timeout of each attempt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_try_timeout: Option<Duration>,
    /// Conditions to retry on, comma-separated (`5xx,reset,connect-failure`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_on: Option<String>,
    /// Any other field of the schema.
    #[serde(flatten)]
    pub extra: Extra,
}

custom_resource! {
    /// Policies for traffic to a host after routing: connection pools, outlier detection,
    /// TLS, subsets.
    #[derive(Clone, Debug, Default, PartialEq)]
    DestinationRule(DestinationRuleSpec): group = "networking.istio.io", version = "v1",
        plural = "destinationrules", scope = NamespaceResourceScope
}

/// `DestinationRule.spec`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DestinationRuleSpec {
    /// The host the rule applies to.
    pub host: String,
    /// The policy for every subset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub traffic_policy: Option<TrafficPolicy>,
    /// Named groups of the host's pods, by label.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subsets: Vec<Subset>,
    /// Namespaces that see this rule.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub export_to: Vec<String>,
    /// Any other field of the schema (`workloadSelector`, ...).
    #[serde(flatten)]
    pub extra: Extra,
}

/// Connection pool, outlier detection and TLS settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TrafficPolicy {
    /// Limits on connections and requests (circuit breaking).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection_pool: Option<ConnectionPool>,
    /// Ejection of failing endpoints (circuit breaking).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outlier_detection: Option<OutlierDetection>,
    /// TLS to the upstream.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<ClientTls>,
    /// Any other field of the schema (`loadBalancer`, `portLevelSettings`, ...).
    #[serde(flatten)]
    pub extra: Extra,
}

/// Connection pool limits.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionPool {
    /// TCP limits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tcp: Option<TcpPool>,
    /// HTTP limits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpPool>,
}

/// TCP connection limits.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TcpPool {
    /// Maximum connections to the host.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_connections: Option<u32>,
    /// TCP connect timeout.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connect_timeout: Option<Duration>,
    /// Any other field of the schema.
    #[serde(flatten)]
    pub extra: Extra,
}

/// HTTP request limits.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpPool {
    /// Maximum requests queued while waiting for a connection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http1_max_pending_requests: Option<u32>,
    /// Maximum active requests to the host.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http2_max_requests: Option<u32>,
    /// Any other field of the schema.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Ejection of endpoints that keep failing.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutlierDetection {
    /// Consecutive 5xx responses before an endpoint is ejected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consecutive5xx_errors: Option<u32>,
    /// Time between ejection sweeps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval: Option<Duration>,
    /// Minimum ejection duration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_ejection_time: Option<Duration>,
    /// Maximum share of endpoints ejected, in percent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_ejection_percent: Option<u32>,
    /// Any other field of the schema.
    #[serde(flatten)]
    pub extra: Extra,
}

/// TLS from the client proxy to the upstream.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientTls {
    /// The mode.
    pub mode: ClientTlsMode,
    /// Any other field of the schema (certificates, SNI, ...).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `ClientTLSSettings.mode`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ClientTlsMode {
    /// Plain text.
    Disable,
    /// TLS to the upstream.
    Simple,
    /// Mutual TLS with given certificates.
    Mutual,
    /// Mutual TLS with Istio's certificates.
    #[default]
    IstioMutual,
}

/// A named group of a host's pods.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Subset {
    /// The name routes refer to.
    pub name: String,
    /// Pod labels that select the subset.
    pub labels: BTreeMap<String, String>,
    /// Any other field of the schema (`trafficPolicy`).
    #[serde(flatten)]
    pub extra: Extra,
}

custom_resource! {
    /// Adds a host outside the mesh registry (for example an external API) to the mesh.
    #[derive(Clone, Debug, Default, PartialEq)]
    ServiceEntry(ServiceEntrySpec): group = "networking.istio.io", version = "v1",
        plural = "serviceentries", scope = NamespaceResourceScope
}

/// `ServiceEntry.spec`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceEntrySpec {
    /// The hosts.
    pub hosts: Vec<String>,
    /// Its ports.
    pub ports: Vec<ServerPort>,
    /// `MESH_EXTERNAL` or `MESH_INTERNAL`.
    pub location: String,
    /// `NONE`, `STATIC`, `DNS` or `DNS_ROUND_ROBIN`.
    pub resolution: String,
    /// Namespaces that see this entry.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub export_to: Vec<String>,
    /// Any other field of the schema (`endpoints`, `addresses`, ...).
    #[serde(flatten)]
    pub extra: Extra,
}

custom_resource! {
    /// Limits what the sidecars of a namespace or workload see and accept.
    #[derive(Clone, Debug, Default, PartialEq)]
    Sidecar(SidecarSpec): group = "networking.istio.io", version = "v1", plural = "sidecars",
        scope = NamespaceResourceScope
}

/// `Sidecar.spec`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SidecarSpec {
    /// Egress listeners: which hosts (`<namespace>/<host>`) the sidecars see.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub egress: Vec<SidecarEgress>,
    /// What happens to traffic for hosts outside the registry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outbound_traffic_policy: Option<OutboundTrafficPolicy>,
    /// Any other field of the schema (`workloadSelector`, `ingress`, ...).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `Sidecar.spec.outboundTrafficPolicy`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct OutboundTrafficPolicy {
    /// The mode.
    pub mode: OutboundMode,
}

/// Whether sidecars pass traffic to hosts the mesh does not know.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OutboundMode {
    /// Only hosts in the registry (Services, ServiceEntries) are reachable.
    #[default]
    RegistryOnly,
    /// Unknown hosts are passed through.
    AllowAny,
}

/// An egress listener of a Sidecar.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SidecarEgress {
    /// Hosts visible to the sidecar, as `<namespace>/<dns name>`.
    pub hosts: Vec<String>,
    /// Any other field of the schema (`port`, `bind`, `captureMode`).
    #[serde(flatten)]
    pub extra: Extra,
}

custom_resource! {
    /// Which mutual TLS mode the sidecars of a namespace (or of the mesh, in the root
    /// namespace) accept.
    #[derive(Clone, Debug, Default, PartialEq)]
    PeerAuthentication(PeerAuthenticationSpec): group = "security.istio.io", version = "v1",
        plural = "peerauthentications", scope = NamespaceResourceScope
}

/// `PeerAuthentication.spec`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PeerAuthenticationSpec {
    /// The mutual TLS mode.
    pub mtls: Mtls,
    /// Any other field of the schema (`selector`, `portLevelMtls`).
    #[serde(flatten)]
    pub extra: Extra,
}

/// Mutual TLS settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Mtls {
    /// The mode.
    pub mode: MtlsMode,
}

/// `PeerAuthentication.spec.mtls.mode`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MtlsMode {
    /// Inherit from the parent.
    Unset,
    /// Plain text only.
    Disable,
    /// Both plain text and mutual TLS.
    Permissive,
    /// Mutual TLS only.
    #[default]
    Strict,
}

custom_resource! {
    /// Access control for workloads: which sources may call which operations.
    #[derive(Clone, Debug, Default, PartialEq)]
    AuthorizationPolicy(AuthorizationPolicySpec): group = "security.istio.io", version = "v1",
        plural = "authorizationpolicies", scope = NamespaceResourceScope
}

/// `AuthorizationPolicy.spec`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizationPolicySpec {
    /// The workloads it applies to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selector: Option<WorkloadSelector>,
    /// `ALLOW`, `DENY`, `AUDIT` or `CUSTOM`.
    pub action: String,
    /// The rules; with `ALLOW`, a request matching none is denied.
    pub rules: Vec<Rule>,
    /// Any other field of the schema (`targetRefs`, `provider`).
    #[serde(flatten)]
    pub extra: Extra,
}

/// Selects workloads by pod labels.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadSelector {
    /// The labels.
    pub match_labels: BTreeMap<String, String>,
}

/// An authorization rule: sources, operations, conditions.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    /// Who (any of them).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub from: Vec<RuleFrom>,
    /// What (any of them).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<RuleTo>,
    /// Any other field of the schema (`when`).
    #[serde(flatten)]
    pub extra: Extra,
}

/// A rule's source.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RuleFrom {
    /// The source.
    pub source: Source,
}

/// Peer identities.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Source {
    /// SPIFFE principals, `cluster.local/ns/<namespace>/sa/<service account>`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub principals: Vec<String>,
    /// Any other field of the schema (`namespaces`, `ipBlocks`, ...).
    #[serde(flatten)]
    pub extra: Extra,
}

/// A rule's operation.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RuleTo {
    /// The operation.
    pub operation: Operation,
}

/// Request properties.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    /// Destination ports (container ports, as strings).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<String>,
    /// Any other field of the schema (`methods`, `paths`, `hosts`, ...).
    #[serde(flatten)]
    pub extra: Extra,
}
