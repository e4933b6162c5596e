//! What a Microservice declares, without its service marker: the builders fill it in, and
//! everything that lowers or checks it is compiled once, in the SDK, whatever the service.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::CronJob;
use kumiki_core::{ImageTag, LabelValue, Name, NodeGroup, PortNumber, SourceLocation};

use crate::database::Database;
use crate::env_var::{EnvValue, SecretEnv};
use crate::environment::Environment;
use crate::image::{Image, ImageVersion};
use crate::mesh::{Listener, TrafficPolicy};
use crate::policy::Resources;
use crate::port::Port;
use crate::probe::ProbeSpec;
use crate::storage::VolumeClaim;

/// A declared value and the line that declared it: a problem with the value points there.
#[derive(Clone, Debug)]
pub(crate) struct At<T> {
    pub(crate) value: T,
    pub(crate) at: SourceLocation,
}

/// One workload, as declared: a Microservice, a Worker or a CronJob (their builders fill in
/// the parts they offer; the pod template is lowered from the same fields for all three).
pub(crate) struct MicroserviceSpec {
    pub(crate) kind: WorkloadKind,
    pub(crate) name: Name,
    pub(crate) environment: Environment,
    /// The `Microservice::new` call: the app and objects no other call shaped point here.
    pub(crate) declared_at: SourceLocation,
    pub(crate) containers: Vec<ContainerSpec>,
    pub(crate) probes: Probes,
    pub(crate) service_ports: Vec<ServicePortSpec>,
    pub(crate) listeners: Vec<ListenerBinding>,
    pub(crate) traffic: Option<At<TrafficPolicy>>,
    pub(crate) replicas: Option<At<u16>>,
    pub(crate) autoscale: Option<At<Autoscale>>,
    pub(crate) disruption_budget: Option<At<DisruptionBudget>>,
    pub(crate) config: Option<At<BTreeMap<String, String>>>,
    pub(crate) config_files: Option<At<ConfigFiles>>,
    pub(crate) metrics: Option<At<Metrics>>,
    pub(crate) node_group: Option<At<NodeGroup>>,
    pub(crate) ingress_from: Vec<IngressSource>,
    pub(crate) callers: Vec<Caller>,
    pub(crate) storage: Option<At<VolumeClaim>>,
    pub(crate) database: Option<At<Database>>,
    pub(crate) versions: Option<At<Vec<Version>>>,
    pub(crate) patches: Vec<At<Patch>>,
}

impl MicroserviceSpec {
    pub(crate) fn new(name: Name, environment: &Environment, declared_at: SourceLocation) -> MicroserviceSpec {
        MicroserviceSpec {
            kind: WorkloadKind::Service,
            name,
            environment: environment.clone(),
            declared_at,
            containers: Vec::new(),
            probes: Probes::default(),
            service_ports: Vec::new(),
            listeners: Vec::new(),
            traffic: None,
            replicas: None,
            autoscale: None,
            disruption_budget: None,
            config: None,
            config_files: None,
            metrics: None,
            node_group: None,
            ingress_from: Vec::new(),
            callers: Vec::new(),
            storage: None,
            database: None,
            versions: None,
            patches: Vec::new(),
        }
    }

    /// The declared versions; none when the service runs one version.
    pub(crate) fn versions(&self) -> &[Version] {
        self.versions.as_ref().map_or(&[], |versions| &versions.value)
    }

    /// The traffic policy, or the mesh's defaults.
    pub(crate) fn traffic(&self) -> TrafficPolicy {
        self.traffic.as_ref().map(|t| t.value.clone()).unwrap_or_default()
    }

    /// The replica count when no autoscaler owns it.
    pub(crate) fn replicas(&self) -> u16 {
        self.replicas
            .as_ref()
            .map_or(self.environment.policy.default_replicas, |r| r.value)
    }

    pub(crate) fn disruption_budget(&self) -> DisruptionBudget {
        self.disruption_budget
            .as_ref()
            .map_or(DisruptionBudget::MaxUnavailable(1), |b| b.value)
    }

    /// The line of the first call among `calls` that was made, else `Microservice::new`.
    pub(crate) fn first_of(&self, calls: &[Option<SourceLocation>]) -> SourceLocation {
        calls.iter().flatten().next().copied().unwrap_or(self.declared_at)
    }
}

/// What the workload runs as.
pub(crate) enum WorkloadKind {
    /// Pods that serve until stopped, behind a Service when ports are exposed: a Deployment
    /// (one per version) or a StatefulSet. A Microservice.
    Service,
    /// Pods that serve no port (a queue consumer): a Deployment. A Worker.
    Worker,
    /// Pods that run to completion on a schedule: a CronJob.
    CronJob(CronSchedule),
}

/// When and how a CronJob runs.
#[derive(Clone, Debug)]
pub(crate) struct CronSchedule {
    /// The cron expression (five fields, the cluster's time zone unless `time_zone`).
    pub(crate) schedule: At<String>,
    /// An IANA time zone name, e.g. `Europe/Berlin`.
    pub(crate) time_zone: Option<String>,
    /// Whether a run may start while the previous one still runs.
    pub(crate) concurrency: Concurrency,
}

/// Whether a CronJob's runs may overlap.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Concurrency {
    /// A run is skipped while the previous one still runs (the default: most jobs are not
    /// written to run twice at once).
    #[default]
    Forbid,
    /// A new run replaces the one still running.
    Replace,
    /// Runs may overlap.
    Allow,
}

