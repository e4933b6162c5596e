//! Helpers shared by kumiki's integration tests: models on the reference platform's facts,
//! their errors, scratch directories and small objects.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use kumiki::k8s_openapi::api::core::v1::ConfigMap;
use kumiki::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kumiki::model::Owner;
use kumiki::platform::{Exemption, Grant, PlatformFacts};
use kumiki::prelude::App;
use kumiki::rules::POD_RULES;
use kumiki::synth::Model;
use platform::Env;

/// The reference platform's facts in `env` (its node groups, gateway proxies, scraper,
/// registered hosts and release layout), as they are with no service.
pub fn facts(env: Env) -> PlatformFacts {
    platform::apps(env, &[]).0
}

/// A model of `apps` in `env` on the reference platform's facts and rules, without its apps
/// (so without the Argo CD tree, whose layout is left out): what a service team's fixture runs
/// against.
pub fn on_platform(env: Env, apps: Vec<App>) -> Model {
    let mut facts = facts(env);
    facts.layout = None;
    Model {
        rules: platform::rules::RULES,
        ..Model::new(env, facts, apps)
    }
}

/// A model of `apps` in `env` whose platform declares nothing but `node_groups`.
pub fn bare(env: Env, apps: Vec<App>) -> Model {
    let facts = PlatformFacts::builder()
        .node_groups(platform::environment(env).node_groups)
        .build();
    Model::new(env, facts, apps)
}

/// The errors of synthesizing `model`, as the command line prints them; none when it
/// synthesizes.
pub fn errors(model: Model) -> Vec<String> {
    match kumiki::synth::synthesize(model) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.0.iter().map(ToString::to_string).collect(),
    }
}

/// The errors of the whole reference model of `env` (every service and the platform's apps)
/// after `change` edits it.
pub fn errors_after(env: Env, change: impl FnOnce(&mut Model)) -> Vec<String> {
    let mut model = xtask::model(env);
    change(&mut model);
    errors(model)
}

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

/// A workspace at a scratch directory holding a copy of every versions file and of release/:
/// the services' code is this build's, so nothing compiles.
pub fn scratch_workspace(label: &str) -> (ScratchDir, xtask::Workspace) {
    let scratch = ScratchDir::new(label);
    let root = xtask::workspace_root();
    for service in xtask::SERVICES {
        let file = xtask::Workspace::images_file(service.name);
        if let Ok(text) = std::fs::read_to_string(root.join(&file)) {
            std::fs::create_dir_all(scratch.path().join(&file).parent().unwrap()).unwrap();
            std::fs::write(scratch.path().join(&file), text).unwrap();
        }
    }
    // The environments' files, not the writer's local manifests beside them.
    for (path, bytes) in snapshot(&root.join("release"))
        .into_iter()
        .filter(|(path, _)| !path.starts_with('.'))
    {
        let target = scratch.path().join("release").join(path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, bytes).unwrap();
    }
    let workspace = xtask::Workspace {
        root: scratch.path().to_path_buf(),
        ..xtask::workspace()
    };
    (scratch, workspace)
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

/// The app named `name` of `model`.
pub fn app<'a>(model: &'a Model, name: &str) -> &'a App {
    (model.apps.iter())
        .find(|app| app.name().as_str() == name)
        .unwrap_or_else(|| panic!("no app {name}"))
}

/// The app named `name` of `model`, to change it.
pub fn app_mut<'a>(model: &'a mut Model, name: &str) -> &'a mut App {
    (model.apps.iter_mut())
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

/// Exemptions of `apps` from every pod rule, for fixtures about something else.
pub fn pod_exemptions(apps: &[App], reason: &'static str) -> Vec<Exemption> {
    (apps.iter())
        .flat_map(|app| {
            POD_RULES
                .iter()
                .map(|rule| Exemption::new(app.name().clone(), rule, reason))
        })
        .collect()
}

/// Metadata of an object `name` in the services namespace.
pub fn meta(name: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_owned()),
        namespace: Some("services".to_owned()),
        ..Default::default()
    }
}

/// A model of `services` in `env` with the reference platform's apps, facts and rules around
/// them, as the command line builds it: each app is marked as the service crate of its name's.
pub fn with_platform(env: Env, mut services: Vec<App>) -> Model {
    for app in &mut services {
        let name: &'static str = Box::leak(app.name().to_string().into_boxed_str());
        app.set_owner(Owner::Service(name));
    }
    let (facts, mut apps) = platform::apps(env, &services);
    apps.extend(services);
    Model {
        rules: platform::rules::RULES,
        ..Model::new(env, facts, apps)
    }
}

