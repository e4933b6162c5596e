//! The model of one environment as the checks read it, built once: every object with the
//! app that added it, the workloads (extracted once, indexed by pod label), the services
//! provided outside kumiki and the release layouts apps published.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{Pod as K8sPod, PodSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use kumiki_core::{EnvId, SourceLocation};

use crate::app::{App, Declared};
use crate::exemption::PodExemption;
use crate::provided::{ClusterNodeGroups, MetricsScraper, ProvidedService, RegisteredHosts, ReleaseLayout};

/// Who is answerable for an object: the app that added it, and the line that declared it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Origin<'a> {
    pub(crate) app: &'a str,
    pub(crate) location: SourceLocation,
}

/// An object that passed its own checks, with its origin.
#[derive(Clone, Copy)]
pub(crate) struct Entry<'a> {
    pub(crate) declared: &'a Declared,
    pub(crate) origin: Origin<'a>,
}

/// One environment's model, indexed for the checks.
pub(crate) struct Index<'a> {
    pub(crate) env: EnvId,
    pub(crate) objects: Vec<Entry<'a>>,
    pub(crate) workloads: Workloads<'a>,
    /// Every pod template of the release: of workloads, jobs, cron jobs and bare pods.
    pub(crate) pods: Vec<Pod<'a>>,
    /// Every ServiceAccount: (app that declares it, namespace, name).
    pub(crate) service_accounts: Vec<(&'a str, &'a str, &'a str)>,
    /// Every pod exemption, with the app that published it.
    pub(crate) exemptions: Vec<(&'a str, &'a PodExemption)>,
    pub(crate) provided: Vec<&'a ProvidedService>,
    /// The node groups the platform declared for the cluster; none when it declared none.
    pub(crate) node_groups: Vec<&'a kumiki_core::NodeGroup>,
    /// The app that declared them, and where.
    pub(crate) node_groups_declared_by: Option<Origin<'a>>,
    /// The hosts the platform lets other apps register, with the app that declared them.
    pub(crate) registered_hosts: Vec<(&'a str, &'a RegisteredHosts)>,
    pub(crate) layouts: Vec<&'a ReleaseLayout>,
    /// Who scrapes metrics, as the platform published it.
    pub(crate) scrapers: Vec<&'a MetricsScraper>,
    /// Every app, by name, with the line that created it.
    pub(crate) apps: Vec<Origin<'a>>,
}

impl<'a> Index<'a> {
    pub(crate) fn new(env: EnvId, apps: &[&'a App], objects: Vec<Entry<'a>>) -> Index<'a> {
        let workloads = Workloads::new(objects.iter().filter_map(|entry| workload(*entry)).collect());
        let service_accounts = (objects.iter())
            .filter(|entry| {
                entry.declared.object.group().is_empty() && entry.declared.object.kind() == "ServiceAccount"
            })
            .map(|entry| {
                let metadata = entry.declared.object.metadata();
                let namespace = metadata.namespace.as_deref().unwrap_or_default();
                (
                    entry.origin.app,
                    namespace,
                    metadata.name.as_deref().unwrap_or_default(),
                )
            })
            .collect();
        Index {
            env,
            workloads,
            pods: objects.iter().filter_map(|entry| pod(*entry)).collect(),
            service_accounts,
            exemptions: (apps.iter())
                .flat_map(|app| {
                    app.published::<PodExemption>()
                        .map(|exemption| (app.name().as_str(), exemption))
                })
                .collect(),
            provided: apps.iter().flat_map(|app| app.published::<ProvidedService>()).collect(),
            node_groups: (apps.iter())
                .flat_map(|app| app.published::<ClusterNodeGroups>())
                .flat_map(|declared| &declared.groups)
                .collect(),
            node_groups_declared_by: (apps.iter())
                .find(|app| app.published::<ClusterNodeGroups>().next().is_some())
                .map(|app| Origin {
                    app: app.name().as_str(),
                    location: app.declared_at(),
                }),
            registered_hosts: (apps.iter())
                .flat_map(|app| {
                    app.published::<RegisteredHosts>()
                        .map(|hosts| (app.name().as_str(), hosts))
                })
                .collect(),
            layouts: apps.iter().flat_map(|app| app.published::<ReleaseLayout>()).collect(),
            scrapers: apps.iter().flat_map(|app| app.published::<MetricsScraper>()).collect(),
            apps: (apps.iter())
                .map(|app| Origin {
                    app: app.name().as_str(),
                    location: app.declared_at(),
                })
                .collect(),
            objects,
        }
    }
}