impl Concurrency {
    /// As `spec.concurrencyPolicy` writes it.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Concurrency::Forbid => "Forbid",
            Concurrency::Replace => "Replace",
            Concurrency::Allow => "Allow",
        }
    }
}

/// The readiness, liveness and startup probes.
#[derive(Default)]
pub(crate) struct Probes {
    pub(crate) readiness: Vec<ProbeSpec>,
    pub(crate) liveness: Vec<ProbeSpec>,
    pub(crate) startup: Vec<ProbeSpec>,
}

impl Probes {
    pub(crate) fn all(&self) -> impl Iterator<Item = &ProbeSpec> {
        self.readiness.iter().chain(&self.liveness).chain(&self.startup)
    }
}

/// A container, as declared.
#[derive(Clone, Debug)]
pub(crate) struct ContainerSpec {
    pub(crate) name: Name,
    pub(crate) image: Image,
    pub(crate) declared_at: SourceLocation,
    pub(crate) ports: Vec<At<Port>>,
    pub(crate) env: Vec<EnvValue>,
    pub(crate) secret_env: Vec<SecretEnv>,
    pub(crate) scratch: Vec<Scratch>,
    pub(crate) command: Option<Vec<String>>,
    pub(crate) args: Option<Vec<String>>,
    pub(crate) resources: Option<Resources>,
    /// Calls refused as they were made (a variable or scratch path twice), with their lines.
    pub(crate) refused: Vec<(SourceLocation, String)>,
}

impl ContainerSpec {
    /// Whether `variable` is already set (plainly or from a Secret): then the calling line is
    /// recorded as refused.
    #[track_caller]
    pub(crate) fn refuse_variable_twice(&mut self, variable: &str) -> bool {
        let set = self.env.iter().any(|env| env.name == variable)
            || self.secret_env.iter().any(|env| env.variable == variable);
        if set {
            let message = format!(
                "container \"{}\": variable {variable} is set twice (Kubernetes would silently keep the last)",
                self.name
            );
            self.refused.push((SourceLocation::caller(), message));
        }
        set
    }
    pub(crate) fn new(name: Name, image: Image, declared_at: SourceLocation) -> ContainerSpec {
        ContainerSpec {
            name,
            image,
            declared_at,
            ports: Vec::new(),
            env: Vec::new(),
            secret_env: Vec::new(),
            scratch: Vec::new(),
            command: None,
            args: None,
            resources: None,
            refused: Vec::new(),
        }
    }
}

/// An empty, writable directory mounted into a container.
#[derive(Clone, Debug)]
pub(crate) struct Scratch {
    pub(crate) volume: Name,
    pub(crate) path: String,
}

/// A Service port and the container port it forwards to.
#[derive(Clone, Debug)]
pub(crate) struct ServicePortSpec {
    pub(crate) port: PortNumber,
    pub(crate) target: Port,
    pub(crate) at: SourceLocation,
}

/// An ingress listener and the Service port it routes to.
#[derive(Clone, Debug)]
pub(crate) struct ListenerBinding {
    pub(crate) listener: Listener,
    pub(crate) service_port: PortNumber,
    pub(crate) at: SourceLocation,
}

/// Autoscaling bounds and target.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Autoscale {
    pub(crate) min: u16,
    pub(crate) max: u16,
    pub(crate) cpu_percent: u8,
}

/// Pods of a namespace allowed to reach some ports.
#[derive(Clone, Debug)]
pub(crate) struct IngressSource {
    pub(crate) namespace: Name,
    pub(crate) ports: Vec<Port>,
    pub(crate) at: SourceLocation,
}

/// A workload (by namespace and ServiceAccount) allowed to call some ports.
#[derive(Clone, Debug)]
pub(crate) struct Caller {
    pub(crate) namespace: Name,
    pub(crate) service_account: Name,
    pub(crate) ports: Vec<Port>,
    pub(crate) at: SourceLocation,
}

/// A typed edit of the lowered workload; it must match the workload's kind.
pub(crate) enum Patch {
    Deployment(Box<dyn Fn(&mut Deployment)>),
    StatefulSet(Box<dyn Fn(&mut StatefulSet)>),
    CronJob(Box<dyn Fn(&mut CronJob)>),
}

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
    /// The main container's image version in this version (default: the declared image's).
    pub image_version: Option<ImageVersion>,
}

impl Version {
    /// Version `name` receiving `weight` percent of the traffic.
    pub const fn new(name: LabelValue, weight: u8) -> Version {
        Version {
            name,
            weight,
            image_version: None,
        }
    }

    /// Runs the main container's image at `tag` in this version.
    pub fn with_tag(self, tag: ImageTag) -> Version {
        self.with_image_version(ImageVersion::tagged(tag))
    }

    /// Runs the main container's image at `version` in this version (usually read with
    /// [`ImageVersions::canary`](crate::ImageVersions::canary)).
    pub fn with_image_version(mut self, version: ImageVersion) -> Version {
        self.image_version = Some(version);
        self
    }
}

/// The port and path the service serves its own metrics on, for the platform's scraper.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Metrics {
    pub(crate) port: Port,
    pub(crate) path: String,
}

/// Files the main container reads from one directory, delivered by a ConfigMap whose name
/// carries a hash of the contents (a change rolls the pods).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ConfigFiles {
    /// The directory, as first declared.
    pub(crate) directory: String,
    /// File name → contents.
    pub(crate) files: BTreeMap<String, String>,
    /// Other directories declared after the first, with their lines (an error each).
    pub(crate) other_directories: Vec<(String, SourceLocation)>,
}
