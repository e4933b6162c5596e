//! Apps: the unit of ownership, of output directories and (later) of Argo CD Applications.

use std::any::Any;

use kumiki_core::{Name, SourceLocation};

use crate::facts::Owner;
use crate::object::Object;
use crate::rules::Rule;

/// A named set of objects that is synthesized into `release/<env>/<app>/` and synced as one
/// unit. Every object remembers where it was added, so errors point at the user's code.
///
/// ```
/// use k8s_openapi::api::core::v1::Namespace;
/// use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
/// use kumiki_core::name;
/// use kumiki_synth::App;
///
/// let mut app = App::new(name!("shared"));
/// app.add(Namespace {
///     metadata: ObjectMeta { name: Some("services".into()), ..Default::default() },
///     ..Default::default()
/// });
/// assert_eq!(app.objects().len(), 1);
/// ```
pub struct App {
    name: Name,
    declared_at: SourceLocation,
    owner: Owner,
    objects: Vec<Declared>,
    problems: Vec<Reported>,
    published: Vec<Box<dyn Any + Send + Sync>>,
}

/// A problem a construct found while lowering, at the user's line, with its rule.
#[derive(Clone, Debug)]
pub struct Reported {
    /// The line of the call that caused it.
    pub location: SourceLocation,
    /// The rule it breaks.
    pub rule: &'static Rule,
    /// What is wrong.
    pub message: String,
}

/// An object with the source location of its declaration.
pub struct Declared {
    /// The object.
    pub object: Box<dyn Object>,
    /// Where it was added to its app.
    pub location: SourceLocation,
}

impl App {
    /// An empty app.
    #[track_caller]
    pub fn new(name: Name) -> App {
        App::new_at(name, SourceLocation::caller())
    }

    /// An empty app whose errors point at `declared_at`: a construct creates its app with
    /// the location of the user's call, not of SDK code.
    pub fn new_at(name: Name, declared_at: SourceLocation) -> App {
        App {
            name,
            declared_at,
            owner: Owner::Platform,
            objects: Vec::new(),
            problems: Vec::new(),
            published: Vec::new(),
        }
    }

    /// Adds an object; the caller's source location is recorded for error messages.
    #[track_caller]
    pub fn add(&mut self, object: impl Object) -> &mut App {
        self.objects.push(Declared {
            object: Box::new(object),
            location: SourceLocation::caller(),
        });
        self
    }

    /// Adds an object declared at `location`: constructs use it so that their objects point
    /// at the construct's declaration rather than at SDK code.
    pub fn add_at(&mut self, object: impl Object, location: SourceLocation) -> &mut App {
        self.objects.push(Declared {
            object: Box::new(object),
            location,
        });
        self
    }

    /// Records a problem a construct found while lowering, under `rule`;
    /// [`synthesize`](crate::synthesize) reports it with every other error.
    pub fn report(&mut self, location: SourceLocation, rule: &'static Rule, message: String) {
        self.problems.push(Reported {
            location,
            rule,
            message,
        });
    }

    /// Publishes a typed request other parts of the model derive objects from (a Microservice
    /// publishes its ingress listeners; the platform's code decides whether to open them on
    /// the gateway). Synth's rules never read these: what the platform states to synth is its
    /// [`PlatformFacts`](crate::PlatformFacts), handed over beside the apps.
    pub fn publish<T: Any + Send + Sync>(&mut self, declaration: T) {
        self.published.push(Box::new(declaration));
    }

    /// The declarations of type `T` this app published, in order.
    pub fn published<T: Any>(&self) -> impl Iterator<Item = &T> {
        self.published
            .iter()
            .filter_map(|declaration| declaration.downcast_ref::<T>())
    }

    /// Problems recorded with [`App::report`].
    pub fn problems(&self) -> &[Reported] {
        &self.problems
    }

    /// Whose code built the app. The command line marks every app a service crate returns
    /// with that crate, after the crate's code ran.
    pub fn owner(&self) -> Owner {
        self.owner
    }

    /// Marks whose code built the app (the command line, for service crates' apps).
    pub fn set_owner(&mut self, owner: Owner) {
        self.owner = owner;
    }

    /// The app's name, which is also its directory under `release/<env>/`.
    pub fn name(&self) -> &Name {
        &self.name
    }

    /// Where the app was created.
    pub fn declared_at(&self) -> SourceLocation {
        self.declared_at
    }

    /// Moves the objects, problems and published declarations of `other` into this app: a
    /// construct built from other constructs lands in its owner's directory.
    pub fn absorb(&mut self, other: App) -> &mut App {
        self.objects.extend(other.objects);
        self.problems.extend(other.problems);
        self.published.extend(other.published);
        self
    }

    /// Keeps only the objects for which `keep` returns true.
    pub fn retain(&mut self, keep: impl FnMut(&Declared) -> bool) {
        self.objects.retain(keep);
    }

    /// The objects, in the order they were added.
    pub fn objects(&self) -> &[Declared] {
        &self.objects
    }

    /// Its objects, moved out (synth frees each once it is serialized).
    pub(crate) fn take_objects(&mut self) -> Vec<Declared> {
        std::mem::take(&mut self.objects)
    }
}
