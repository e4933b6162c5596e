//! The Worker builder: a long-running workload that serves no port (a queue consumer, a
//! stream processor). Its pods are the Microservice's (one pod template lowering), so every
//! pod-level guarantee holds for them; it has no Service, no routes and admits no caller.

use std::marker::PhantomData;

use k8s_openapi::api::apps::v1::Deployment;
use kumiki_core::SourceLocation;
use kumiki_synth::App;

use crate::environment::Environment;
use crate::port::ServiceId;

use super::declarations::{pod_declarations, probe_declarations, scaling_declarations};
use super::lower::lower;
use super::spec::{MicroserviceSpec, Patch, WorkloadKind};
use super::typestate::{LivenessDeclared, NoLiveness, NoReadiness, ReadinessDeclared, at};

/// A worker of service `S`, lowered by [`Worker::build`] into an [`App`] named `S::NAME`
/// holding a Deployment, a ServiceAccount, a PodDisruptionBudget, a NetworkPolicy that admits
/// no ingress (but the platform's scraper on the sidecar's statistics port), a
/// HorizontalPodAutoscaler when autoscaled and its ConfigMaps. Like a Microservice, `build()`
/// exists only once readiness and liveness probes are declared (`Probe::exec` or a port of its
/// own for a health endpoint):
///
/// ```compile_fail
/// # use kumiki_constructs::*;
/// # struct Mailer;
/// # impl ServiceId for Mailer { const NAME: kumiki_core::Name = kumiki_core::name!("mailer"); }
/// # fn environment() -> Environment { unimplemented!() }
/// let app = Worker::<Mailer>::new(&environment()).build(); // no readiness probe
/// ```
pub struct Worker<S: ServiceId, R = NoReadiness, L = NoLiveness> {
    spec: MicroserviceSpec,
    _marker: PhantomData<(S, R, L)>,
}

impl<S: ServiceId> Worker<S> {
    /// A worker of `S` in `environment`; the caller's location is recorded for errors.
    #[track_caller]
    pub fn new(environment: &Environment) -> Self {
        let mut spec = MicroserviceSpec::new(S::NAME, environment, SourceLocation::caller());
        spec.kind = WorkloadKind::Worker;
        Worker::wrap(spec)
    }
}

impl<S: ServiceId, R, L> Worker<S, R, L> {
    fn wrap(spec: MicroserviceSpec) -> Self {
        Worker {
            spec,
            _marker: PhantomData,
        }
    }

    pod_declarations!();
    probe_declarations!(Worker);
    scaling_declarations!();

    /// Escape hatch: edits the lowered Deployment. Runs before synth-time checks, so the
    /// patched object is still validated, and its errors point at this call.
    #[track_caller]
    pub fn patch_deployment(mut self, patch: impl Fn(&mut Deployment) + 'static) -> Self {
        self.spec.patches.push(at(Patch::Deployment(Box::new(patch))));
        self
    }

    /// Lowers the worker into its app; available once readiness and liveness probes are
    /// declared.
    pub fn build(self) -> App
    where
        R: ReadinessDeclared,
        L: LivenessDeclared,
    {
        lower(self.spec)
    }
}
