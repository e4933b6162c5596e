//! Ports and the handles that refer to them.

use std::marker::PhantomData;

use kumiki_core::{Name, PortName, PortNumber};

/// Marks the types that identify one service: each service crate declares a unit struct
/// (`pub struct Account;`) and implements this trait for it. Handles carry the marker, so a
/// handle from one service cannot be passed where another's is expected.
pub trait ServiceId: 'static {
    /// The service's name: its app, workload, Service and ServiceAccount name.
    const NAME: Name;
}

/// The application protocol of a port; it gives the port name its Istio prefix and the
/// Service port its `appProtocol`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protocol {
    /// HTTP/1.1 (and h2c): prefix `http-`.
    Http,
    /// gRPC: prefix `grpc-`.
    Grpc,
    /// Opaque TCP: prefix `tcp-`.
    Tcp,
}

impl Protocol {
    /// The port-name prefix and `appProtocol` value: `http`, `grpc`, `tcp`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Protocol::Http => "http",
            Protocol::Grpc => "grpc",
            Protocol::Tcp => "tcp",
        }
    }

    /// The protocol as Istio names it in a Gateway server or a ServiceEntry port (`HTTP`,
    /// `GRPC`, `TCP`); the CRD types that field as a string, so this is where it is typed.
    pub const fn istio_name(self) -> &'static str {
        match self {
            Protocol::Http => "HTTP",
            Protocol::Grpc => "GRPC",
            Protocol::Tcp => "TCP",
        }
    }
}

/// A port a container declared, as the lowering reads it. [`PortRef`] wraps it with the
/// service marker; everything below the builders works on this type, compiled once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Port {
    pub(crate) container: Name,
    pub(crate) name: PortName,
    pub(crate) protocol: Protocol,
    pub(crate) number: PortNumber,
}

impl Port {
    /// The emitted port name, `<protocol>-<name>` (at most 15 characters).
    pub(crate) fn port_name(&self) -> String {
        format!("{}-{}", self.protocol.as_str(), self.name)
    }
}

/// A handle to a port declared by a container of service `S`. Only
/// [`Container::port`](crate::Container::port) makes one; probes, Service ports and network
/// policy rules take it, so they can only name a port that exists.
pub struct PortRef<S: ServiceId> {
    pub(crate) port: Port,
    _service: PhantomData<S>,
}

// Written out: a derive would require the marker type `S` itself to be Clone / Debug.
impl<S: ServiceId> Clone for PortRef<S> {
    fn clone(&self) -> Self {
        PortRef::new(self.port.clone())
    }
}

impl<S: ServiceId> std::fmt::Debug for PortRef<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "PortRef({}/{}: {})",
            self.port.container,
            self.port.port_name(),
            self.port.number
        )
    }
}

impl<S: ServiceId> PortRef<S> {
    pub(crate) fn new(port: Port) -> Self {
        PortRef {
            port,
            _service: PhantomData,
        }
    }

    /// The emitted port name, `<protocol>-<name>` (at most 15 characters).
    pub fn port_name(&self) -> String {
        self.port.port_name()
    }

    /// The container port number.
    pub fn number(&self) -> PortNumber {
        self.port.number
    }

    /// The protocol.
    pub fn protocol(&self) -> Protocol {
        self.port.protocol
    }

    /// The container that declared the port.
    pub fn container(&self) -> &Name {
        &self.port.container
    }
}
