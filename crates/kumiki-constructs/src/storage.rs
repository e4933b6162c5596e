//! Persistent storage of a stateful Microservice.

use kumiki_core::Name;

/// A persistent volume each pod of a stateful Microservice claims for itself (a
/// `volumeClaimTemplates` entry), mounted into the main container. The claim outlives the pod:
/// deleting or scaling down the StatefulSet keeps the data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VolumeClaim {
    pub(crate) name: Name,
    pub(crate) mount_path: String,
    pub(crate) size_gib: u32,
    pub(crate) storage_class: Option<Name>,
}

impl VolumeClaim {
    /// A `ReadWriteOnce` claim of `size_gib` GiB named `name`, mounted at `mount_path`, from the
    /// cluster's default storage class.
    pub fn new(name: Name, mount_path: &str, size_gib: u32) -> Self {
        VolumeClaim {
            name,
            mount_path: mount_path.to_owned(),
            size_gib,
            storage_class: None,
        }
    }

    /// Claims from `storage_class` instead of the cluster's default.
    pub fn with_storage_class(mut self, storage_class: Name) -> Self {
        self.storage_class = Some(storage_class);
        self
    }
}
