//! The index of one environment's rendered release: every object as its JSON says it is
//! (identity from `apiVersion`, `kind`, `metadata.namespace` and `metadata.name` as written),
//! with its origin (the app, whose code built it, and the line that added it). Every rule
//! reads this and nothing else; what several rules read (pod templates, Services, the mesh's
//! custom resources) is decoded once here, and a field of the wrong shape is reported once,
//! under `object.shape`.

use std::collections::{BTreeMap, HashMap};

use crate::tree::Json;
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, PodSpec, PodTemplateSpec, Service};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use kumiki_core::{EnvId, SourceLocation};
use serde::de::DeserializeOwned;

use super::kinds;
use super::selectors::key_of as label_key;
use super::views::{self, AuthorizationPolicySpec};
use crate::call::DeclaredCall;
use crate::facts::{Owner, PlatformFacts};
use crate::parallel;

/// Who is answerable for an object (or an app): the app that added it, whose code built that
/// app, and the line that declared it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Origin<'a> {
    /// The app.
    pub app: &'a str,
    /// Whose code built the app: the platform's or a service crate's.
    pub owner: Owner,
    /// The line that added the object (or created the app).
    pub location: SourceLocation,
}

/// One object of the release, as its JSON says it is.
#[derive(Clone, Debug)]
pub struct Rendered<'a> {
    pub(crate) json: Json<'a>,
    pub(crate) api_version: &'a str,
    pub(crate) group: &'a str,
    pub(crate) kind: &'a str,
    pub(crate) namespace: Option<&'a str>,
    pub(crate) name: &'a str,
    pub(crate) origin: Origin<'a>,
}

impl<'a> Rendered<'a> {
    /// `apiVersion` as written.
    pub fn api_version(&self) -> &'a str {
        self.api_version
    }

    /// The API group (`""` for the core group), from `apiVersion`.
    pub fn group(&self) -> &'a str {
        self.group
    }

    /// `kind` as written.
    pub fn kind(&self) -> &'a str {
        self.kind
    }

    /// `metadata.namespace`; `None` for cluster-scoped objects.
    pub fn namespace(&self) -> Option<&'a str> {
        self.namespace
    }

    /// `metadata.namespace`, or `""` for cluster-scoped objects.
    pub fn namespace_or_empty(&self) -> &'a str {
        self.namespace.unwrap_or_default()
    }

    /// `metadata.name`.
    pub fn name(&self) -> &'a str {
        self.name
    }

    /// The whole object, as it is written.
    pub fn json(&self) -> Json<'a> {
        self.json
    }

    /// The app, owner and line the object comes from.
    pub fn origin(&self) -> Origin<'a> {
        self.origin
    }

    /// Whether it is of `kind` in `group`.
    pub fn is(&self, group: &str, kind: &str) -> bool {
        self.group == group && self.kind == kind
    }

    /// The value of the label `key` in `metadata.labels`.
    pub fn label(&self, key: &str) -> Option<&'a str> {
        self.json.at(&["metadata", "labels", key])?.as_str()
    }

    /// `metadata.labels`.
    pub fn labels(&self) -> BTreeMap<&'a str, &'a str> {
        let labels = self
            .json
            .at(&["metadata", "labels"])
            .and_then(|labels| labels.as_object());
        (labels.into_iter().flatten())
            .filter_map(|(key, value)| Some((key, value.as_str()?)))
            .collect()
    }

    /// `Kind namespace/name` (`Kind name` when cluster-scoped), as messages name it.
    pub fn describe(&self) -> String {
        match self.namespace {
            Some(namespace) => format!("{} {namespace}/{}", self.kind, self.name),
            None => format!("{} {}", self.kind, self.name),
        }
    }

    /// The whole object decoded as `T` (a k8s-openapi type of its kind, say).
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, String> {
        self.json
            .decode()
            .map_err(|error| self.shape_error(&[], &error.to_string()))
    }

    /// The value at `path` (`["spec", "template"]`) decoded as `T`; `Ok(None)` when absent.
    pub fn decode_at<T: DeserializeOwned>(&self, path: &[&str]) -> Result<Option<T>, String> {
        match self.json.at(path) {
            None => Ok(None),
            Some(value) if value.is_null() => Ok(None),
            Some(value) => (value.decode().map(Some)).map_err(|error| self.shape_error(path, &error.to_string())),
        }
    }

    /// The `spec` as the view `T` (the default view when it has none).
    pub(crate) fn spec_view<T: DeserializeOwned + Default>(&self) -> Result<T, String> {
        Ok(self.decode_at::<T>(&["spec"])?.unwrap_or_default())
    }

    fn shape_error(&self, path: &[&str], error: &str) -> String {
        let field = if path.is_empty() {
            "it".to_owned()
        } else {
            format!("`{}`", path.join("."))
        };
        format!(
            "{}: {field} does not have the shape of the {} {} schema ({error})",
            self.describe(),
            self.api_version,
            self.kind
        )
    }
}