/// A Deployment or StatefulSet, as the checks read it.
pub(crate) struct Workload<'a> {
    pub(crate) origin: Origin<'a>,
    pub(crate) kind: &'static str,
    pub(crate) namespace: &'a str,
    pub(crate) name: &'a str,
    pub(crate) selector: &'a LabelSelector,
    pub(crate) pod_labels: Option<&'a BTreeMap<String, String>>,
    pub(crate) pod: Option<&'a PodSpec>,
    /// Names of the StatefulSet's volume claim templates: volumes its pods may mount.
    pub(crate) claimed_volumes: Vec<&'a str>,
    pub(crate) replicas: Option<i32>,
}

impl Workload<'_> {
    pub(crate) fn describe(&self) -> String {
        format!("{} {}/{}", self.kind, self.namespace, self.name)
    }

    pub(crate) fn selected_by(&self, namespace: &str, selector: &BTreeMap<String, String>) -> bool {
        self.namespace == namespace
            && !selector.is_empty()
            && selector
                .iter()
                .all(|(k, v)| self.pod_labels.and_then(|labels| labels.get(k)) == Some(v))
    }

    /// Whether the workload's own selector matches its pod template.
    pub(crate) fn selects_own_pods(&self) -> bool {
        let selector = self.selector.match_labels.as_ref();
        selector.is_some_and(|selector| self.selected_by(self.namespace, selector))
    }

    pub(crate) fn container_port_names(&self) -> impl Iterator<Item = &str> {
        self.pod
            .into_iter()
            .flat_map(|pod| &pod.containers)
            .flat_map(|c| c.ports.iter().flatten())
            .filter_map(|p| p.name.as_deref())
    }
}

/// The workloads of an environment, indexed by (namespace, pod label key, value) so that a
/// selector is matched against the few workloads carrying its first label rather than against
/// all of them (the checks stay linear in the number of services).
pub(crate) struct Workloads<'a> {
    pub(crate) all: Vec<Workload<'a>>,
    by_label: HashMap<(&'a str, &'a str, &'a str), Vec<usize>>,
}

impl<'a> Workloads<'a> {
    fn new(all: Vec<Workload<'a>>) -> Workloads<'a> {
        let mut by_label: HashMap<(&str, &str, &str), Vec<usize>> = HashMap::new();
        for (index, workload) in all.iter().enumerate() {
            for (key, value) in workload.pod_labels.into_iter().flatten() {
                by_label
                    .entry((workload.namespace, key.as_str(), value.as_str()))
                    .or_default()
                    .push(index);
            }
        }
        Workloads { all, by_label }
    }

    /// The workloads in `namespace` whose pods `selector` matches.
    pub(crate) fn selected(&self, namespace: &str, selector: &BTreeMap<String, String>) -> Vec<&Workload<'a>> {
        let Some((key, value)) = selector.iter().next() else {
            return Vec::new();
        };
        let candidates = self.by_label.get(&(namespace, key.as_str(), value.as_str()));
        (candidates.into_iter().flatten())
            .map(|&index| &self.all[index])
            .filter(|w| w.selected_by(namespace, selector))
            .collect()
    }

    /// Whether a workload in `namespace` whose selector does not match its own pods would be
    /// selected by `selector` once fixed: a selector matching nothing is then a consequence
    /// of that workload's error, reported with it rather than again.
    pub(crate) fn broken_would_match(&self, namespace: &str, selector: &BTreeMap<String, String>) -> bool {
        (self.all.iter())
            .filter(|w| w.namespace == namespace && !w.selects_own_pods())
            .filter_map(|w| w.selector.match_labels.as_ref())
            .any(|own| !selector.is_empty() && selector.iter().all(|(k, v)| own.get(k) == Some(v)))
    }
}

