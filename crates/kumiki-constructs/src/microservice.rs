//! The Microservice construct: one workload with its Service, ServiceAccount, disruption
//! budget, optional autoscaler, network policy and configuration.

use std::collections::BTreeMap;
use std::marker::PhantomData;

use k8s_openapi::api::apps::v1::{
    Deployment, DeploymentSpec, DeploymentStrategy, RollingUpdateDeployment, StatefulSet, StatefulSetSpec,
    StatefulSetUpdateStrategy,
};
use k8s_openapi::api::autoscaling::v2::{
    CrossVersionObjectReference, HorizontalPodAutoscaler, HorizontalPodAutoscalerSpec, MetricSpec, MetricTarget,
    ResourceMetricSource,
};
use k8s_openapi::api::core::v1::{
    Capabilities, ConfigMap, ConfigMapEnvSource, Container as K8sContainer, ContainerPort, EmptyDirVolumeSource,
    EnvFromSource, EnvVar, EnvVarSource, Lifecycle, LifecycleHandler, PersistentVolumeClaim, PersistentVolumeClaimSpec,
    PersistentVolumeClaimVolumeSource, PodSecurityContext, PodSpec, PodTemplateSpec, ResourceRequirements,
    SeccompProfile, SecretKeySelector, SecurityContext, Service, ServiceAccount, ServicePort, ServiceSpec, SleepAction,
    Volume, VolumeMount, VolumeResourceRequirements,
};
use k8s_openapi::api::networking::v1::{
    NetworkPolicy, NetworkPolicyIngressRule, NetworkPolicyPeer, NetworkPolicyPort, NetworkPolicySpec,
};
use k8s_openapi::api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetSpec};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kumiki_core::{Env, ImageTag, LabelValue, Name, NodeGroup, PortName, PortNumber, Rule, SourceLocation};
use kumiki_synth::App;

use crate::environment::{Environment, Resources};
use kumiki_crds::istio::{
    AuthorizationPolicy, AuthorizationPolicySpec, Operation, Rule as AccessRule, RuleFrom, RuleTo, Source,
    WorkloadSelector,
};

use crate::database::{Database, Owner};
use crate::image::Image;
use crate::mesh::{Exposure, GatewayListener, Listener, TrafficPolicy, routing};
use crate::placement::{node_affinity, toleration};
use crate::port::{PortRef, Protocol, ServiceId};
use crate::probe::Probe;
use crate::storage::VolumeClaim;

/// A container of service `S`: an image, the ports it listens on, its settings.
pub struct Container<S: ServiceId> {
    name: Name,
    image: Image,
    ports: Vec<PortRef<S>>,
    env: Vec<(String, String)>,
    secret_env: Vec<SecretEnv>,
    scratch: Vec<(Name, String)>,
    command: Option<Vec<String>>,
    args: Option<Vec<String>>,
    resources: Option<Resources>,
}

impl<S: ServiceId> Container<S> {
    /// A container named `name` running `image`.
    pub fn new(name: Name, image: Image) -> Self {
        Container {
            name,
            image,
            ports: Vec::new(),
            env: Vec::new(),
            secret_env: Vec::new(),
            scratch: Vec::new(),
            command: None,
            args: None,
            resources: None,
        }
    }

    /// Declares a port the container listens on and returns the only handle to it: probes,
    /// Service ports and network policy rules take that handle.
    pub fn port(&mut self, protocol: Protocol, name: PortName, number: PortNumber) -> PortRef<S> {
        let port = PortRef {
            container: self.name.clone(),
            name,
            protocol,
            number,
            _service: PhantomData,
        };
        self.ports.push(port.clone());
        port
    }

    /// Sets an environment variable (for public settings; secrets never go here).
    pub fn with_env(&mut self, key: &str, value: &str) -> &mut Self {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    /// Sets environment variable `key` from key `secret_key` of Secret `secret`: the value
    /// is never written, only the reference.
    pub fn with_secret_env(&mut self, key: &str, secret: &str, secret_key: &str) -> &mut Self {
        self.secret_env.push(SecretEnv {
            variable: key.to_owned(),
            secret: secret.to_owned(),
            key: secret_key.to_owned(),
        });
        self
    }

    /// Mounts an empty, writable directory at `path` (volume `name`): the root filesystem is
    /// read-only, so a program that writes elsewhere than `/tmp` (a socket, a pid file) needs one.
    pub fn with_scratch(&mut self, name: Name, path: &str) -> &mut Self {
        self.scratch.push((name, path.to_owned()));
        self
    }

    /// Replaces the image's entrypoint.
    pub fn with_command(&mut self, command: &[&str]) -> &mut Self {
        self.command = Some(command.iter().map(|part| (*part).to_owned()).collect());
        self
    }

    /// Replaces the image's arguments.
    pub fn with_args(&mut self, args: &[&str]) -> &mut Self {
        self.args = Some(args.iter().map(|part| (*part).to_owned()).collect());
        self
    }

    /// Overrides the platform's default resources for this container.
    pub fn with_resources(&mut self, resources: Resources) -> &mut Self {
        self.resources = Some(resources);
        self
    }
}

/// An environment variable read from a Secret.
#[derive(Clone, Debug)]
pub(crate) struct SecretEnv {
    pub(crate) variable: String,
    pub(crate) secret: String,
    pub(crate) key: String,
}

/// Typestate: no readiness probe declared yet.
pub struct NoReadiness;
/// Typestate: a readiness probe is declared.
pub struct HasReadiness;
/// Typestate: no liveness probe declared yet.
pub struct NoLiveness;
/// Typestate: a liveness probe is declared.
pub struct HasLiveness;

/// Implemented by [`HasReadiness`] only: `build()` requires it.
#[diagnostic::on_unimplemented(
    message = "this Microservice has no readiness probe",
    label = "`.build()` needs a readiness probe",
    note = "call `.readiness(Probe::http(\"/healthz\", &port))` (or `Probe::tcp`, `Probe::grpc`, `Probe::exec`) before `.build()`"
)]
pub trait ReadinessDeclared {}
impl ReadinessDeclared for HasReadiness {}

/// Implemented by [`HasLiveness`] only: `build()` requires it.
#[diagnostic::on_unimplemented(
    message = "this Microservice has no liveness probe",
    label = "`.build()` needs a liveness probe",
    note = "call `.liveness(Probe::tcp(&port))` (or `Probe::http`, `Probe::grpc`, `Probe::exec`) before `.build()`"
)]
pub trait LivenessDeclared {}
impl LivenessDeclared for HasLiveness {}

