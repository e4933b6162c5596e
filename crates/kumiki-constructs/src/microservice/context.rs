//! What every part of the lowering shares: the spec, its names, labels and selectors.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};

use super::spec::MicroserviceSpec;

/// One Microservice being lowered.
pub(crate) struct Lowering<'a> {
    pub(crate) spec: &'a MicroserviceSpec,
}

impl Lowering<'_> {
    pub(crate) fn name(&self) -> String {
        self.spec.name.to_string()
    }

    pub(crate) fn namespace(&self) -> String {
        self.spec.environment.namespace.to_string()
    }

    pub(crate) fn selector_labels(&self) -> BTreeMap<String, String> {
        BTreeMap::from([("app.kubernetes.io/name".to_owned(), self.name())])
    }

    /// One label scheme for every object: selector labels plus the environment's labels.
    pub(crate) fn labels(&self) -> BTreeMap<String, String> {
        let mut labels = self.selector_labels();
        labels.extend(self.spec.environment.labels());
        labels
    }

    pub(crate) fn metadata(&self, name: String) -> ObjectMeta {
        ObjectMeta {
            name: Some(name),
            namespace: Some(self.namespace()),
            labels: Some(self.labels()),
            ..Default::default()
        }
    }

    pub(crate) fn selector(&self) -> LabelSelector {
        LabelSelector {
            match_labels: Some(self.selector_labels()),
            ..Default::default()
        }
    }

    /// Fixed replicas, unless an autoscaler owns the count.
    pub(crate) fn fixed_replicas(&self) -> Option<i32> {
        self.spec.autoscale.is_none().then(|| self.spec.replicas().into())
    }
}