/// A value decoded from an object of the release.
pub(crate) struct Of<'a, T> {
    pub(crate) object: &'a Rendered<'a>,
    pub(crate) value: T,
}

/// The pod template of an object that runs pods (a workload, a Job, a CronJob, a Pod).
pub struct PodTemplate<'a> {
    /// The object that holds it.
    pub object: &'a Rendered<'a>,
    /// The labels of its pods.
    pub labels: BTreeMap<String, String>,
    /// Its pods' spec (empty when the template has none).
    pub spec: PodSpec,
    /// The object's selector of its own pods, when its kind has one.
    pub selector: Option<LabelSelector>,
    /// Its replica count, when its kind has one and it is set.
    pub replicas: Option<i32>,
    /// Volume claim template names its pods may mount (a StatefulSet's).
    pub claimed_volumes: Vec<String>,
    /// Whether its containers run until stopped (not a Job's or a CronJob's).
    pub long_running: bool,
}

impl PodTemplate<'_> {
    /// `Kind namespace/name` of the object holding it.
    pub fn describe(&self) -> String {
        self.object.describe()
    }

    /// Its namespace.
    pub fn namespace(&self) -> &str {
        self.object.namespace_or_empty()
    }

    /// Whether pods in `namespace` with these labels are matched by `selector` (labels only;
    /// an empty selector matches nothing).
    pub fn matched_by(&self, namespace: &str, selector: &BTreeMap<String, String>) -> bool {
        self.namespace() == namespace
            && !selector.is_empty()
            && (selector.iter()).all(|(key, value)| self.labels.get(key) == Some(value))
    }

    /// Whether its own selector matches its template (true when it has none).
    pub fn selects_own_pods(&self) -> bool {
        self.selector.as_ref().is_none_or(|selector| {
            let labels = selector.match_labels.clone().unwrap_or_default();
            selector.match_expressions.as_ref().is_some_and(|e| !e.is_empty())
                || self.matched_by(self.namespace(), &labels)
        })
    }

    /// Names of the container ports of its pods.
    pub fn container_port_names(&self) -> impl Iterator<Item = &str> {
        let containers = self
            .spec
            .containers
            .iter()
            .chain(self.spec.init_containers.iter().flatten());
        (containers.flat_map(|c| c.ports.iter().flatten())).filter_map(|p| p.name.as_deref())
    }
}

/// One environment's release, indexed for the rules.
pub struct Index<'a> {
    env: EnvId,
    facts: &'a PlatformFacts,
    objects: &'a [Rendered<'a>],
    /// Positions of the objects of each kind, by group, then kind.
    by_kind: HashMap<&'a str, HashMap<&'a str, Vec<usize>>>,
    apps: Vec<Origin<'a>>,
    apps_by_name: HashMap<&'a str, usize>,
    pub(crate) pods: Vec<PodTemplate<'a>>,
    /// Pod templates by (namespace, label key, value): a selector is matched against the few
    /// templates carrying its first label, so the rules stay linear in the number of services.
    pods_by_label: HashMap<String, Vec<usize>>,
    /// Pod templates by label key and value, in any namespace (what a Gateway's selector
    /// matches: its proxy may run anywhere).
    pods_by_any_label: HashMap<String, Vec<usize>>,
    pub(crate) services: Vec<Of<'a, Service>>,
    services_by_name: HashMap<(&'a str, &'a str), usize>,
    pub(crate) authorization_policies: Vec<Of<'a, AuthorizationPolicySpec>>,
    /// What could not be decoded, reported under `object.shape`.
    pub(crate) malformed: Vec<(Origin<'a>, String)>,
    /// The calls the apps declare, each at the line that declared it.
    pub(crate) calls: Vec<(Origin<'a>, &'a DeclaredCall)>,
    /// The namespaces the apps declare every workload of may call a Service.
    pub(crate) declared_namespaces: Vec<(Origin<'a>, &'a crate::call::DeclaredNamespace)>,
}