/// How many pods a voluntary disruption (node drain, cluster upgrade) may take at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DisruptionBudget {
    /// At most this many pods unavailable (the default is 1).
    MaxUnavailable(u16),
    /// At least this many pods available; must be below the replica count, or no node could
    /// ever be drained.
    MinAvailable(u16),
}

/// One version of a Microservice running side by side with others, for canary and
/// blue-green releases: its own Deployment `<name>-<version>` whose pods carry
/// `version: <version>`, optionally another tag of the main container's image, and a share
/// of the traffic of every route to the Service (a DestinationRule subset per version).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    /// The version label value, which is also the subset name.
    pub name: LabelValue,
    /// Percent of the traffic; the versions' weights add up to 100.
    pub weight: u8,
    /// The main container's image tag in this version (default: the declared image's).
    pub tag: Option<ImageTag>,
}

impl Version {
    /// Version `name` receiving `weight` percent of the traffic.
    pub const fn new(name: LabelValue, weight: u8) -> Version {
        Version {
            name,
            weight,
            tag: None,
        }
    }

    /// Runs the main container's image at `tag` in this version.
    pub fn with_tag(mut self, tag: ImageTag) -> Version {
        self.tag = Some(tag);
        self
    }
}

/// The pod label a [`Version`] sets and its subset selects (Istio's convention).
pub const VERSION_LABEL: &str = "version";

/// A typed edit of the lowered workload; it must match the workload's kind.
enum Patch {
    Deployment(Box<dyn Fn(&mut Deployment)>),
    StatefulSet(Box<dyn Fn(&mut StatefulSet)>),
}

/// A microservice of service `S`, lowered by [`Microservice::build`] into an [`App`] named
/// `S::NAME` holding: a Deployment (a StatefulSet with its headless Service when
/// [`Microservice::stateful`]), a ServiceAccount, a PodDisruptionBudget, a NetworkPolicy
/// (ingress denied but for what [`Microservice::allow_from`] opens), a Service when a port
/// is exposed, a HorizontalPodAutoscaler when autoscaled, and a ConfigMap (with a content hash
/// in its name, so a change rolls the pods) when settings are given.
///
/// `build()` exists only once readiness and liveness probes are declared:
///
/// ```
/// use kumiki_constructs::*;
/// use kumiki_core::{Env, NodeGroup, label, label_value, name, port, port_name, repository, tag};
///
/// struct Account;
/// impl ServiceId for Account {
///     const NAME: kumiki_core::Name = name!("account");
/// }
///
/// let environment = Environment {
///     env: Env::Prd,
///     namespace: name!("services"),
///     node_groups: vec![NodeGroup::new(label_value!("app"))],
///     part_of: label_value!("shop"),
///     policy: Policy {
///         default_resources: Resources::guaranteed(100, 128),
///         run_as_user: 10001,
///         pre_stop_sleep_seconds: 5,
///         termination_grace_period_seconds: 30,
///         revision_history_limit: 5,
///         default_replicas: 2,
///     },
///     mesh: Mesh {
///         revision: label_value!("default"),
///         root_namespace: name!("istio-system"),
///         ingress: GatewayProxy { name: name!("istio-ingressgateway"), namespace: name!("istio-ingress"), selector: label!("istio", "ingressgateway") },
///         egress: GatewayProxy { name: name!("istio-egressgateway"), namespace: name!("istio-egress"), selector: label!("istio", "egressgateway") },
///     },
/// };
/// let mut gin = Container::<Account>::new(name!("gin"), Image::new(Registry::DockerHub, repository!("acme/account"), tag!("1.4.0")));
/// let http = gin.port(Protocol::Http, port_name!("account"), port!(8080));
/// let app = Microservice::<Account>::new(&environment)
///     .container(gin)
///     .readiness(Probe::http("/healthz", &http))
///     .liveness(Probe::tcp(&http))
///     .expose(port!(50000), &http)
///     .build();
/// // Deployment, ServiceAccount, PDB, NetworkPolicy, Service, DestinationRule, VirtualService
/// assert_eq!(app.objects().len(), 7);
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
    name: Name,
    environment: Environment,
    declared_at: SourceLocation,
    containers: Vec<Container<S>>,
    readiness: Vec<Probe<S>>,
    liveness: Vec<Probe<S>>,
    startup: Vec<Probe<S>>,
    service_ports: Vec<(PortNumber, PortRef<S>)>,
    listeners: Vec<(Listener, PortNumber)>,
    traffic: TrafficPolicy,
    replicas: Option<u16>,
    autoscale: Option<(u16, u16, u8)>,
    disruption_budget: DisruptionBudget,
    config: BTreeMap<String, String>,
    node_group: Option<NodeGroup>,
    ingress_from: Vec<(Name, Vec<PortRef<S>>)>,
    callers: Vec<(Name, Name, Vec<PortRef<S>>)>,
    storage: Option<VolumeClaim>,
    database: Option<Database>,
    versions: Vec<Version>,
    patches: Vec<Patch>,
    _probes: PhantomData<(R, L)>,
}

impl<S: ServiceId> Microservice<S> {
    /// A microservice of `S` in `environment`; the caller's location is recorded for errors.
    #[track_caller]
    pub fn new(environment: &Environment) -> Self {
        Microservice::new_at(environment, SourceLocation::caller())
    }

    /// A microservice whose errors point at `declared_at` (for constructs built on it).
    pub(crate) fn new_at(environment: &Environment, declared_at: SourceLocation) -> Self {
        Microservice {
            name: S::NAME,
            environment: environment.clone(),
            declared_at,
            containers: Vec::new(),
            readiness: Vec::new(),
            liveness: Vec::new(),
            startup: Vec::new(),
            service_ports: Vec::new(),
            listeners: Vec::new(),
            traffic: TrafficPolicy::default(),
            replicas: None,
            autoscale: None,
            disruption_budget: DisruptionBudget::MaxUnavailable(1),
            config: BTreeMap::new(),
            node_group: None,
            ingress_from: Vec::new(),
            callers: Vec::new(),
            storage: None,
            database: None,
            versions: Vec::new(),
            patches: Vec::new(),
            _probes: PhantomData,
        }
    }
}

