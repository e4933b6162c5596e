//! Checking a whole environment and rendering it: every object is serialized once, to JSON;
//! its identity is read from that JSON; the rules read the index of those JSON objects; the
//! YAML files are rendered from the same JSON.

use std::collections::hash_map::{self, HashMap};
use std::collections::{BTreeMap, HashSet};

use crate::tree::{Document, Json};
use kumiki_core::{EnvId, Rule as Syntax, SourceLocation};

use crate::app::{App, Declared};
use crate::call::DeclaredCall;
use crate::error::{SynthError, SynthErrors};
use crate::facts::PlatformFacts;
use crate::json::JsonError;
use crate::object::Object;
use crate::parallel;
use crate::release::{FileSource, Release};
use crate::render::{header, render_yaml_into};
use crate::rules::{self, Index, Origin, PlatformRule, Rendered, Rule, kinds};

/// Directory-name marker for cluster-scoped objects, in place of a namespace; `_` cannot
/// start a namespace name, so it never collides with one.
pub const CLUSTER_SCOPE_MARKER: &str = "_cluster";

/// The largest object Argo CD can apply: client-side apply stores the object in the
/// `kubectl.kubernetes.io/last-applied-configuration` annotation, and all annotations of an
/// object together may hold 256 KiB.
const MAX_OBJECT_BYTES: usize = 262_144;

/// Everything one environment is synthesized from: the apps, the platform's facts and own
/// rules, and how users run the command line that synthesizes it (named in every file's
/// header; `None`: the header names kumiki alone).
pub struct Model {
    /// The environment.
    pub env: EnvId,
    /// What the platform declares.
    pub facts: PlatformFacts,
    /// Every app, the platform's and the services'.
    pub apps: Vec<App>,
    /// The rules the platform adds to the built-in ones.
    pub rules: &'static [PlatformRule],
    /// How users run the command line, e.g. `cargo xtask`.
    pub command: Option<&'static str>,
}

impl Model {
    /// A model of `apps` in `env` with the platform's `facts`, no rules of the platform's own
    /// and no command named in headers.
    pub fn new(env: impl Into<EnvId>, facts: PlatformFacts, apps: Vec<App>) -> Model {
        Model {
            env: env.into(),
            facts,
            apps,
            rules: &[],
            command: None,
        }
    }
}

