//! Health probes.

use std::marker::PhantomData;

use k8s_openapi::api::core::v1::{ExecAction, GRPCAction, HTTPGetAction, Probe as K8sProbe, TCPSocketAction};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kumiki_core::{Name, SourceLocation};

use crate::port::{Port, PortRef, ServiceId};

/// A readiness, liveness or startup probe. Network probes take a [`PortRef`], so they always
/// target a declared port, and attach to the container that declared it.
pub struct Probe<S: ServiceId> {
    pub(crate) spec: ProbeSpec,
    _service: PhantomData<S>,
}

/// A probe as the lowering reads it: which container, what to do, how often, and the line
/// that declared it (its errors point there).
#[derive(Clone, Debug)]
pub(crate) struct ProbeSpec {
    pub(crate) container: Name,
    pub(crate) declared_at: SourceLocation,
    action: Action,
    period_seconds: i32,
    failure_threshold: i32,
    initial_delay_seconds: i32,
}

#[derive(Clone, Debug)]
enum Action {
    Http { path: String, port: String },
    Tcp { port: String },
    Grpc { port: i32 },
    Exec { command: Vec<String> },
}

// Written out: a derive would require the marker type `S` itself to be Clone.
impl<S: ServiceId> Clone for Probe<S> {
    fn clone(&self) -> Self {
        Probe::wrap(self.spec.clone())
    }
}

impl<S: ServiceId> Probe<S> {
    fn wrap(spec: ProbeSpec) -> Self {
        Probe {
            spec,
            _service: PhantomData,
        }
    }

    /// `GET path` on `port` must answer 2xx or 3xx.
    #[track_caller]
    pub fn http(path: &str, port: &PortRef<S>) -> Self {
        Probe::wrap(ProbeSpec::http(path, &port.port, SourceLocation::caller()))
    }

    /// A TCP connection to `port` must open.
    #[track_caller]
    pub fn tcp(port: &PortRef<S>) -> Self {
        Probe::wrap(ProbeSpec::tcp(&port.port, SourceLocation::caller()))
    }

    /// The gRPC health service on `port` must report SERVING.
    #[track_caller]
    pub fn grpc(port: &PortRef<S>) -> Self {
        Probe::wrap(ProbeSpec::grpc(&port.port, SourceLocation::caller()))
    }

    /// `command` run in `container` must exit 0.
    #[track_caller]
    pub fn exec(container: &Name, command: &[&str]) -> Self {
        Probe::wrap(ProbeSpec::exec(container, command, SourceLocation::caller()))
    }

    /// Seconds between probes (default 10).
    pub fn with_period_seconds(mut self, seconds: u16) -> Self {
        self.spec.period_seconds = seconds.into();
        self
    }

    /// Consecutive failures before the probe fails (default 3).
    pub fn with_failure_threshold(mut self, failures: u16) -> Self {
        self.spec.failure_threshold = failures.into();
        self
    }

    /// Seconds to wait after the container starts (default 0; prefer a startup probe).
    pub fn with_initial_delay_seconds(mut self, seconds: u16) -> Self {
        self.spec.initial_delay_seconds = seconds.into();
        self
    }
}

impl ProbeSpec {
    fn new(container: Name, action: Action, declared_at: SourceLocation) -> Self {
        ProbeSpec {
            container,
            declared_at,
            action,
            period_seconds: 10,
            failure_threshold: 3,
            initial_delay_seconds: 0,
        }
    }

    fn http(path: &str, port: &Port, declared_at: SourceLocation) -> Self {
        let action = Action::Http {
            path: path.to_owned(),
            port: port.port_name(),
        };
        ProbeSpec::new(port.container.clone(), action, declared_at)
    }

    pub(crate) fn tcp(port: &Port, declared_at: SourceLocation) -> Self {
        ProbeSpec::new(
            port.container.clone(),
            Action::Tcp { port: port.port_name() },
            declared_at,
        )
    }

    fn grpc(port: &Port, declared_at: SourceLocation) -> Self {
        let action = Action::Grpc {
            port: port.number.get().into(),
        };
        ProbeSpec::new(port.container.clone(), action, declared_at)
    }

    fn exec(container: &Name, command: &[&str], declared_at: SourceLocation) -> Self {
        let command = command.iter().map(|part| (*part).to_owned()).collect();
        ProbeSpec::new(container.clone(), Action::Exec { command }, declared_at)
    }

    pub(crate) fn with_failure_threshold(mut self, failures: u16) -> Self {
        self.failure_threshold = failures.into();
        self
    }

    pub(crate) fn lower(&self) -> K8sProbe {
        let mut probe = K8sProbe {
            period_seconds: Some(self.period_seconds),
            failure_threshold: Some(self.failure_threshold),
            initial_delay_seconds: (self.initial_delay_seconds > 0).then_some(self.initial_delay_seconds),
            ..Default::default()
        };
        match &self.action {
            Action::Http { path, port } => {
                probe.http_get = Some(HTTPGetAction {
                    path: Some(path.clone()),
                    port: IntOrString::String(port.clone()),
                    ..Default::default()
                })
            }
            Action::Tcp { port } => {
                probe.tcp_socket = Some(TCPSocketAction {
                    port: IntOrString::String(port.clone()),
                    host: None,
                })
            }
            Action::Grpc { port } => {
                probe.grpc = Some(GRPCAction {
                    port: *port,
                    service: None,
                })
            }
            Action::Exec { command } => {
                probe.exec = Some(ExecAction {
                    command: Some(command.clone()),
                })
            }
        }
        probe
    }
}