impl<S: ServiceId, R, L> Microservice<S, R, L> {
    fn with_probes<R2, L2>(self) -> Microservice<S, R2, L2> {
        Microservice {
            name: self.name,
            environment: self.environment,
            declared_at: self.declared_at,
            containers: self.containers,
            readiness: self.readiness,
            liveness: self.liveness,
            startup: self.startup,
            service_ports: self.service_ports,
            listeners: self.listeners,
            traffic: self.traffic,
            replicas: self.replicas,
            autoscale: self.autoscale,
            disruption_budget: self.disruption_budget,
            config: self.config,
            node_group: self.node_group,
            ingress_from: self.ingress_from,
            callers: self.callers,
            storage: self.storage,
            database: self.database,
            versions: self.versions,
            patches: self.patches,
            _probes: PhantomData,
        }
    }

    /// Deploys this instance under `name` instead of `S::NAME` (several instances of one
    /// service type, such as one per tenant); its port handles are still `S`'s.
    pub fn named(mut self, name: Name) -> Self {
        self.name = name;
        self
    }

    /// Adds a container; the first one added is the main container.
    pub fn container(mut self, container: Container<S>) -> Self {
        self.containers.push(container);
        self
    }

    /// Adds a readiness probe to the container its port (or exec target) belongs to.
    pub fn readiness(mut self, probe: Probe<S>) -> Microservice<S, HasReadiness, L> {
        self.readiness.push(probe);
        self.with_probes()
    }

    /// Adds a liveness probe to the container its port (or exec target) belongs to.
    pub fn liveness(mut self, probe: Probe<S>) -> Microservice<S, R, HasLiveness> {
        self.liveness.push(probe);
        self.with_probes()
    }

    /// Adds a startup probe (optional): liveness waits until it succeeds.
    pub fn startup(mut self, probe: Probe<S>) -> Self {
        self.startup.push(probe);
        self
    }

    /// Exposes `target` on the Service as `port`; the Service selects this workload's pods.
    pub fn expose(mut self, port: PortNumber, target: &PortRef<S>) -> Self {
        self.service_ports.push((port, target.clone()));
        self
    }

    /// Exposes `target` on the Service as `port`, and to clients outside the cluster through
    /// `listener` on the ingress gateway: the Gateway server, the VirtualService bound to it
    /// and the gateway's own Service port all come from `listener`.
    pub fn expose_on_ingress(mut self, port: PortNumber, target: &PortRef<S>, listener: Listener) -> Self {
        self.service_ports.push((port, target.clone()));
        self.listeners.push((listener, port));
        self
    }

    /// How callers' proxies treat requests: timeout, retries, circuit breaking.
    pub fn traffic(mut self, policy: TrafficPolicy) -> Self {
        self.traffic = policy;
        self
    }

    /// Runs these versions side by side, each with its own Deployment and share of the
    /// traffic (see [`Version`]). Replicas, autoscaling and patches apply to each version's
    /// Deployment; the Service, disruption budget and policies cover all of them.
    pub fn versions(mut self, versions: Vec<Version>) -> Self {
        self.versions = versions;
        self
    }

    /// A fixed replica count (default: the platform policy's).
    pub fn replicas(mut self, replicas: u16) -> Self {
        self.replicas = Some(replicas);
        self
    }

    /// Scales between `min` and `max` replicas at `cpu_percent` average CPU utilization; the
    /// Deployment then has no fixed `replicas`.
    pub fn autoscale(mut self, min: u16, max: u16, cpu_percent: u8) -> Self {
        self.autoscale = Some((min, max, cpu_percent));
        self
    }

    /// Overrides the default disruption budget (`MaxUnavailable(1)`).
    pub fn disruption_budget(mut self, budget: DisruptionBudget) -> Self {
        self.disruption_budget = budget;
        self
    }

    /// A public setting, delivered to every container as an environment variable through a
    /// ConfigMap whose name carries a hash of the contents.
    pub fn config(mut self, key: &str, value: &str) -> Self {
        self.config.insert(key.to_owned(), value.to_owned());
        self
    }

    /// Pins the pods to `group`: a required node affinity, and the toleration for its taint.
    /// The group must exist in the environment (checked at synth time).
    pub fn pin_to(mut self, group: &NodeGroup) -> Self {
        self.node_group = Some(group.clone());
        self
    }

    /// Allows ingress from pods of `namespace` to `ports`; all other ingress is denied.
    pub fn allow_from(mut self, namespace: &Name, ports: &[&PortRef<S>]) -> Self {
        self.ingress_from
            .push((namespace.clone(), ports.iter().map(|port| (*port).clone()).collect()));
        self
    }

    /// Allows the workload running as ServiceAccount `service_account` in `namespace` (a
    /// Microservice's ServiceAccount is named after the service) to call `ports`, and no
    /// other workload: an Istio AuthorizationPolicy on its mutual-TLS identity, and a
    /// NetworkPolicy rule from its namespace. Ingress listeners add the ingress gateway.
    pub fn allow_caller(mut self, namespace: &Name, service_account: &Name, ports: &[&PortRef<S>]) -> Self {
        let ports = ports.iter().map(|port| (*port).clone()).collect();
        self.callers.push((namespace.clone(), service_account.clone(), ports));
        self
    }

    /// Runs the pods as a StatefulSet: each pod claims its own `storage`, mounted into the main
    /// container, and gets a stable DNS name through a headless Service `<name>-headless`
    /// (the StatefulSet's `serviceName`) that publishes every declared port.
    ///
    /// ```
    /// # use kumiki_constructs::*;
    /// # use kumiki_core::{Env, label, label_value, name, port, port_name, repository, tag};
    /// # struct Db;
    /// # impl ServiceId for Db { const NAME: kumiki_core::Name = name!("db"); }
    /// # let environment = Environment {
    /// #     env: Env::Dev, namespace: name!("services"), node_groups: vec![], part_of: label_value!("shop"),
    /// #     policy: Policy { default_resources: Resources::guaranteed(250, 512), run_as_user: 10001,
    /// #         pre_stop_sleep_seconds: 5, termination_grace_period_seconds: 30, revision_history_limit: 5,
    /// #         default_replicas: 1 },
    /// #     mesh: Mesh { revision: label_value!("default"), root_namespace: name!("istio-system"),
    /// #         ingress: GatewayProxy { name: name!("in"), namespace: name!("in"), selector: label!("istio", "in") },
    /// #         egress: GatewayProxy { name: name!("out"), namespace: name!("out"), selector: label!("istio", "out") } },
    /// # };
    /// let mut mysql = Container::<Db>::new(name!("mysql"), Image::new(Registry::DockerHub, repository!("library/mysql"), tag!("8.4.3")));
    /// let sql = mysql.port(Protocol::Tcp, port_name!("mysql"), port!(3306));
    /// let app = Microservice::<Db>::new(&environment)
    ///     .container(mysql)
    ///     .readiness(Probe::tcp(&sql))
    ///     .liveness(Probe::tcp(&sql))
    ///     .stateful(VolumeClaim::new(name!("data"), "/var/lib/mysql", 5))
    ///     .build();
    /// let kinds: Vec<&str> = app.objects().iter().map(|o| o.object.kind()).collect();
    /// assert!(kinds.contains(&"StatefulSet") && !kinds.contains(&"Deployment"));
    /// ```
    pub fn stateful(mut self, storage: VolumeClaim) -> Self {
        self.storage = Some(storage);
        self
    }