/// Checks every app of the model together and renders them, or returns every error found.
///
/// The result does not depend on the order of the apps. Each object is read as its JSON says
/// (never as its Rust type): it must name its kind, have a valid name and labels and the
/// scope of its kind; identities (group, kind, namespace, name) and output paths are unique;
/// then every rule of [`rules`](crate::rules) and the platform's own runs on the index of
/// the release. Every error names its rule (`[rule: <id>]`).
pub fn synthesize(model: Model) -> Result<Release, SynthErrors> {
    let Model {
        env,
        facts,
        mut apps,
        rules: platform_rules,
        command,
    } = model;
    apps.sort_by(|a, b| a.name().cmp(b.name()).then(a.declared_at().cmp(&b.declared_at())));
    // Two apps with one name (two services with one name) would repeat every object of one in
    // the other and in the Argo CD tree: the root cause is reported alone.
    let twins = duplicate_app_names(env, &apps);
    if !twins.is_empty() {
        return Err(SynthErrors(twins));
    }
    let declared: Vec<Vec<Declared>> = apps.iter_mut().map(App::take_objects).collect();
    let sources: Vec<(&App, SourceLocation)> = (apps.iter().zip(&declared))
        .flat_map(|(app, declared)| declared.iter().map(move |declared| (app, declared.location)))
        .collect();
    let objects: Vec<Box<dyn Object>> = declared.into_iter().flatten().map(|declared| declared.object).collect();
    // Serializing is independent per object: on every core, each object freed once it is
    // JSON (from then on the JSON is the object).
    let serialized = parallel::map_into(objects, |object| {
        let json = object.to_json();
        let claimed = Claimed::of(&*object, json.as_ref().map_or(true, |document| !names_itself(document)));
        (json, claimed)
    });
    let mut errors = Errors { env, found: Vec::new() };
    for app in &apps {
        for reported in app.problems() {
            errors.push(
                reported.location,
                app.name().as_str(),
                reported.rule,
                reported.message.clone(),
            );
        }
    }
    let objects = identify(&sources, &serialized, &mut errors);
    let outputs = output_paths(&objects, &mut errors);
    let app_origins = apps.iter().map(|app| app_origin(app)).collect();
    let calls = (apps.iter())
        .flat_map(|app| {
            (app.published::<DeclaredCall>()).map(move |call| {
                let origin = Origin {
                    location: call.declared_at,
                    ..app_origin(app)
                };
                (origin, call)
            })
        })
        .collect();
    let mut index = Index::new(env, &facts, app_origins, &objects);
    index.calls = calls;
    index.declared_namespaces = (apps.iter())
        .flat_map(|app| {
            (app.published::<crate::call::DeclaredNamespace>()).map(move |declared| {
                let origin = Origin {
                    location: declared.declared_at,
                    ..app_origin(app)
                };
                (origin, declared)
            })
        })
        .collect();
    let header = header(env, command);
    let (rendered, problems) = parallel::map_while(
        &outputs,
        |output| render(&header, output),
        || {
            let mut problems = platform_rule_ids(&index, platform_rules);
            problems.extend(rules::check(&index, platform_rules));
            problems
        },
    );
    errors.extend(problems);
    let files = collect_files(&outputs, rendered, header.len(), &mut errors);
    let sources = file_sources(&outputs);
    let traffic = rules::reach::edges(&index);
    index.dispose();
    drop(outputs);
    drop(objects);
    parallel::dispose(serialized);
    if errors.found.is_empty() {
        Ok(Release {
            env,
            files,
            traffic,
            sources,
        })
    } else {
        errors.found.sort();
        Err(SynthErrors(errors.found))
    }
}

/// Errors as they are found, each naming the environment and app.
struct Errors {
    env: EnvId,
    found: Vec<SynthError>,
}

impl Errors {
    /// The problems the rules found, each at its origin.
    fn extend(&mut self, problems: Vec<rules::Problem>) {
        for problem in problems {
            let origin = problem.origin;
            self.push(origin.location, origin.app, problem.rule, problem.message);
        }
    }

    fn push(&mut self, location: SourceLocation, app: &str, rule: &'static Rule, message: String) {
        self.found.push(SynthError {
            location,
            path: format!("{}/{app}", self.env),
            message,
            rule: rule.id,
        });
    }
}

fn app_origin(app: &App) -> Origin<'_> {
    Origin {
        app: app.name().as_str(),
        owner: app.owner(),
        location: app.declared_at(),
    }
}