/// A pod template, as the pod rules read it.
pub(crate) struct Pod<'a> {
    pub(crate) origin: Origin<'a>,
    pub(crate) kind: &'static str,
    pub(crate) namespace: &'a str,
    pub(crate) name: &'a str,
    /// Borrowed from a k8s-openapi object, or read from the JSON of another Rust type.
    pub(crate) spec: Cow<'a, PodSpec>,
    /// Whether its containers run until stopped (not a job's).
    pub(crate) long_running: bool,
}

impl Pod<'_> {
    pub(crate) fn describe(&self) -> String {
        format!("{} {}/{}", self.kind, self.namespace, self.name)
    }
}

/// The pod template of a workload, job, cron job or bare pod, whatever Rust type wrote it.
fn pod(entry: Entry<'_>) -> Option<Pod<'_>> {
    let object = entry.declared.object.as_ref();
    let any = object.as_any();
    let (pointer, long_running) = match (object.group(), object.kind()) {
        ("apps", "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet") => ("/spec/template/spec", true),
        ("batch", "Job") => ("/spec/template/spec", false),
        ("batch", "CronJob") => ("/spec/jobTemplate/spec/template/spec", false),
        ("", "Pod") => ("/spec", true),
        _ => return None,
    };
    let typed: Option<&PodSpec> = if let Some(d) = any.downcast_ref::<Deployment>() {
        d.spec.as_ref().and_then(|s| s.template.spec.as_ref())
    } else if let Some(s) = any.downcast_ref::<StatefulSet>() {
        s.spec.as_ref().and_then(|s| s.template.spec.as_ref())
    } else if let Some(d) = any.downcast_ref::<DaemonSet>() {
        d.spec.as_ref().and_then(|s| s.template.spec.as_ref())
    } else if let Some(r) = any.downcast_ref::<ReplicaSet>() {
        r.spec.as_ref().and_then(|s| s.template.as_ref()?.spec.as_ref())
    } else if let Some(j) = any.downcast_ref::<Job>() {
        j.spec.as_ref().and_then(|s| s.template.spec.as_ref())
    } else if let Some(c) = any.downcast_ref::<CronJob>() {
        c.spec
            .as_ref()
            .and_then(|s| s.job_template.spec.as_ref()?.template.spec.as_ref())
    } else if let Some(p) = any.downcast_ref::<K8sPod>() {
        p.spec.as_ref()
    } else {
        None
    };
    let spec = match typed {
        Some(spec) => Cow::Borrowed(spec),
        None => {
            // Another Rust type for a pod-bearing kind: read its template as Kubernetes would.
            let json = object.to_json();
            let template = json.pointer(pointer)?.clone();
            Cow::Owned(serde_json::from_value::<PodSpec>(template).ok()?)
        }
    };
    let metadata = object.metadata();
    Some(Pod {
        origin: entry.origin,
        kind: object.kind(),
        namespace: metadata.namespace.as_deref().unwrap_or_default(),
        name: metadata.name.as_deref().unwrap_or_default(),
        spec,
        long_running,
    })
}

fn workload(entry: Entry<'_>) -> Option<Workload<'_>> {
    let declared = entry.declared;
    let any = declared.object.as_any();
    let metadata = declared.object.metadata();
    let (kind, selector, template, replicas, claimed_volumes) = if let Some(d) = any.downcast_ref::<Deployment>() {
        let spec = d.spec.as_ref()?;
        ("Deployment", &spec.selector, &spec.template, spec.replicas, Vec::new())
    } else if let Some(s) = any.downcast_ref::<StatefulSet>() {
        let spec = s.spec.as_ref()?;
        let claims = spec.volume_claim_templates.iter().flatten();
        let claimed = claims.filter_map(|c| c.metadata.name.as_deref()).collect();
        ("StatefulSet", &spec.selector, &spec.template, spec.replicas, claimed)
    } else {
        return None;
    };
    Some(Workload {
        origin: entry.origin,
        kind,
        namespace: metadata.namespace.as_deref().unwrap_or_default(),
        name: metadata.name.as_deref().unwrap_or_default(),
        selector,
        pod_labels: template.metadata.as_ref().and_then(|m| m.labels.as_ref()),
        pod: template.spec.as_ref(),
        claimed_volumes,
        replicas,
    })
}
