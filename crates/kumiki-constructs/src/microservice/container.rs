//! Containers and the ports they declare.

use std::marker::PhantomData;

use kumiki_core::{Name, PortName, PortNumber, SourceLocation};

use crate::env_var::{EnvValue, SecretEnv};
use crate::image::Image;
use crate::policy::Resources;
use crate::port::{Port, PortRef, Protocol, ServiceId};

use super::spec::{At, ContainerSpec, Scratch};

/// A container of service `S`: an image, the ports it listens on, its settings. Settings are
/// chained by value (`Container::new(..).with_env(..)`); [`Container::port`] takes `&mut`
/// because it hands out the port's handle.
pub struct Container<S: ServiceId> {
    pub(crate) spec: ContainerSpec,
    _service: PhantomData<S>,
}

impl<S: ServiceId> Container<S> {
    /// A container named `name` running `image`.
    #[track_caller]
    pub fn new(name: Name, image: Image) -> Self {
        Container {
            spec: ContainerSpec::new(name, image, SourceLocation::caller()),
            _service: PhantomData,
        }
    }

    /// Declares a port the container listens on and returns the only handle to it: probes,
    /// Service ports and network policy rules take that handle.
    #[track_caller]
    pub fn port(&mut self, protocol: Protocol, name: PortName, number: PortNumber) -> PortRef<S> {
        PortRef::new(self.spec.declare_port(protocol, name, number, SourceLocation::caller()))
    }

    /// Sets an environment variable (for public settings; secrets never go here). A variable
    /// set twice is an error at the second call (Kubernetes would silently keep the last).
    #[track_caller]
    pub fn with_env(mut self, key: &str, value: &str) -> Self {
        if self.spec.refuse_variable_twice(key) {
            return self;
        }
        self.spec.env.push(EnvValue {
            name: key.to_owned(),
            value: value.to_owned(),
        });
        self
    }

    /// Sets environment variable `key` from key `secret_key` of Secret `secret`: the value
    /// is never written, only the reference.
    #[track_caller]
    pub fn with_secret_env(mut self, key: &str, secret: &str, secret_key: &str) -> Self {
        if self.spec.refuse_variable_twice(key) {
            return self;
        }
        self.spec.secret_env.push(SecretEnv {
            variable: key.to_owned(),
            secret: secret.to_owned(),
            key: secret_key.to_owned(),
        });
        self
    }

    /// Mounts an empty, writable directory at `path` (volume `name`): with a read-only root
    /// filesystem, a program that writes elsewhere than `/tmp` (a socket, a pid file) needs one.
    /// A path used twice is an error at the second call.
    #[track_caller]
    pub fn with_scratch(mut self, name: Name, path: &str) -> Self {
        if self.spec.scratch.iter().any(|scratch| scratch.path == path) {
            let message = format!(
                "container \"{}\": a scratch directory is mounted at \"{path}\" twice",
                self.spec.name
            );
            self.spec.refused.push((SourceLocation::caller(), message));
            return self;
        }
        self.spec.scratch.push(Scratch {
            volume: name,
            path: path.to_owned(),
        });
        self
    }

    /// Replaces the image's entrypoint.
    pub fn with_command(mut self, command: &[&str]) -> Self {
        self.spec.command = Some(owned(command));
        self
    }

    /// Replaces the image's arguments.
    pub fn with_args(mut self, args: &[&str]) -> Self {
        self.spec.args = Some(owned(args));
        self
    }

    /// Overrides the platform's default resources for this container.
    pub fn with_resources(mut self, resources: Resources) -> Self {
        self.spec.resources = Some(resources);
        self
    }
}

impl ContainerSpec {
    /// Records a port and returns it.
    pub(crate) fn declare_port(
        &mut self,
        protocol: Protocol,
        name: PortName,
        number: PortNumber,
        at: SourceLocation,
    ) -> Port {
        let port = Port {
            container: self.name.clone(),
            name,
            protocol,
            number,
        };
        self.ports.push(At {
            value: port.clone(),
            at,
        });
        port
    }
}

fn owned(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|part| (*part).to_owned()).collect()
}
