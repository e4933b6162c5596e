//! Persistent storage of a stateful Microservice.

use kumiki_core::Name;

/// Persistent storage of a stateful Microservice, mounted into the main container; the data
/// outlives the pods.
///
/// - [`VolumeClaim::new`]: each pod claims its own volume (a `volumeClaimTemplates` entry);
///   scaling out gives each replica its own data.
/// - [`VolumeClaim::single`]: one PersistentVolumeClaim object, `<workload>-<name>`, mounted by
///   the one pod (a single-instance database). The claim is an object of the app, visible in
///   review and in `xtask diff`; the workload must keep exactly one replica.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VolumeClaim {
    pub(crate) name: Name,
    pub(crate) mount_path: String,
    pub(crate) size_gib: u32,
    pub(crate) storage_class: Option<Name>,
    pub(crate) per_pod: bool,
}

impl VolumeClaim {
    /// A `ReadWriteOnce` claim of `size_gib` GiB per pod named `name`, mounted at
    /// `mount_path`, from the cluster's default storage class.
    pub fn new(name: Name, mount_path: &str, size_gib: u32) -> Self {
        VolumeClaim {
            name,
            mount_path: mount_path.to_owned(),
            size_gib,
            storage_class: None,
            per_pod: true,
        }
    }

    /// One `ReadWriteOnce` claim of `size_gib` GiB for a single-replica workload, volume
    /// `name` mounted at `mount_path`, from the cluster's default storage class.
    pub fn single(name: Name, mount_path: &str, size_gib: u32) -> Self {
        VolumeClaim {
            per_pod: false,
            ..VolumeClaim::new(name, mount_path, size_gib)
        }
    }

    /// Claims from `storage_class` instead of the cluster's default.
    pub fn with_storage_class(mut self, storage_class: Name) -> Self {
        self.storage_class = Some(storage_class);
        self
    }
}
