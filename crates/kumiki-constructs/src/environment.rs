//! What a construct needs to know about the environment it is built for.

use std::collections::BTreeMap;

use kumiki_core::{EnvId, LabelValue, Name, NodeGroup};

use kumiki_synth::MetricsScraper;

use crate::mesh::Mesh;
use crate::policy::Policy;
use typed_builder::TypedBuilder;

/// One environment as the platform defines it: facts (node groups, namespace) and the
/// policy every Microservice gets unless it overrides a setting. The platform crate builds
/// it, so the defaults are visible and reviewable there.
///
/// Built with `builder()` (required fields checked at compile time): the struct is
/// `#[non_exhaustive]`, so a field added later does not break a platform that builds one.
#[derive(Clone, Debug, TypedBuilder)]
#[non_exhaustive]
pub struct Environment {
    /// Which environment.
    pub env: EnvId,
    /// The namespace services run in.
    pub namespace: Name,
    /// The node groups this environment's cluster has.
    pub node_groups: Vec<NodeGroup>,
    /// The value of `app.kubernetes.io/part-of`.
    pub part_of: LabelValue,
    /// Defaults for workloads.
    pub policy: Policy,
    /// The service mesh, if the cluster runs one. Without it a Microservice lowers to plain
    /// Kubernetes objects (Service, NetworkPolicy): no routing, mutual-TLS authorization or
    /// gateway objects, and the mesh-only declarations (ingress listeners, weighted versions,
    /// traffic policy, callers by identity) are synth errors at their line.
    #[builder(default, setter(strip_option))]
    pub mesh: Option<Mesh>,
    /// Who scrapes metrics (the platform's Prometheus), if anyone: every Microservice's
    /// NetworkPolicy admits it on the mesh proxy's statistics port, and on the port a service
    /// declares with `.metrics(..)`, where its AuthorizationPolicy admits its identity too.
    #[builder(default, setter(strip_option))]
    pub scraper: Option<MetricsScraper>,
}

impl Environment {
    /// The labels every object built for this environment carries: part-of, managed-by, env.
    pub fn labels(&self) -> BTreeMap<String, String> {
        BTreeMap::from([
            ("app.kubernetes.io/part-of".to_owned(), self.part_of.to_string()),
            ("app.kubernetes.io/managed-by".to_owned(), "kumiki".to_owned()),
            ("env".to_owned(), self.env.to_string()),
        ])
    }

    /// `object` with [`labels`](Self::labels) added to its own (its own win): for objects no
    /// construct builds (a custom resource of an imported kind, an object brought in with
    /// `import-yaml`), so they carry what every other object does and `diff --live` finds them.
    pub fn labeled<T: kumiki_synth::Object>(&self, mut object: T) -> T {
        let labels = object.metadata_mut().labels.get_or_insert_with(BTreeMap::new);
        for (key, value) in self.labels() {
            labels.entry(key).or_insert(value);
        }
        object
    }
}
