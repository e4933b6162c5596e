//! Any Kubernetes object the model can hold, typed.

use std::any::{Any, TypeId};

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::PodTemplateSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::{Metadata, NamespaceResourceScope, Resource};
use serde::Serialize;

/// A Kubernetes object held by an [`App`](crate::App): any k8s-openapi resource type, and any
/// custom resource type that implements k8s-openapi's `Resource` and `Metadata` traits.
///
/// The object stays typed while the model is built (constructs and patches change it); synth
/// serializes it once, and from then on it is what its JSON says: the rules read only that,
/// never the Rust type ([`Object::as_any`] is for tools that build or inspect a model).
pub trait Object: Any + Send + Sync {
    /// `apiVersion`, e.g. `apps/v1`.
    fn api_version(&self) -> &'static str;
    /// The API group, empty for the core group.
    fn group(&self) -> &'static str;
    /// `kind`, e.g. `Deployment`.
    fn kind(&self) -> &'static str;
    /// Whether objects of this kind live in a namespace.
    fn is_namespaced(&self) -> bool;
    /// The object's metadata.
    fn metadata(&self) -> &ObjectMeta;
    /// The object's metadata, mutable.
    fn metadata_mut(&mut self) -> &mut ObjectMeta;
    /// The object's JSON: the one serialization synth makes of it (a key written twice
    /// refused, `null` fields left out). The rules read it and the YAML file is rendered from
    /// it.
    #[doc(hidden)]
    fn to_json(&self) -> Result<crate::Document, crate::JsonError>;
    /// The object as `Any`, to downcast to its concrete type.
    fn as_any(&self) -> &dyn Any;
}

impl<T> Object for T
where
    T: Resource + Metadata<Ty = ObjectMeta> + Serialize + Send + Sync + 'static,
{
    fn api_version(&self) -> &'static str {
        T::API_VERSION
    }

    fn group(&self) -> &'static str {
        T::GROUP
    }

    fn kind(&self) -> &'static str {
        T::KIND
    }

    fn is_namespaced(&self) -> bool {
        TypeId::of::<T::Scope>() == TypeId::of::<NamespaceResourceScope>()
    }

    fn metadata(&self) -> &ObjectMeta {
        Metadata::metadata(self)
    }

    fn metadata_mut(&mut self) -> &mut ObjectMeta {
        Metadata::metadata_mut(self)
    }

    fn to_json(&self) -> Result<crate::Document, crate::JsonError> {
        crate::json::to_document(self)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The pod template of a workload object (Deployment or StatefulSet), for tools reading the
/// model (`cargo xtask catalog`).
pub fn pod_template(object: &dyn Object) -> Option<&PodTemplateSpec> {
    let any = object.as_any();
    if let Some(deployment) = any.downcast_ref::<Deployment>() {
        return deployment.spec.as_ref().map(|spec| &spec.template);
    }
    any.downcast_ref::<StatefulSet>()?
        .spec
        .as_ref()
        .map(|spec| &spec.template)
}