/// FNV-1a: a hash of short keys (identities) much cheaper than the default SipHash, which
/// guards against keys chosen to collide; these come from the platform's own code.
#[derive(Default)]
struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn write(&mut self, bytes: &[u8]) {
        let mut hash = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        for byte in bytes {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = hash;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type BuildFnv = std::hash::BuildHasherDefault<Fnv>;

/// Group, kind, namespace and name: what the API server tells objects apart by.
type IdentityKey<'a> = (&'a str, &'a str, Option<&'a str>, &'a str);

/// An object's one serialization, or why it has none.
type Serialized = Result<Document, JsonError>;

/// Whether `document` writes the identity synth reads (else its message names the object as its
/// Rust type claims).
fn names_itself(document: &Document) -> bool {
    let root = document.root();
    [&["apiVersion"][..], &["kind"], &["metadata", "name"]]
        .iter()
        .all(|path| {
            root.at(path)
                .and_then(|value| value.as_str())
                .is_some_and(|text| !text.is_empty())
        })
}

/// What an object's Rust type says of it, kept once the object is freed: its scope (for a
/// kind neither the release nor kumiki knows) and, for the message of an object that has no
/// JSON to read it from, its kind and name.
struct Claimed {
    kind: &'static str,
    namespaced: bool,
    name: String,
}

impl Claimed {
    fn of(object: &dyn Object, unnamed: bool) -> Claimed {
        Claimed {
            kind: object.kind(),
            namespaced: object.is_namespaced(),
            name: if unnamed {
                object.metadata().name.clone().unwrap_or_default()
            } else {
                String::new()
            },
        }
    }
}

/// One object as its JSON says it is, with what is wrong with it on its own: it names its
/// kind, has a valid name and labels and its kind's scope.
struct Identified<'a> {
    origin: Origin<'a>,
    /// The object, or why it has no identity (no JSON, no kind, no name).
    object: Result<Rendered<'a>, (&'static Rule, String)>,
    problems: Vec<(&'static Rule, String)>,
}

/// Each object as its JSON says it is (on every core), then, in declaration order, those that
/// pass their own checks and whose identity no earlier object has.
fn identify<'a>(
    sources: &[(&'a App, SourceLocation)],
    serialized: &'a [(Serialized, Claimed)],
    errors: &mut Errors,
) -> Vec<Rendered<'a>> {
    let scopes = custom_resource_scopes(serialized);
    let positions: Vec<usize> = (0..sources.len().min(serialized.len())).collect();
    let identified = parallel::map(&positions, |&position| {
        let ((app, location), (json, claimed)) = (sources[position], &serialized[position]);
        identify_one(app, location, json, claimed, &scopes)
    });
    let mut identities: HashMap<IdentityKey, (SourceLocation, &str), BuildFnv> =
        HashMap::with_capacity_and_hasher(identified.len(), BuildFnv::default());
    let mut objects = Vec::with_capacity(identified.len());
    for Identified {
        origin,
        object,
        problems,
    } in identified
    {
        let object = match object {
            Ok(object) => object,
            Err((rule, message)) => {
                errors.push(origin.location, origin.app, rule, message);
                continue;
            }
        };
        let valid = problems.is_empty();
        for (rule, problem) in problems {
            errors.push(
                origin.location,
                origin.app,
                rule,
                format!("{}: {problem}", object.describe()),
            );
        }
        match identities.entry((object.group(), object.kind(), object.namespace(), object.name())) {
            hash_map::Entry::Occupied(first) => {
                let (first, first_app) = first.get();
                let message = format!(
                    "{} is declared twice; also declared at {first} (app {first_app})",
                    object.describe()
                );
                errors.push(origin.location, origin.app, &rules::OBJECT_IDENTITY, message);
            }
            hash_map::Entry::Vacant(entry) => {
                entry.insert((origin.location, origin.app));
                if valid {
                    objects.push(object);
                }
            }
        }
    }
    objects
}

/// One object as its JSON says it is, and its own problems.
fn identify_one<'a>(
    app: &'a App,
    location: SourceLocation,
    json: &'a Serialized,
    claimed: &Claimed,
    scopes: &HashMap<(&str, &str), bool>,
) -> Identified<'a> {
    let origin = Origin {
        app: app.name().as_str(),
        owner: app.owner(),
        location,
    };
    let object = match json {
        Ok(document) => read_identity(document.root(), origin),
        Err(JsonError::Serialize(cause)) => Err((&rules::OBJECT_RENDER, format!("cannot be serialized: {cause}"))),
        Err(JsonError::RepeatedKey(key)) => Err((
            &rules::OBJECT_REPEATED_KEY,
            format!(
                "writes key `{key}` twice in one mapping (a field and a flattened map?); the API server would keep only one of them"
            ),
        )),
    };
    let object = object.map_err(|(rule, message)| {
        // No identity of its own: named as its Rust type claims, for the message only.
        (rule, format!("{} {}: {message}", claimed.kind, claimed.name))
    });
    let problems = match &object {
        Ok(object) => {
            let namespaced = (scopes.get(&(object.group(), object.kind())).copied())
                .or_else(|| kinds::known(object.group(), object.kind()).map(|info| info.namespaced))
                .unwrap_or(claimed.namespaced);
            own_problems(object, namespaced)
        }
        Err(_) => Vec::new(),
    };
    Identified {
        origin,
        object,
        problems,
    }
}