impl<'a> Index<'a> {
    pub(crate) fn new(
        env: EnvId,
        facts: &'a PlatformFacts,
        apps: Vec<Origin<'a>>,
        objects: &'a [Rendered<'a>],
    ) -> Index<'a> {
        let mut by_kind: HashMap<&str, HashMap<&str, Vec<usize>>> = HashMap::new();
        for (position, object) in objects.iter().enumerate() {
            (by_kind.entry(object.group).or_default().entry(object.kind).or_default()).push(position);
        }
        let mut index = Index {
            env,
            facts,
            objects,
            by_kind,
            apps_by_name: (apps.iter().enumerate())
                .map(|(position, app)| (app.app, position))
                .collect(),
            apps,
            pods: Vec::new(),
            pods_by_label: HashMap::new(),
            pods_by_any_label: HashMap::new(),
            services: Vec::new(),
            services_by_name: HashMap::new(),
            authorization_policies: Vec::new(),
            malformed: Vec::new(),
            calls: Vec::new(),
            declared_namespaces: Vec::new(),
        };
        index.read_pods();
        index.services = index.decode_all("", "Service", |object| object.decode::<Service>().map(Some));
        index.services_by_name = (index.services.iter().enumerate())
            .map(|(position, service)| ((service.object.namespace_or_empty(), service.object.name), position))
            .collect();
        index.authorization_policies = index.decode_all(views::ISTIO_SECURITY, "AuthorizationPolicy", |object| {
            object.spec_view().map(Some)
        });
        index
    }

    /// The environment.
    pub fn env(&self) -> EnvId {
        self.env
    }

    /// What the platform declared.
    pub fn facts(&self) -> &'a PlatformFacts {
        self.facts
    }

    /// Every object of the release that passed its own checks, in app order.
    pub fn objects(&self) -> &'a [Rendered<'a>] {
        self.objects
    }

    /// The objects of `kind` in `group`.
    pub fn of_kind<'s>(&'s self, group: &str, kind: &str) -> impl Iterator<Item = &'a Rendered<'a>> + use<'s, 'a> {
        let objects = self.objects;
        let positions = (self.by_kind.get(group).and_then(|kinds| kinds.get(kind))).map_or(&[][..], Vec::as_slice);
        positions.iter().map(move |&position| &objects[position])
    }

    /// Every app of the model, with the line that created it.
    pub fn apps(&self) -> &[Origin<'a>] {
        &self.apps
    }

    /// The app named `name`, with the line that created it.
    pub fn app(&self, name: &str) -> Option<&Origin<'a>> {
        self.apps_by_name.get(name).map(|&position| &self.apps[position])
    }

    /// Every pod template of the release: of workloads, Jobs, CronJobs and bare Pods.
    pub fn pods(&self) -> &[PodTemplate<'a>] {
        &self.pods
    }

    /// The pod templates in `namespace` whose labels `selector` matches.
    pub fn pods_matched_by(&self, namespace: &str, selector: &BTreeMap<String, String>) -> Vec<&PodTemplate<'a>> {
        let Some((key, value)) = selector.iter().next() else {
            return Vec::new();
        };
        let candidates = self.pods_by_label.get(&label_key(namespace, key, value));
        (candidates.into_iter().flatten())
            .map(|&position| &self.pods[position])
            .filter(|pod| pod.matched_by(namespace, selector))
            .collect()
    }

    /// The pod templates of any namespace whose labels `selector` matches.
    pub fn pods_with_labels(&self, selector: &BTreeMap<String, String>) -> Vec<&PodTemplate<'a>> {
        let Some((key, value)) = selector.iter().next() else {
            return Vec::new();
        };
        let candidates = self.pods_by_any_label.get(&label_key("", key, value));
        (candidates.into_iter().flatten())
            .map(|&position| &self.pods[position])
            .filter(|pod| selector.iter().all(|(key, value)| pod.labels.get(key) == Some(value)))
            .collect()
    }

    /// The Service `namespace/name`, decoded.
    pub(crate) fn service(&self, namespace: &str, name: &str) -> Option<&Of<'a, Service>> {
        let position = self.services_by_name.get(&(namespace, name))?;
        Some(&self.services[*position])
    }

    /// Decodes every object of `kind` with `read` (`Ok(None)`: nothing to keep) on every
    /// core, recording what does not decode.
    pub(crate) fn decode_all<T: Send>(
        &mut self,
        group: &str,
        kind: &str,
        read: impl Fn(&'a Rendered<'a>) -> Result<Option<T>, String> + Sync,
    ) -> Vec<Of<'a, T>> {
        let objects: Vec<&'a Rendered<'a>> = self.of_kind(group, kind).collect();
        let read = parallel::map(&objects, |object| read(object));
        let mut decoded = Vec::new();
        for (object, read) in objects.into_iter().zip(read) {
            match read {
                Ok(Some(value)) => decoded.push(Of { object, value }),
                Ok(None) => {}
                Err(error) => self.malformed.push((object.origin, error)),
            }
        }
        decoded
    }

    /// Frees what the index decoded on every core (a large release holds many small values).
    pub(crate) fn dispose(self) {
        parallel::dispose(self.pods);
        parallel::dispose(self.services);
    }

    fn read_pods(&mut self) {
        let with_pods: Vec<(&'a Rendered<'a>, &'static kinds::PodLayout)> = (self.objects.iter())
            .filter_map(|object| Some((object, kinds::pod_layout(object.group, object.kind)?)))
            .collect();
        let read = parallel::map(&with_pods, |(object, layout)| pod_template(object, layout));
        for ((object, _), pod) in with_pods.iter().zip(read) {
            match pod {
                Ok(pod) => self.pods.push(pod),
                Err(error) => self.malformed.push((object.origin, error)),
            }
        }
        for (position, pod) in self.pods.iter().enumerate() {
            let namespace = pod.object.namespace_or_empty();
            for (key, value) in &pod.labels {
                (self.pods_by_label.entry(label_key(namespace, key, value)))
                    .or_default()
                    .push(position);
                (self.pods_by_any_label.entry(label_key("", key, value)))
                    .or_default()
                    .push(position);
            }
        }
    }
}

/// The pod template of `object`, read where its kind keeps it.
fn pod_template<'a>(object: &'a Rendered<'a>, layout: &kinds::PodLayout) -> Result<PodTemplate<'a>, String> {
    let template: PodTemplateSpec = object.decode_at(layout.template)?.unwrap_or_default();
    let selector = match layout.selector {
        Some(pointer) => object.decode_at::<LabelSelector>(pointer)?,
        None => None,
    };
    let replicas = match layout.replicas {
        Some(pointer) => object.decode_at::<i32>(pointer)?,
        None => None,
    };
    let claimed_volumes = match layout.claim_templates {
        Some(pointer) => (object
            .decode_at::<Vec<PersistentVolumeClaim>>(pointer)?
            .into_iter()
            .flatten())
        .filter_map(|claim| claim.metadata.name)
        .collect(),
        None => Vec::new(),
    };
    let labels = template
        .metadata
        .and_then(|metadata| metadata.labels)
        .unwrap_or_default();
    Ok(PodTemplate {
        object,
        labels,
        spec: template.spec.unwrap_or_default(),
        selector,
        replicas,
        claimed_volumes,
        long_running: layout.long_running,
    })
}