    /// Gives the service its own MySQL `database`, as the environment provides it (see
    /// [`Database`]): the database's objects join this app, and the main container gets the
    /// connection settings `DB_HOST`, `DB_PORT`, `DB_DATABASE`, and `DB_USERNAME` /
    /// `DB_PASSWORD` from the Secret `<name>-db-credentials`, the same names in every
    /// environment.
    pub fn database(mut self, database: Database) -> Self {
        self.database = Some(database);
        self
    }

    /// Escape hatch: edits the lowered Deployment. Runs before synth-time checks, so the
    /// patched object is still validated. A stateful Microservice has no Deployment: use
    /// [`Microservice::patch_stateful_set`].
    pub fn patch_deployment(mut self, patch: impl Fn(&mut Deployment) + 'static) -> Self {
        self.patches.push(Patch::Deployment(Box::new(patch)));
        self
    }

    /// Escape hatch: edits the lowered StatefulSet of a [`Microservice::stateful`] service,
    /// before synth-time checks.
    pub fn patch_stateful_set(mut self, patch: impl Fn(&mut StatefulSet) + 'static) -> Self {
        self.patches.push(Patch::StatefulSet(Box::new(patch)));
        self
    }
}

impl<S: ServiceId, R, L> Microservice<S, R, L> {
    /// Lowers the microservice into its app. Available only once readiness and liveness
    /// probes are declared. Problems types cannot rule out are recorded on the app and
    /// reported, with the location of [`Microservice::new`], when the environment is
    /// synthesized.
    pub fn build(self) -> App
    where
        R: ReadinessDeclared,
        L: LivenessDeclared,
    {
        Lowering {
            service: &self,
            app: App::new(self.name.clone()),
        }
        .run()
    }
}

struct Lowering<'a, S: ServiceId, R, L> {
    service: &'a Microservice<S, R, L>,
    app: App,
}