/// The identity of an object as its JSON writes it.
fn read_identity<'a>(json: Json<'a>, origin: Origin<'a>) -> Result<Rendered<'a>, (&'static Rule, String)> {
    let text = |path: &[&str]| {
        json.at(path)
            .and_then(|value| value.as_str())
            .filter(|text| !text.is_empty())
    };
    let (Some(api_version), Some(kind)) = (text(&["apiVersion"]), text(&["kind"])) else {
        return Err((
            &rules::OBJECT_KIND,
            "does not write `apiVersion` and `kind`: an object is what its YAML says, whatever Rust type wrote it"
                .to_owned(),
        ));
    };
    let Some(name) = text(&["metadata", "name"]) else {
        return Err((&rules::OBJECT_NAME, "has no metadata.name".to_owned()));
    };
    Ok(Rendered {
        json,
        api_version,
        group: kinds::group_of(api_version),
        kind,
        namespace: text(&["metadata", "namespace"]),
        name,
        origin,
    })
}

/// The scope each CustomResourceDefinition of the release gives its kind.
fn custom_resource_scopes(serialized: &[(Serialized, Claimed)]) -> HashMap<(&str, &str), bool> {
    (serialized
        .iter()
        .filter_map(|(document, _)| Some(document.as_ref().ok()?.root())))
    .filter(|json| json.get("kind").and_then(|kind| kind.as_str()) == Some("CustomResourceDefinition"))
    .filter_map(|json| {
        let group = json.at(&["spec", "group"])?.as_str()?;
        let kind = json.at(&["spec", "names", "kind"])?.as_str()?;
        let scope = json.at(&["spec", "scope"])?.as_str()?;
        Some(((group, kind), scope == "Namespaced"))
    })
    .collect()
}

/// What is wrong with one object on its own: its name, namespace and labels.
fn own_problems(object: &Rendered, namespaced: bool) -> Vec<(&'static Rule, String)> {
    let mut problems = Vec::new();
    if let Err(violation) = Syntax::Subdomain.validate(object.name()) {
        problems.push((&rules::OBJECT_NAME, violation.to_string()));
    }
    let kind = object.kind();
    match (object.namespace(), namespaced) {
        (None, true) => problems.push((
            &rules::OBJECT_SCOPE,
            format!("{kind} is namespaced but has no metadata.namespace"),
        )),
        (Some(namespace), false) => problems.push((
            &rules::OBJECT_SCOPE,
            format!("{kind} is cluster-scoped but has metadata.namespace \"{namespace}\""),
        )),
        (Some(namespace), true) => problems
            .extend((Syntax::Name.validate(namespace).err()).map(|v| (&rules::OBJECT_NAME, format!("namespace: {v}")))),
        (None, false) => {}
    }
    let labels = object.json().at(&["metadata", "labels"]);
    let labels = labels.as_ref().and_then(Json::as_object);
    for (key, value) in labels.into_iter().flatten() {
        problems.extend(
            Syntax::LabelKey
                .validate(key)
                .err()
                .map(|v| (&rules::OBJECT_NAME, v.to_string())),
        );
        let value = value.as_str().unwrap_or("<not a string>");
        problems.extend(
            (Syntax::LabelValue.validate(value).err()).map(|v| (&rules::OBJECT_NAME, format!("label {key}: {v}"))),
        );
    }
    problems
}

/// An object and the file it goes to.
struct Output<'a> {
    path: String,
    object: &'a Rendered<'a>,
}

