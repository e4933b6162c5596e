//! Helpers shared by kumiki's integration tests: scratch directories and small objects.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use kumiki::k8s_openapi::api::core::v1::ConfigMap;
use kumiki::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kumiki::platform::{PodExemption, PodRule};
use kumiki::prelude::App;

/// A directory under the system temp dir, removed when dropped.
pub struct ScratchDir(PathBuf);

impl ScratchDir {
    /// A new, empty directory whose name contains `label`.
    pub fn new(label: &str) -> ScratchDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("kumiki-test-{}-{label}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir is writable");
        ScratchDir(dir)
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Every file below `dir` with its bytes, relative paths as keys (hidden entries included).
pub fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    kumiki::synth::write::read_tree(dir).expect("directory is readable")
}

/// A ConfigMap in `namespace` (or cluster-wide when `None`, which is wrong for a ConfigMap).
pub fn config_map(namespace: Option<&str>, name: &str, data: &[(&str, &str)]) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            namespace: namespace.map(str::to_owned),
            ..Default::default()
        },
        data: Some(data.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()),
        ..Default::default()
    }
}

/// The object of type `T` named `name` in `app`; panics naming what is missing.
pub fn find<'a, T: 'static>(app: &'a App, name: &str) -> &'a T {
    app.objects()
        .iter()
        .filter(|declared| declared.object.metadata().name.as_deref() == Some(name))
        .find_map(|declared| declared.object.as_any().downcast_ref::<T>())
        .unwrap_or_else(|| panic!("no {} named {name}", std::any::type_name::<T>()))
}

/// The app named `name` among `apps`, to change it.
pub fn app_mut<'a>(apps: &'a mut [App], name: &str) -> &'a mut App {
    apps.iter_mut()
        .find(|app| app.name().as_str() == name)
        .unwrap_or_else(|| panic!("no app {name}"))
}

/// Takes the object of type `T` named `name` out of `app`, to add it back changed.
pub fn take<T: Clone + 'static>(app: &mut App, name: &str) -> T {
    let object = find::<T>(app, name).clone();
    app.retain(|declared| {
        !(declared.object.as_any().is::<T>() && declared.object.metadata().name.as_deref() == Some(name))
    });
    object
}

/// Whether `app` holds any object of type `T`.
pub fn has<T: 'static>(app: &App) -> bool {
    app.objects().iter().any(|declared| declared.object.as_any().is::<T>())
}

/// A platform app exempting `apps` from every pod rule, for fixtures about something else.
pub fn exempt_from_pod_rules(apps: &[App], reason: &'static str) -> App {
    let mut policy = App::new(kumiki::prelude::name!("fixture-policy"));
    for app in apps {
        for rule in PodRule::ALL {
            policy.publish(PodExemption {
                app: app.name().clone(),
                rule,
                reason,
            });
        }
    }
    policy
}