/// The errors of the reference platform in `env` with every registered service and one more
/// service app, `intruder`, to which `add` adds objects and returns the line to expect.
pub fn with_intruder(env: Env, add: impl FnOnce(&mut App) -> u32) -> (Vec<String>, u32) {
    let mut line = 0;
    let errors = with_granted_intruder(env, Vec::new(), |app| line = add(app));
    (errors, line)
}

/// The errors of the reference platform in `env` with every registered service and the
/// service crate `intruder`, to whose app `add` adds objects, the platform granting `grants`
/// beyond its own.
pub fn with_granted_intruder(env: Env, grants: Vec<Grant>, add: impl FnOnce(&mut App)) -> Vec<String> {
    let mut services: Vec<App> = xtask::workspace().service_apps(env.id());
    let mut intruder = App::new(kumiki::prelude::name!("intruder"));
    add(&mut intruder);
    services.push(intruder);
    let mut model = with_platform(env, services);
    model.facts.authority.grants.extend(grants);
    errors(model)
}

/// Makes `$type` (a struct with a `metadata` field) a Kubernetes kind of a service's own
/// Rust type: its constants claim `$kind` of `$api_version` in group `$group`, namespaced;
/// its bytes are whatever its `Serialize` writes.
#[macro_export]
macro_rules! own_kind {
    ($type:ident, $group:literal, $api_version:literal, $kind:literal, $plural:literal) => {
        impl kumiki::k8s_openapi::Resource for $type {
            const API_VERSION: &'static str = $api_version;
            const GROUP: &'static str = $group;
            const KIND: &'static str = $kind;
            const VERSION: &'static str = "v1";
            const URL_PATH_SEGMENT: &'static str = $plural;
            type Scope = kumiki::k8s_openapi::NamespaceResourceScope;
        }

        impl kumiki::k8s_openapi::Metadata for $type {
            type Ty = kumiki::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

            fn metadata(&self) -> &Self::Ty {
                &self.metadata
            }

            fn metadata_mut(&mut self) -> &mut Self::Ty {
                &mut self.metadata
            }
        }
    };
}

/// Defines `$type`, a kind of a service's own Rust type with `apiVersion`, `kind`, `metadata`
/// and a free-form `spec` (left out when null), claiming what [`own_kind!`] says.
#[macro_export]
macro_rules! plain_kind {
    ($type:ident, $group:literal, $api_version:literal, $kind:literal, $plural:literal) => {
        /// A kind written through a type of the service's own.
        #[derive(serde::Serialize)]
        struct $type {
            #[serde(rename = "apiVersion")]
            api_version: &'static str,
            kind: &'static str,
            metadata: kumiki::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
            #[serde(skip_serializing_if = "serde_json::Value::is_null")]
            spec: serde_json::Value,
        }

        $crate::own_kind!($type, $group, $api_version, $kind, $plural);
    };
}

/// The service of the shared fixtures.
pub struct Shop;

impl kumiki::prelude::ServiceId for Shop {
    const NAME: kumiki::prelude::Name = kumiki::prelude::name!("shop");
}

/// A Shop Microservice with both probes: ready to build, or to break in one way.
pub type ReadyShop =
    kumiki::prelude::Microservice<Shop, kumiki::typestate::HasReadiness, kumiki::typestate::HasLiveness>;

/// A valid shop service in `env` (image `acme/shop:1.0.0`, HTTP on 8080, TCP probes), ready to
/// build, and its HTTP port. Errors of the lowered objects point at the caller's line.
#[track_caller]
pub fn shop_and_port(env: Env) -> (ReadyShop, kumiki::prelude::PortRef<Shop>) {
    use kumiki::prelude::*;
    let image = Image::new(Registry::DockerHub, repository!("acme/shop"), tag!("1.0.0"));
    let mut web = Container::<Shop>::new(name!("web"), image);
    let http = web.port(Protocol::Http, port_name!("web"), port!(8080));
    let service = Microservice::<Shop>::new(&platform::environment(env))
        .container(web)
        .readiness(Probe::tcp(&http))
        .liveness(Probe::tcp(&http));
    (service, http)
}

/// [`shop_and_port`] without the port.
#[track_caller]
pub fn shop(env: Env) -> ReadyShop {
    shop_and_port(env).0
}

/// The README's Rust examples, compiled and run as doctests (with this repository's `platform`
/// in scope, as the README's service crates have it).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeExamples;