impl<S: ServiceId, R, L> Lowering<'_, S, R, L> {
    fn run(mut self) -> App {
        let ms = self.service;
        let at = ms.declared_at;
        for problem in self.problems() {
            self.app.report(at, problem);
        }
        let config_map = (!ms.config.is_empty()).then(|| self.config_map());
        let template = self.pod_template(config_map.as_ref().and_then(|c| c.metadata.name.clone()));
        self.app.add_at(self.service_account(), at);
        if let Some(config_map) = config_map {
            self.app.add_at(config_map, at);
        }
        match &ms.storage {
            None => {
                for (name, template) in self.versioned_templates(template) {
                    let mut deployment = self.deployment(name.clone(), template);
                    for patch in &ms.patches {
                        if let Patch::Deployment(patch) = patch {
                            patch(&mut deployment);
                        }
                    }
                    self.app.add_at(deployment, at);
                    if let Some(autoscaler) = self.autoscaler(name) {
                        self.app.add_at(autoscaler, at);
                    }
                }
            }
            Some(storage) => {
                let mut stateful_set = self.stateful_set(template, storage);
                for patch in &ms.patches {
                    if let Patch::StatefulSet(patch) = patch {
                        patch(&mut stateful_set);
                    }
                }
                self.app.add_at(stateful_set, at);
                if !storage.per_pod {
                    self.app.add_at(self.claim(storage), at);
                }
                self.app.add_at(self.headless_service(), at);
                if let Some(autoscaler) = self.autoscaler(self.name()) {
                    self.app.add_at(autoscaler, at);
                }
            }
        }
        if !ms.service_ports.is_empty() {
            self.app.add_at(self.service(), at);
            let labels = self.labels();
            let namespace = ms.environment.namespace.to_string();
            let routing = routing(&Exposure {
                name: ms.name.as_str(),
                namespace: &namespace,
                labels: &labels,
                ports: (ms.service_ports.iter())
                    .map(|(port, target)| (*port, target.protocol))
                    .collect(),
                listeners: &ms.listeners,
                versions: ms.versions.iter().map(|v| (v.name.to_string(), v.weight)).collect(),
                traffic: &ms.traffic,
                mesh: &ms.environment.mesh,
            });
            self.app.add_at(routing.destination_rule, at);
            self.app.add_at(routing.virtual_service, at);
            if let Some((gateway, virtual_service)) = routing.ingress {
                self.app.add_at(gateway, at);
                self.app.add_at(virtual_service, at);
            }
            for (listener, _) in &ms.listeners {
                self.app.publish(GatewayListener {
                    proxy: ms.environment.mesh.ingress.name.clone(),
                    listener: listener.clone(),
                });
            }
        }
        self.app.add_at(self.disruption_budget(), at);
        self.app.add_at(self.network_policy(), at);
        if let Some(policy) = self.authorization_policy() {
            self.app.add_at(policy, at);
        }
        if let Some(database) = &ms.database {
            let owner = Owner {
                name: &ms.name,
                environment: &ms.environment,
                node_group: ms.node_group.as_ref(),
                declared_at: at,
            };
            database.lower::<S>(&owner, &mut self.app);
        }
        self.app
    }

    /// What the types cannot rule out, checked against the environment.
    fn problems(&self) -> Vec<String> {
        let ms = self.service;
        let environment = &ms.environment;
        let mut problems = Vec::new();
        if ms.containers.is_empty() {
            problems.push("has no container: add one with `.container(..)`".to_owned());
        }
        // Repeated container and port names are found by synth's pod checks; numbers here.
        let container_names: Vec<&Name> = ms.containers.iter().map(|c| &c.name).collect();
        let mut port_numbers = Vec::new();
        for container in &ms.containers {
            for port in &container.ports {
                if port_numbers.contains(&port.number) {
                    problems.push(format!("port {} is declared twice", port.number));
                }
                port_numbers.push(port.number);
            }
            if environment.env != Env::Dev {
                if !container.image.is_pinned() {
                    problems.push(format!(
                        "container \"{}\": image {} is not pinned; {} accepts only a tag other than `latest`",
                        container.name, container.image, environment.env
                    ));
                }
                if container.image.is_local() {
                    problems.push(format!(
                        "container \"{}\": image {} comes from the local registry, which only dev has",
                        container.name, container.image
                    ));
                }
            }
        }
        let referenced = ms
            .readiness
            .iter()
            .chain(&ms.liveness)
            .chain(&ms.startup)
            .map(|probe| &probe.container);
        let referenced = referenced.chain(ms.service_ports.iter().map(|(_, port)| &port.container));
        for container in referenced {
            if !container_names.contains(&container) {
                problems.push(format!(
                    "refers to a port or probe of container \"{container}\", which was not added with `.container(..)`"
                ));
            }
        }
        let mut exposed = Vec::new();
        for (port, _) in &ms.service_ports {
            if exposed.contains(port) {
                problems.push(format!("Service port {port} is exposed twice"));
            }
            exposed.push(*port);
        }
        if let Some(group) = &ms.node_group
            && !environment.node_groups.contains(group)
        {
            problems.push(format!(
                "is pinned to node group \"{}\", which {} does not have",
                group.name, environment.env
            ));
        }
        let min_replicas = match ms.autoscale {
            // min > max is found by synth's autoscaler check.
            Some((min, _, percent)) => {
                if min == 0 {
                    problems.push("autoscale minimum is 0; an autoscaler keeps at least one replica".to_owned());
                }
                if percent == 0 || percent > 100 {
                    problems.push(format!("autoscale target {percent}% CPU is outside 1..=100"));
                }
                if ms.replicas.is_some() {
                    problems.push(
                        "sets both fixed replicas and autoscale; an autoscaled workload has no fixed replicas"
                            .to_owned(),
                    );
                }
                min
            }
            None => self.replicas(),
        };
        // With fixed replicas, synth's disruption budget check compares them; here the
        // autoscaler's minimum, which synth cannot see on the Deployment.
        match ms.disruption_budget {
            DisruptionBudget::MinAvailable(n) if ms.autoscale.is_some() && n >= min_replicas => problems.push(format!(
                "disruption budget minAvailable {n} is not below the {min_replicas} replica(s): no pod could ever be evicted"
            )),
            DisruptionBudget::MaxUnavailable(0) => {
                problems.push("disruption budget maxUnavailable 0: no pod could ever be evicted".to_owned())
            }
            _ => {}
        }
        if let Some(storage) = ms.storage.as_ref().filter(|storage| !storage.per_pod)
            && (ms.autoscale.is_some() || self.replicas() != 1 || !ms.versions.is_empty())
        {
            problems.push(format!(
                "claims one volume \"{}\" for a single pod, but runs more than one replica: use `VolumeClaim::new` for a claim per pod",
                storage.name
            ));
        }
        for patch in &ms.patches {
            match (patch, &ms.storage) {
                (Patch::Deployment(_), Some(_)) => problems.push(
                    "patches a Deployment, but a stateful Microservice runs a StatefulSet: use `.patch_stateful_set(..)`"
                        .to_owned(),
                ),
                (Patch::StatefulSet(_), None) => problems.push(
                    "patches a StatefulSet, but this Microservice runs a Deployment: use `.patch_deployment(..)`".to_owned(),
                ),
                _ => {}
            }
        }
        let traffic = &ms.traffic;
        if let (Some(timeout), Some(retries)) = (traffic.timeout, &traffic.retries) {
            let worst = retries.per_try_timeout.as_millis() * (u64::from(retries.attempts) + 1);
            if worst > timeout.as_millis() {
                problems.push(format!(
                    "{} attempts of {} each need {}ms, more than the {timeout} timeout: the last retries can never run",
                    retries.attempts + 1,
                    retries.per_try_timeout,
                    worst
                ));
            }
        }
        if !ms.versions.is_empty() {
            let total: u32 = ms.versions.iter().map(|v| u32::from(v.weight)).sum();
            if total != 100 {
                problems.push(format!("version weights add up to {total}, not 100"));
            }
            for (index, version) in ms.versions.iter().enumerate() {
                if ms.versions[..index].iter().any(|other| other.name == version.name) {
                    problems.push(format!("version \"{}\" is declared twice", version.name));
                }
            }
            if ms.storage.is_some() {
                problems.push(
                    "declares versions, but a stateful Microservice runs one StatefulSet: versions need Deployments"
                        .to_owned(),
                );
            }
            if ms.service_ports.is_empty() {
                problems.push("declares versions but exposes no port: no route could split traffic".to_owned());
            }
        }
        let mut listener_ports = Vec::new();
        for (listener, _) in &ms.listeners {
            if listener_ports.contains(&listener.port) {
                problems.push(format!("ingress listener port {} is declared twice", listener.port));
            }
            listener_ports.push(listener.port);
        }
        let policy = &environment.policy;
        if policy.termination_grace_period_seconds <= policy.pre_stop_sleep_seconds {
            problems.push(format!(
                "terminationGracePeriodSeconds {} does not exceed the preStop sleep of {}s",
                policy.termination_grace_period_seconds, policy.pre_stop_sleep_seconds
            ));
        }
        problems
    }

    fn replicas(&self) -> u16 {
        self.service
            .replicas
            .unwrap_or(self.service.environment.policy.default_replicas)
    }

    fn name(&self) -> String {
        self.service.name.to_string()
    }

    fn selector_labels(&self) -> BTreeMap<String, String> {
        BTreeMap::from([("app.kubernetes.io/name".to_owned(), self.name())])
    }

    /// One label scheme for every object: selector labels plus the environment's labels.
    fn labels(&self) -> BTreeMap<String, String> {
        let mut labels = self.selector_labels();
        labels.extend(self.service.environment.labels());
        labels
    }

    fn metadata(&self, name: String) -> ObjectMeta {
        ObjectMeta {
            name: Some(name),
            namespace: Some(self.service.environment.namespace.to_string()),
            labels: Some(self.labels()),
            ..Default::default()
        }
    }

    fn selector(&self) -> LabelSelector {
        LabelSelector {
            match_labels: Some(self.selector_labels()),
            ..Default::default()
        }
    }

    fn service_account(&self) -> ServiceAccount {
        ServiceAccount {
            metadata: self.metadata(self.name()),
            automount_service_account_token: Some(false),
            ..Default::default()
        }
    }

    fn config_map(&self) -> ConfigMap {
        let config = &self.service.config;
        let digest = config.iter().fold(FNV_OFFSET, |hash, (key, value)| {
            fnv1a(fnv1a(fnv1a(fnv1a(hash, key.as_bytes()), b"="), value.as_bytes()), b"\n")
        });
        ConfigMap {
            metadata: self.metadata(format!("{}-config-{:08x}", self.name(), digest as u32)),
            data: Some(config.clone()),
            immutable: Some(true),
            ..Default::default()
        }
    }

    fn pod_template(&self, config_map: Option<String>) -> PodTemplateSpec {
        let ms = self.service;
        let policy = &ms.environment.policy;
        let mut labels = self.labels();
        if let Some(main) = ms.containers.first()
            && Rule::LabelValue.check(main.image.tag()).is_ok()
        {
            labels.insert("app.kubernetes.io/version".to_owned(), main.image.tag().to_owned());
        }
        let containers = ms
            .containers
            .iter()
            .enumerate()
            .map(|(index, c)| self.container(c, index == 0, config_map.as_deref()))
            .collect();
        PodTemplateSpec {
            metadata: Some(ObjectMeta {
                labels: Some(labels),
                ..Default::default()
            }),
            spec: Some(PodSpec {
                service_account_name: Some(self.name()),
                automount_service_account_token: Some(false),
                termination_grace_period_seconds: Some(policy.termination_grace_period_seconds.into()),
                security_context: Some(PodSecurityContext {
                    run_as_non_root: Some(true),
                    run_as_user: Some(policy.run_as_user),
                    run_as_group: Some(policy.run_as_user),
                    // A claimed volume is writable by the pod's group.
                    fs_group: ms.storage.is_some().then_some(policy.run_as_user),
                    seccomp_profile: Some(SeccompProfile {
                        type_: "RuntimeDefault".to_owned(),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
                affinity: ms.node_group.as_ref().map(node_affinity),
                tolerations: ms.node_group.as_ref().and_then(toleration).map(|t| vec![t]),
                containers,
                volumes: Some(self.volumes()),
                ..Default::default()
            }),
        }
    }

    /// Fixed replicas, unless an autoscaler owns the count.
    fn fixed_replicas(&self) -> Option<i32> {
        self.service.autoscale.is_none().then(|| self.replicas().into())
    }

    /// The Deployments' names and pod templates: one unversioned, or one per [`Version`]
    /// with the version label and the version's image tag on the main container.
    fn versioned_templates(&self, template: PodTemplateSpec) -> Vec<(String, PodTemplateSpec)> {
        let versions = &self.service.versions;
        if versions.is_empty() {
            return vec![(self.name(), template)];
        }
        let main = self.service.containers.first();
        versions
            .iter()
            .map(|version| {
                let mut template = template.clone();
                let labels = template.metadata.get_or_insert_default().labels.get_or_insert_default();
                labels.insert(VERSION_LABEL.to_owned(), version.name.to_string());
                if let (Some(main), Some(tag)) = (main, &version.tag) {
                    let image = main.image.with_tag(tag.clone());
                    labels.insert("app.kubernetes.io/version".to_owned(), tag.to_string());
                    if let Some(container) = template.spec.as_mut().and_then(|spec| spec.containers.first_mut()) {
                        container.image = Some(image.to_string());
                    }
                }
                (format!("{}-{}", self.name(), version.name), template)
            })
            .collect()
    }

    fn deployment(&self, name: String, template: PodTemplateSpec) -> Deployment {
        // Each version's Deployment owns only its own pods.
        let mut selector = self.selector();
        if let Some(version) = template
            .metadata
            .as_ref()
            .and_then(|m| m.labels.as_ref()?.get(VERSION_LABEL))
        {
            (selector.match_labels.get_or_insert_default()).insert(VERSION_LABEL.to_owned(), version.clone());
        }
        Deployment {
            metadata: self.metadata(name),
            spec: Some(DeploymentSpec {
                replicas: self.fixed_replicas(),
                revision_history_limit: Some(self.service.environment.policy.revision_history_limit.into()),
                selector,
                strategy: Some(DeploymentStrategy {
                    type_: Some("RollingUpdate".to_owned()),
                    rolling_update: Some(RollingUpdateDeployment {
                        max_surge: Some(IntOrString::Int(1)),
                        max_unavailable: Some(IntOrString::Int(0)),
                    }),
                }),
                template,
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn headless_service_name(&self) -> String {
        format!("{}-headless", self.name())
    }

    /// The standalone claim of a [`VolumeClaim::single`].
    fn claim(&self, storage: &VolumeClaim) -> PersistentVolumeClaim {
        PersistentVolumeClaim {
            metadata: self.metadata(self.claim_name(storage)),
            ..self.claim_template(storage)
        }
    }

    fn claim_name(&self, storage: &VolumeClaim) -> String {
        format!("{}-{}", self.name(), storage.name)
    }

    fn claim_template(&self, storage: &VolumeClaim) -> PersistentVolumeClaim {
        PersistentVolumeClaim {
            metadata: ObjectMeta {
                name: Some(storage.name.to_string()),
                labels: Some(self.labels()),
                ..Default::default()
            },
            spec: Some(PersistentVolumeClaimSpec {
                access_modes: Some(vec!["ReadWriteOnce".to_owned()]),
                storage_class_name: storage.storage_class.as_ref().map(Name::to_string),
                resources: Some(VolumeResourceRequirements {
                    requests: Some(BTreeMap::from([(
                        "storage".to_owned(),
                        Quantity(format!("{}Gi", storage.size_gib)),
                    )])),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn stateful_set(&self, template: PodTemplateSpec, storage: &VolumeClaim) -> StatefulSet {
        StatefulSet {
            metadata: self.metadata(self.name()),
            spec: Some(StatefulSetSpec {
                replicas: self.fixed_replicas(),
                revision_history_limit: Some(self.service.environment.policy.revision_history_limit.into()),
                selector: self.selector(),
                service_name: Some(self.headless_service_name()),
                update_strategy: Some(StatefulSetUpdateStrategy {
                    type_: Some("RollingUpdate".to_owned()),
                    rolling_update: None,
                }),
                template,
                volume_claim_templates: storage.per_pod.then(|| vec![self.claim_template(storage)]),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn container(&self, container: &Container<S>, main: bool, config_map: Option<&str>) -> K8sContainer {
        let ms = self.service;
        let policy = &ms.environment.policy;
        let probe = |probes: &[Probe<S>]| probes.iter().find(|p| p.container == container.name).map(Probe::lower);
        let resources = container.resources.unwrap_or(policy.default_resources);
        let quantities = |cpu: Option<u32>, memory: u32| {
            let mut map = BTreeMap::from([("memory".to_owned(), Quantity(format!("{memory}Mi")))]);
            if let Some(cpu) = cpu {
                map.insert("cpu".to_owned(), Quantity(format!("{cpu}m")));
            }
            map
        };
        K8sContainer {
            name: container.name.to_string(),
            image: Some(container.image.to_string()),
            image_pull_policy: Some(
                if container.image.is_local() {
                    "IfNotPresent"
                } else {
                    "Always"
                }
                .to_owned(),
            ),
            command: container.command.clone(),
            args: container.args.clone(),
            ports: (!container.ports.is_empty()).then(|| {
                container
                    .ports
                    .iter()
                    .map(|port| ContainerPort {
                        name: Some(port.port_name()),
                        container_port: port.number.get().into(),
                        protocol: Some("TCP".to_owned()),
                        ..Default::default()
                    })
                    .collect()
            }),
            env: self.env(container, main),
            env_from: config_map.map(|name| {
                vec![EnvFromSource {
                    config_map_ref: Some(ConfigMapEnvSource {
                        name: name.to_owned(),
                        optional: None,
                    }),
                    ..Default::default()
                }]
            }),
            readiness_probe: probe(&ms.readiness),
            liveness_probe: probe(&ms.liveness),
            startup_probe: probe(&ms.startup),
            resources: Some(ResourceRequirements {
                requests: Some(quantities(Some(resources.cpu_millis), resources.memory_mib)),
                limits: Some(quantities(resources.cpu_limit_millis, resources.memory_limit_mib)),
                ..Default::default()
            }),
            lifecycle: Some(Lifecycle {
                pre_stop: Some(LifecycleHandler {
                    sleep: Some(SleepAction {
                        seconds: policy.pre_stop_sleep_seconds.into(),
                    }),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            security_context: Some(SecurityContext {
                allow_privilege_escalation: Some(false),
                privileged: Some(false),
                read_only_root_filesystem: Some(true),
                run_as_non_root: Some(true),
                capabilities: Some(Capabilities {
                    drop: Some(vec!["ALL".to_owned()]),
                    add: None,
                }),
                ..Default::default()
            }),
            volume_mounts: Some(self.volume_mounts(container, main)),
            ..Default::default()
        }
    }

    /// `tmp` (readOnlyRootFilesystem needs somewhere to write), the containers' scratch
    /// directories, and a single claim's volume (a per-pod claim is added by the StatefulSet).
    fn volumes(&self) -> Vec<Volume> {
        let ms = self.service;
        let empty_dir = |name: String| Volume {
            name,
            empty_dir: Some(EmptyDirVolumeSource::default()),
            ..Default::default()
        };
        let mut volumes = vec![empty_dir("tmp".to_owned())];
        volumes.extend(
            (ms.containers.iter())
                .flat_map(|c| &c.scratch)
                .map(|(name, _)| empty_dir(name.to_string())),
        );
        if let Some(storage) = ms.storage.as_ref().filter(|storage| !storage.per_pod) {
            volumes.push(Volume {
                name: storage.name.to_string(),
                persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                    claim_name: self.claim_name(storage),
                    read_only: None,
                }),
                ..Default::default()
            });
        }
        volumes
    }

    /// The container's variables: its own, then values read from Secrets, then (main
    /// container) the database connection.
    fn env(&self, container: &Container<S>, main: bool) -> Option<Vec<EnvVar>> {
        let mut secret_env = container.secret_env.clone();
        let mut plain = container.env.clone();
        if let Some(database) = self.service.database.as_ref().filter(|_| main) {
            let connection = database.connection(&self.service.name);
            plain.extend(connection.plain);
            secret_env.extend(connection.secret);
        }
        let mut env: Vec<EnvVar> = (plain.into_iter())
            .map(|(name, value)| EnvVar {
                name,
                value: Some(value),
                ..Default::default()
            })
            .collect();
        env.extend(secret_env.into_iter().map(|item| EnvVar {
            name: item.variable,
            value_from: Some(EnvVarSource {
                secret_key_ref: Some(SecretKeySelector {
                    name: item.secret,
                    key: item.key,
                    optional: None,
                }),
                ..Default::default()
            }),
            ..Default::default()
        }));
        (!env.is_empty()).then_some(env)
    }

    fn volume_mounts(&self, container: &Container<S>, main: bool) -> Vec<VolumeMount> {
        let mut mounts = vec![VolumeMount {
            name: "tmp".to_owned(),
            mount_path: "/tmp".to_owned(),
            ..Default::default()
        }];
        mounts.extend(container.scratch.iter().map(|(name, path)| VolumeMount {
            name: name.to_string(),
            mount_path: path.clone(),
            ..Default::default()
        }));
        if let Some(storage) = self.service.storage.as_ref().filter(|_| main) {
            mounts.push(VolumeMount {
                name: storage.name.to_string(),
                mount_path: storage.mount_path.clone(),
                ..Default::default()
            });
        }
        mounts
    }

    /// The StatefulSet's governing Service: no cluster IP, so each pod's DNS name resolves to
    /// the pod itself; it publishes container ports as they are (a headless Service maps none).
    fn headless_service(&self) -> Service {
        let ports = (self.service.containers.iter())
            .flat_map(|c| &c.ports)
            .map(|port| service_port(port.number, port));
        Service {
            metadata: self.metadata(self.headless_service_name()),
            spec: Some(ServiceSpec {
                cluster_ip: Some("None".to_owned()),
                selector: Some(self.selector_labels()),
                ports: Some(ports.collect()),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn service(&self) -> Service {
        let ports = (self.service.service_ports.iter()).map(|(port, target)| service_port(*port, target));
        Service {
            metadata: self.metadata(self.name()),
            spec: Some(ServiceSpec {
                type_: Some("ClusterIP".to_owned()),
                selector: Some(self.selector_labels()),
                ports: Some(ports.collect()),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn disruption_budget(&self) -> PodDisruptionBudget {
        let (min_available, max_unavailable) = match self.service.disruption_budget {
            DisruptionBudget::MinAvailable(n) => (Some(IntOrString::Int(n.into())), None),
            DisruptionBudget::MaxUnavailable(n) => (None, Some(IntOrString::Int(n.into()))),
        };
        PodDisruptionBudget {
            metadata: self.metadata(self.name()),
            spec: Some(PodDisruptionBudgetSpec {
                selector: Some(self.selector()),
                min_available,
                max_unavailable,
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    /// The autoscaler of workload `name`, when autoscaled.
    fn autoscaler(&self, name: String) -> Option<HorizontalPodAutoscaler> {
        let (min, max, percent) = self.service.autoscale?;
        Some(HorizontalPodAutoscaler {
            metadata: self.metadata(name.clone()),
            spec: Some(HorizontalPodAutoscalerSpec {
                min_replicas: Some(min.into()),
                max_replicas: max.into(),
                scale_target_ref: CrossVersionObjectReference {
                    api_version: Some("apps/v1".to_owned()),
                    kind: if self.service.storage.is_some() {
                        "StatefulSet"
                    } else {
                        "Deployment"
                    }
                    .to_owned(),
                    name,
                },
                metrics: Some(vec![MetricSpec {
                    type_: "Resource".to_owned(),
                    resource: Some(ResourceMetricSource {
                        name: "cpu".to_owned(),
                        target: MetricTarget {
                            type_: "Utilization".to_owned(),
                            average_utilization: Some(percent.into()),
                            ..Default::default()
                        },
                    }),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            ..Default::default()
        })
    }

    fn network_policy(&self) -> NetworkPolicy {
        let ms = self.service;
        let from_namespaces = ms.ingress_from.iter().map(|(namespace, ports)| (namespace, ports));
        let from_callers = ms.callers.iter().map(|(namespace, _, ports)| (namespace, ports));
        let mut allowed: Vec<(String, Vec<String>)> = (from_namespaces.chain(from_callers))
            .map(|(namespace, ports)| (namespace.to_string(), ports.iter().map(PortRef::port_name).collect()))
            .collect();
        // Ingress listeners are reached through the ingress gateway proxy, from its namespace.
        let listener_targets: Vec<String> = (ms.listeners.iter())
            .filter_map(|(_, service_port)| ms.service_ports.iter().find(|(port, _)| port == service_port))
            .map(|(_, target)| target.port_name())
            .collect();
        if !listener_targets.is_empty() {
            allowed.push((ms.environment.mesh.ingress.namespace.to_string(), listener_targets));
        }
        let ingress = allowed.into_iter().map(|(namespace, ports)| NetworkPolicyIngressRule {
            from: Some(vec![NetworkPolicyPeer {
                namespace_selector: Some(LabelSelector {
                    match_labels: Some(BTreeMap::from([("kubernetes.io/metadata.name".to_owned(), namespace)])),
                    ..Default::default()
                }),
                ..Default::default()
            }]),
            ports: Some(
                ports
                    .into_iter()
                    .map(|port| NetworkPolicyPort {
                        port: Some(IntOrString::String(port)),
                        protocol: Some("TCP".to_owned()),
                        ..Default::default()
                    })
                    .collect(),
            ),
        });
        NetworkPolicy {
            metadata: self.metadata(self.name()),
            spec: Some(NetworkPolicySpec {
                pod_selector: Some(self.selector()),
                policy_types: Some(vec!["Ingress".to_owned()]),
                ingress: Some(ingress.collect()),
                ..Default::default()
            }),
        }
    }
}

impl<S: ServiceId, R, L> Lowering<'_, S, R, L> {
    /// ALLOW rules for the declared callers and the ingress gateway; none when nothing is
    /// declared (the mesh then admits any authenticated peer).
    fn authorization_policy(&self) -> Option<AuthorizationPolicy> {
        let ms = self.service;
        let principal = |namespace: &Name, account: &Name| format!("cluster.local/ns/{namespace}/sa/{account}");
        let rule = |principal: String, ports: Vec<String>| AccessRule {
            from: vec![RuleFrom {
                source: Source {
                    principals: vec![principal],
                    ..Default::default()
                },
            }],
            to: vec![RuleTo {
                operation: Operation {
                    ports,
                    ..Default::default()
                },
            }],
            ..Default::default()
        };
        let number = |port: &PortRef<S>| port.number.to_string();
        let mut rules: Vec<AccessRule> = (ms.callers.iter())
            .map(|(namespace, account, ports)| rule(principal(namespace, account), ports.iter().map(number).collect()))
            .collect();
        let listener_ports: Vec<String> = (ms.listeners.iter())
            .filter_map(|(_, service_port)| ms.service_ports.iter().find(|(port, _)| port == service_port))
            .map(|(_, target)| number(target))
            .collect();
        if !listener_ports.is_empty() {
            let gateway = &ms.environment.mesh.ingress;
            rules.push(rule(principal(&gateway.namespace, &gateway.name), listener_ports));
        }
        (!rules.is_empty()).then(|| AuthorizationPolicy {
            metadata: self.metadata(self.name()),
            spec: AuthorizationPolicySpec {
                selector: Some(WorkloadSelector {
                    match_labels: self.selector_labels(),
                }),
                action: "ALLOW".to_owned(),
                rules,
                extra: Default::default(),
            },
        })
    }
}

/// Service `port`, forwarded to the container port `target` by name.
fn service_port<S: ServiceId>(port: PortNumber, target: &PortRef<S>) -> ServicePort {
    ServicePort {
        name: Some(target.port_name()),
        app_protocol: Some(target.protocol.as_str().to_owned()),
        protocol: Some("TCP".to_owned()),
        port: port.get().into(),
        target_port: Some(IntOrString::String(target.port_name())),
        ..Default::default()
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a: a stable hash (the standard library's may change between Rust versions, and a
/// ConfigMap name must not).
fn fnv1a(mut hash: u64, bytes: &[u8]) -> u64 {
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}