/// `<app>/<namespace>.<kind>.<name>.yaml` for each object, with [`CLUSTER_SCOPE_MARKER`] for
/// cluster-scoped objects. Objects whose identities differ only in API group would share a
/// file: of two, the one declared first keeps it.
fn output_paths<'a>(objects: &'a [Rendered<'a>], errors: &mut Errors) -> Vec<Output<'a>> {
    let mut outputs: Vec<Output> = (objects.iter())
        .map(|object| Output {
            path: format!(
                "{}/{}.{}.{}.yaml",
                object.origin().app,
                object.namespace().unwrap_or(CLUSTER_SCOPE_MARKER),
                object.kind().to_ascii_lowercase(),
                object.name()
            ),
            object,
        })
        .collect();
    outputs.sort_by(|a, b| a.path.cmp(&b.path));
    let mut kept = Vec::with_capacity(outputs.len());
    let mut first_of: HashMap<String, &Rendered> = HashMap::new();
    for output in outputs {
        if let Some(first) = first_of.get(&output.path) {
            let origin = output.object.origin();
            let message = format!(
                "{} would be written to {}, which {} declared at {} already uses",
                output.object.describe(),
                output.path,
                first.describe(),
                first.origin().location
            );
            errors.push(origin.location, origin.app, &rules::OBJECT_IDENTITY, message);
            continue;
        }
        first_of.insert(output.path.clone(), output.object);
        kept.push(output);
    }
    kept
}

/// Where each file's object was declared.
fn file_sources(outputs: &[Output]) -> BTreeMap<String, FileSource> {
    (outputs.iter())
        .map(|output| {
            let origin = output.object.origin();
            let source = FileSource {
                location: origin.location,
                app: origin.app.to_owned(),
            };
            (output.path.clone(), source)
        })
        .collect()
}

/// One file: the header and the object's YAML.
fn render(header: &str, output: &Output) -> Result<String, serde_saphyr::ser::Error> {
    // Room for most objects up front, the rest given back after: no reallocation copies, and
    // the release holds no spare capacity.
    let mut file = String::with_capacity(4096);
    file.push_str(header);
    render_yaml_into(&output.object.json(), &mut file)?;
    file.shrink_to_fit();
    Ok(file)
}

/// The rendered files by path, with an error for each object too large or not renderable.
fn collect_files(
    outputs: &[Output],
    rendered: Vec<Result<String, serde_saphyr::ser::Error>>,
    header: usize,
    errors: &mut Errors,
) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    for (output, file) in outputs.iter().zip(rendered) {
        let origin = output.object.origin();
        let describe = output.object.describe();
        match file {
            Ok(file) => {
                let size = file.len() - header;
                if size > MAX_OBJECT_BYTES {
                    let message = format!(
                        "{describe}: is {size} bytes of YAML; Argo CD's apply keeps a copy in an annotation limited to \
                         {MAX_OBJECT_BYTES} bytes: split it (a ConfigMap per file, say)"
                    );
                    errors.push(origin.location, origin.app, &rules::OBJECT_SIZE, message);
                }
                files.insert(output.path.clone(), file);
            }
            Err(cause) => {
                let message = format!("{describe}: cannot be rendered as YAML: {cause}");
                errors.push(origin.location, origin.app, &rules::OBJECT_RENDER, message);
            }
        }
    }
    files
}

/// A platform rule whose id another rule has is an error at the first app (the platform's
/// rules are declared with its code, not at a line of an app).
fn platform_rule_ids<'a>(index: &Index<'a>, platform_rules: &[PlatformRule]) -> Vec<rules::Problem<'a>> {
    let mut seen: HashSet<&str> = rules::SYNTH_RULES.iter().map(|rule| rule.id).collect();
    let mut problems = rules::Problems::new(&rules::PLATFORM_RULE_ID);
    let Some(first) = index.apps().first().copied() else {
        return Vec::new();
    };
    for rule in platform_rules {
        if !seen.insert(rule.rule.id) {
            problems.report(
                first,
                format!(
                    "the platform's rule id \"{}\" is already taken: give it a prefix of its own",
                    rule.rule.id
                ),
            );
        }
    }
    problems.found
}

/// One error per app whose name an earlier app already has, naming both declarations.
fn duplicate_app_names(env: EnvId, apps: &[App]) -> Vec<SynthError> {
    let mut first_of: BTreeMap<&str, SourceLocation> = BTreeMap::new();
    let mut errors = Vec::new();
    for app in apps {
        let name = app.name().as_str();
        if let Some(first) = first_of.insert(name, app.declared_at()) {
            errors.push(SynthError {
                location: app.declared_at(),
                path: format!("{env}/{name}"),
                message: format!(
                    "app \"{name}\" is declared twice; also declared at {first} \
                     (two services with one name?); no other check ran until names are unique"
                ),
                rule: rules::APP_UNIQUE_NAME.id,
            });
        }
    }
    errors
}
