//! Any Kubernetes object the model can hold, typed.

use std::any::{Any, TypeId};
use std::fmt;

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::PodTemplateSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::{Metadata, NamespaceResourceScope, Resource};
use serde::Serialize;

/// A Kubernetes object held by an [`App`](crate::App): any k8s-openapi resource type, and any
/// custom resource type that implements k8s-openapi's `Resource` and `Metadata` traits.
///
/// The object stays typed until it is rendered, so checks can look inside it
/// ([`Object::as_any`] and `downcast_ref`).
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
    /// Appends the object as YAML to `out`.
    fn render_into(&self, out: &mut String) -> Result<(), serde_saphyr::ser::Error>;
    /// The object as YAML, as serde-saphyr alone writes it: the reference `render_into` is
    /// tested against (feature `test-hooks`).
    #[cfg(feature = "test-hooks")]
    fn to_yaml_with_serde_saphyr(&self) -> Result<String, serde_saphyr::ser::Error>;
    /// The object as YAML from kumiki's emitter alone; `None` if `render_into` hands this
    /// object to serde-saphyr as a whole (feature `test-hooks`).
    #[cfg(feature = "test-hooks")]
    fn to_yaml_fast_path_only(&self) -> Option<String>;
    /// The object as `Any`, to downcast to its concrete type.
    fn as_any(&self) -> &dyn Any;
    /// The object as JSON, for checks that go by kind rather than by Rust type (a Secret
    /// written through a custom type is still a Secret).
    fn to_json(&self) -> serde_json::Value;
    /// The Rust type's name: k8s-openapi's own types are written by a serializer that cannot
    /// repeat a key; any other may (a typed field and a flattened map naming it too).
    fn type_name(&self) -> &'static str;
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

    fn render_into(&self, out: &mut String) -> Result<(), serde_saphyr::ser::Error> {
        crate::render::render_yaml_into(self, out)
    }

    #[cfg(feature = "test-hooks")]
    fn to_yaml_with_serde_saphyr(&self) -> Result<String, serde_saphyr::ser::Error> {
        crate::render::render_yaml_with_serde_saphyr(self)
    }

    #[cfg(feature = "test-hooks")]
    fn to_yaml_fast_path_only(&self) -> Option<String> {
        crate::render::render_yaml_fast_path_only(self)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    fn type_name(&self) -> &'static str {
        std::any::type_name::<T>()
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

/// What makes an object unique in an environment: the API server would see two objects with
/// the same identity as one.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Identity {
    /// The API group, empty for the core group.
    pub group: &'static str,
    /// The kind.
    pub kind: &'static str,
    /// The namespace; `None` for cluster-scoped objects.
    pub namespace: Option<String>,
    /// The name.
    pub name: String,
}

impl Identity {
    /// The identity of `object`.
    pub fn of(object: &dyn Object) -> Identity {
        let metadata = object.metadata();
        Identity {
            group: object.group(),
            kind: object.kind(),
            namespace: metadata.namespace.clone(),
            name: metadata.name.clone().unwrap_or_default(),
        }
    }
}

impl fmt::Display for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind)?;
        if !self.group.is_empty() {
            write!(f, ".{}", self.group)?;
        }
        match &self.namespace {
            Some(namespace) => write!(f, " {namespace}/{}", self.name),
            None => write!(f, " {}", self.name),
        }
    }
}
