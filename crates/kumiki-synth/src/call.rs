//! The calls between workloads the model declares: what the reachability rules hold every
//! layer of the rendered release to (`reach.*`), and what `graph` draws.

use kumiki_core::{Name, SourceLocation};

/// A call a service declares it accepts: the workload running as ServiceAccount
/// `caller_service_account` in `caller_namespace` calls the pods behind Service `service` of
/// `service_namespace` on container ports `ports` (number and name). A construct publishes it
/// on its app (`App::publish`); the rules read it with the app's other declarations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeclaredCall {
    /// The caller's namespace.
    pub caller_namespace: Name,
    /// The caller's ServiceAccount (its mutual-TLS identity).
    pub caller_service_account: Name,
    /// The namespace of the Service called.
    pub service_namespace: Name,
    /// The Service called.
    pub service: Name,
    /// The container ports called (number, name).
    pub ports: Vec<(u16, String)>,
    /// The line that declared the call.
    pub declared_at: SourceLocation,
}

impl DeclaredCall {
    /// `namespace/service-account`, as the graph names the caller.
    pub fn caller(&self) -> String {
        format!("{}/{}", self.caller_namespace, self.caller_service_account)
    }

    /// `namespace/service`, as the graph names the callee.
    pub fn callee(&self) -> String {
        format!("{}/{}", self.service_namespace, self.service)
    }
}

/// Calls a service declares it accepts from every workload of a namespace (on `ports`): no
/// workload of `namespace` calling Service `service` of `service_namespace` there is undeclared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeclaredNamespace {
    /// The namespace whose workloads may call.
    pub namespace: Name,
    /// The namespace of the Service called.
    pub service_namespace: Name,
    /// The Service called.
    pub service: Name,
    /// The container ports called (number, name).
    pub ports: Vec<(u16, String)>,
    /// The line that declared it.
    pub declared_at: SourceLocation,
}

/// A layer that decides whether a call gets through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Layer {
    /// Kubernetes NetworkPolicy.
    Network,
    /// Istio's Sidecar egress hosts and `exportTo`.
    Visibility,
    /// Istio's AuthorizationPolicy.
    Authorization,
    /// Mutual TLS: PeerAuthentication and DestinationRule TLS modes.
    Transport,
}

impl Layer {
    /// Every layer, in the order a request meets them.
    pub const ALL: [Layer; 4] = [
        Layer::Network,
        Layer::Visibility,
        Layer::Authorization,
        Layer::Transport,
    ];

    /// The layer's name in messages and the graph.
    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Network => "network",
            Layer::Visibility => "visibility",
            Layer::Authorization => "authorization",
            Layer::Transport => "transport",
        }
    }
}

/// What one layer of the rendered release does with one call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Passage {
    /// Objects of the layer govern the call and let it through.
    Allowed,
    /// No object of the layer governs the call (no NetworkPolicy selects either end, no mesh
    /// proxy on the caller, no AuthorizationPolicy or PeerAuthentication applies).
    Ungoverned,
    /// The layer blocks the call: the object and why.
    Blocked(String),
}

/// One edge of the service graph: a declared call to one port, and what each layer of the
/// rendered release does with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edge {
    /// The caller, `namespace/service-account`.
    pub caller: String,
    /// The Service called, `namespace/service`.
    pub callee: String,
    /// The Service port the caller dials (the container port when no Service port targets
    /// it).
    pub port: u16,
    /// The container port it reaches.
    pub target_port: u16,
    /// The container port's name.
    pub port_name: String,
    /// The protocol: the Service port's `appProtocol`, else the prefix of its name (`http`,
    /// `grpc`, ...), else `tcp`.
    pub protocol: String,
    /// Each layer, in the order a request meets them.
    pub layers: Vec<(Layer, Passage)>,
    /// The line that declared the call.
    pub declared_at: SourceLocation,
}

impl Edge {
    /// The layers that govern the call and let it through.
    pub fn allowed_by(&self) -> Vec<Layer> {
        (self.layers.iter())
            .filter(|(_, passage)| *passage == Passage::Allowed)
            .map(|(layer, _)| *layer)
            .collect()
    }

    /// Whether every layer lets the call through (or does not govern it).
    pub fn passes(&self) -> bool {
        !(self.layers.iter()).any(|(_, passage)| matches!(passage, Passage::Blocked(_)))
    }
}
