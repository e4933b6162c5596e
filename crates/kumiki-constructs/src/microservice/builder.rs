//! The Microservice builder and its probe typestate: the only part generic over the service
//! marker. Each method records what was declared, and where, into a [`MicroserviceSpec`];
//! `build()` hands it to the lowering, which every service shares.

use std::marker::PhantomData;

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use kumiki_core::{Name, PortNumber, SourceLocation};
use kumiki_synth::App;

use crate::environment::Environment;
use crate::mesh::{Listener, TrafficPolicy};
use crate::port::{Port, PortRef, ServiceId};
use crate::storage::VolumeClaim;

use super::declarations::{pod_declarations, probe_declarations, scaling_declarations};
use super::lower::lower;
use super::spec::{Caller, IngressSource, ListenerBinding, Metrics, MicroserviceSpec, Patch, ServicePortSpec, Version};
use super::typestate::at;
pub use super::typestate::{HasLiveness, HasReadiness, LivenessDeclared, NoLiveness, NoReadiness, ReadinessDeclared};

/// A microservice of service `S`, lowered by [`Microservice::build`] into an [`App`] named
/// `S::NAME` holding: a Deployment (a StatefulSet with its headless Service when
/// [`Microservice::stateful`]), a ServiceAccount, a PodDisruptionBudget, a NetworkPolicy
/// (ingress denied but for what [`Microservice::allow_from`] opens), in the mesh an
/// AuthorizationPolicy admitting exactly the declared callers (nobody when none is declared), a
/// Service when a port is exposed, a HorizontalPodAutoscaler when autoscaled, and a ConfigMap (with a content hash
/// in its name, so a change rolls the pods) when settings are given.
///
/// Pods and rollouts are shaped by the environment's [`Policy`](crate::Policy), which the
/// platform crate states. `build()` exists only once readiness and liveness probes are declared:
///
/// ```
/// use kumiki_constructs::*;
/// use kumiki_core::{EnvId, NodeGroup, label, label_value, name, port, port_name, repository, tag};
///
/// struct Account;
/// impl ServiceId for Account {
///     const NAME: kumiki_core::Name = name!("account");
/// }
///
/// let gateway = |name, namespace, selector| GatewayProxy::builder().name(name).namespace(namespace).selector(selector).build();
/// let mesh = Mesh::builder()
///     .revision(label_value!("default"))
///     .root_namespace(name!("istio-system"))
///     .ingress(gateway(name!("istio-ingressgateway"), name!("istio-ingress"), label!("istio", "ingressgateway")))
///     .egress(gateway(name!("istio-egressgateway"), name!("istio-egress"), label!("istio", "egressgateway")))
///     .build();
/// let policy = Policy::builder()
///     .default_resources(Resources::guaranteed(100, 128))
///     .security(SecurityPolicy {
///         run_as_user: 10001,
///         run_as_group: 10001,
///         run_as_non_root: true,
///         seccomp: Seccomp::RuntimeDefault,
///         read_only_root_filesystem: true,
///         allow_privilege_escalation: false,
///         drop_capabilities: &["ALL"],
///     })
///     .automount_service_account_token(false)
///     .rollout(Rollout { max_surge: 1, max_unavailable: 0 })
///     .image_pull_policy(PullPolicy::Always)
///     .pre_stop_sleep_seconds(5)
///     .termination_grace_period_seconds(30)
///     .revision_history_limit(5)
///     .default_replicas(2)
///     .build();
/// let environment = Environment::builder()
///     .env(EnvId::production("prd"))
///     .namespace(name!("services"))
///     .node_groups(vec![NodeGroup::new(label_value!("app"))])
///     .part_of(label_value!("shop"))
///     .policy(policy)
///     .mesh(mesh)
///     .build();
/// let mut gin = Container::<Account>::new(name!("gin"), Image::new(Registry::DockerHub, repository!("acme/account"), tag!("1.4.0")));
/// let http = gin.port(Protocol::Http, port_name!("account"), port!(8080));
/// let app = Microservice::<Account>::new(&environment)
///     .container(gin)
///     .readiness(Probe::http("/healthz", &http))
///     .liveness(Probe::tcp(&http))
///     .expose(port!(50000), &http)
///     .build();
/// // Deployment, ServiceAccount, PDB, NetworkPolicy, Service, DestinationRule, VirtualService,
/// // and an AuthorizationPolicy that admits nobody until callers are declared
/// assert_eq!(app.objects().len(), 8);
/// ```
///
/// ```compile_fail
/// # use kumiki_constructs::*;
/// # struct Account;
/// # impl ServiceId for Account { const NAME: kumiki_core::Name = kumiki_core::name!("account"); }
/// # fn environment() -> Environment { unimplemented!() }
/// let app = Microservice::<Account>::new(&environment()).build(); // no readiness probe
/// ```
pub struct Microservice<S: ServiceId, R = NoReadiness, L = NoLiveness> {
    spec: MicroserviceSpec,
    _marker: PhantomData<(S, R, L)>,
}

impl<S: ServiceId> Microservice<S> {
    /// A microservice of `S` in `environment`; the caller's location is recorded for errors.
    #[track_caller]
    pub fn new(environment: &Environment) -> Self {
        Microservice::wrap(MicroserviceSpec::new(S::NAME, environment, SourceLocation::caller()))
    }
}

impl<S: ServiceId, R, L> Microservice<S, R, L> {
    fn wrap(spec: MicroserviceSpec) -> Self {
        Microservice {
            spec,
            _marker: PhantomData,
        }
    }

    pod_declarations!();
    probe_declarations!(Microservice);
    scaling_declarations!();

    /// Exposes `target` on the Service as `port`; the Service selects this workload's pods.
    #[track_caller]
    pub fn expose(mut self, port: PortNumber, target: &PortRef<S>) -> Self {
        self.spec.service_ports.push(ServicePortSpec {
            port,
            target: target.port.clone(),
            at: SourceLocation::caller(),
        });
        self
    }

    /// Exposes `target` on the Service as `port`, and to clients outside the cluster through
    /// `listener` on the ingress gateway: the Gateway server, the VirtualService bound to it
    /// and the gateway's own Service port all come from `listener`.
    #[track_caller]
    pub fn expose_on_ingress(mut self, port: PortNumber, target: &PortRef<S>, listener: Listener) -> Self {
        let at = SourceLocation::caller();
        self.spec.service_ports.push(ServicePortSpec {
            port,
            target: target.port.clone(),
            at,
        });
        self.spec.listeners.push(ListenerBinding {
            listener,
            service_port: port,
            at,
        });
        self
    }

    /// How callers' proxies treat requests: timeout, retries, circuit breaking.
    #[track_caller]
    pub fn traffic(mut self, policy: TrafficPolicy) -> Self {
        self.spec.traffic = Some(at(policy));
        self
    }

    /// Runs these versions side by side, each with its own Deployment and share of the
    /// traffic (see [`Version`]). Replicas, autoscaling and patches apply to each version's
    /// Deployment; the Service, disruption budget and policies cover all of them.
    #[track_caller]
    pub fn versions(mut self, versions: Vec<Version>) -> Self {
        self.spec.versions = Some(at(versions));
        self
    }

    /// Serves the service's own metrics on `port` at `path` to the platform's scraper (the
    /// environment's `scraper`): the Service exposes the port, a ServiceMonitor points the
    /// scraper at it (through the mesh's mutual TLS when there is one), the NetworkPolicy
    /// admits the scraper's namespace on it and the AuthorizationPolicy its identity.
    #[track_caller]
    pub fn metrics(mut self, port: &PortRef<S>, path: &str) -> Self {
        self.spec.metrics = Some(at(Metrics {
            port: port.port.clone(),
            path: path.to_owned(),
        }));
        self
    }

    /// Allows ingress from pods of `namespace` to `ports`; all other ingress is denied.
    #[track_caller]
    pub fn allow_from(mut self, namespace: &Name, ports: &[&PortRef<S>]) -> Self {
        self.spec.ingress_from.push(IngressSource {
            namespace: namespace.clone(),
            ports: unmarked(ports),
            at: SourceLocation::caller(),
        });
        self
    }

    /// Allows the workload running as ServiceAccount `service_account` in `namespace` (a
    /// Microservice's ServiceAccount is named after the service) to call `ports`, and no
    /// other workload: an Istio AuthorizationPolicy on its mutual-TLS identity, and a
    /// NetworkPolicy rule from its namespace. Ingress listeners add the ingress gateway.
    #[track_caller]
    pub fn allow_caller(mut self, namespace: &Name, service_account: &Name, ports: &[&PortRef<S>]) -> Self {
        self.spec.callers.push(Caller {
            namespace: namespace.clone(),
            service_account: service_account.clone(),
            ports: unmarked(ports),
            at: SourceLocation::caller(),
        });
        self
    }

    /// Runs the pods as a StatefulSet: each pod claims its own `storage`, mounted into the main
    /// container, and gets a stable DNS name through a headless Service `<name>-headless`
    /// (the StatefulSet's `serviceName`) that publishes every declared port.
    #[track_caller]
    pub fn stateful(mut self, storage: VolumeClaim) -> Self {
        self.spec.storage = Some(at(storage));
        self
    }

    /// Escape hatch: edits the lowered Deployment. Runs before synth-time checks, so the
    /// patched object is still validated, and its errors point at this call. A stateful
    /// Microservice has no Deployment: use [`Microservice::patch_stateful_set`].
    #[track_caller]
    pub fn patch_deployment(mut self, patch: impl Fn(&mut Deployment) + 'static) -> Self {
        self.spec.patches.push(at(Patch::Deployment(Box::new(patch))));
        self
    }

    /// Escape hatch: edits the lowered StatefulSet of a [`Microservice::stateful`] service,
    /// before synth-time checks; its errors point at this call.
    #[track_caller]
    pub fn patch_stateful_set(mut self, patch: impl Fn(&mut StatefulSet) + 'static) -> Self {
        self.spec.patches.push(at(Patch::StatefulSet(Box::new(patch))));
        self
    }

    /// Lowers the microservice into its app. Available only once readiness and liveness
    /// probes are declared. Problems types cannot rule out are recorded on the app and
    /// reported, each with the line of the call that caused it, when the environment is
    /// synthesized.
    pub fn build(self) -> App
    where
        R: ReadinessDeclared,
        L: LivenessDeclared,
    {
        lower(self.spec)
    }
}

fn unmarked<S: ServiceId>(ports: &[&PortRef<S>]) -> Vec<Port> {
    ports.iter().map(|port| port.port.clone()).collect()
}
