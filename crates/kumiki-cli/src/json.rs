//! `--format json`: the catalog, the diff and the rules as JSON of a stable shape, for other tools. The
//! shapes are these types; their JSON Schemas are generated from them (`schemas/`, written by
//! the `schemas` command) and a test keeps the checked-in files current. `format` is 1; a
//! change that removes or retypes a field raises it.

use schemars::{JsonSchema, schema_for};
use serde::Serialize;

use crate::catalog::Row;

/// The version of every shape.
pub const FORMAT: u32 = 1;

/// `catalog --format json`.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(title = "kumiki catalog")]
pub struct CatalogReport {
    /// The version of this shape (1).
    pub format: u32,
    /// The environment listed.
    pub env: String,
    /// Every container of every service's workloads, by service, workload and container.
    pub containers: Vec<CatalogContainer>,
}

/// One container of a service's workload.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CatalogContainer {
    /// The service (its app).
    pub service: String,
    /// The Deployment or StatefulSet.
    pub workload: String,
    /// The container.
    pub container: String,
    /// The image without its version: registry and repository.
    pub repository: String,
    /// The image version: a tag, `tag@digest`, `@digest` or `latest`.
    pub version: String,
    /// Container ports, `<number>/<name>`.
    pub ports: Vec<String>,
    /// Service ports forwarding to those container ports, `<service>:<port>`.
    pub service_ports: Vec<String>,
    /// Ingress gateway listeners reaching those Service ports, `<name>:<port>[/<node port>]`.
    pub listeners: Vec<String>,
    /// The node group the pods are pinned to, if any.
    pub node_group: Option<String>,
}

impl CatalogReport {
    /// The report of `rows` in `env`.
    pub fn new(env: &str, rows: Vec<Row>) -> CatalogReport {
        let containers = (rows.into_iter())
            .map(|row| CatalogContainer {
                service: row.service,
                workload: row.workload,
                container: row.container,
                repository: row.repository,
                version: row.tag,
                ports: row.ports,
                service_ports: row.service_ports,
                listeners: row.listeners,
                node_group: (row.node_group != "-").then_some(row.node_group),
            })
            .collect();
        CatalogReport {
            format: FORMAT,
            env: env.to_owned(),
            containers,
        }
    }
}

/// `diff --format json`.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(title = "kumiki diff")]
pub struct DiffReport {
    /// The version of this shape (1).
    pub format: u32,
    /// One entry per environment compared, in the order asked.
    pub environments: Vec<EnvironmentDiff>,
}

/// What changes in one environment.
#[derive(Debug, Serialize, JsonSchema)]
pub struct EnvironmentDiff {
    /// The environment.
    pub env: String,
    /// The objects that differ, by app, then importance of kind, then object; empty when
    /// nothing changes.
    pub changes: Vec<Change>,
    /// The calls between workloads the rendered policies allow after the change and not
    /// before (`added`), and before and not after (`removed`).
    pub traffic: TrafficChange,
}

/// Calls between workloads, each `<caller> -> <namespace>/<workload>:<port> (<layer>)`: the
/// caller a mesh identity (`<namespace>/<service account>`) under the authorization layer, a
/// namespace or pods (`<namespace>/*`, `<namespace>/{label=value}`) under the network layer.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TrafficChange {
    /// Calls allowed now and not before.
    pub added: Vec<String>,
    /// Calls allowed before and not now.
    pub removed: Vec<String>,
}

/// One object that differs.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Change {
    /// What happens to it.
    pub kind: ChangeKind,
    /// Which object.
    pub object: ObjectRef,
    /// The app (release directory) it belongs to now; for a removal, the one it left.
    pub app: String,
    /// Its file, relative to `release/<env>/`; for a removal, its old file.
    pub path: String,
    /// For a move, its old file.
    pub from_path: Option<String>,
    /// What a reviewer must know: rejected updates, forced replacements, deletions.
    pub warnings: Vec<String>,
    /// Containers whose image changes.
    pub image_changes: Vec<ImageChange>,
    /// The unified diff of the file, when its content was added or changed.
    pub diff: Option<String>,
}

/// How an object differs.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    /// Only in the new release.
    Added,
    /// Only in the old release.
    Removed,
    /// In both, in the same file, with different content.
    Changed,
    /// In both, in another file.
    Moved,
}

/// An object's identity.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ObjectRef {
    /// The API group, empty for the core group.
    pub group: String,
    /// The kind.
    pub kind: String,
    /// The namespace; absent for cluster-scoped objects.
    pub namespace: Option<String>,
    /// The name.
    pub name: String,
}

/// A container whose image changes.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ImageChange {
    /// The container.
    pub container: String,
    /// The image before.
    pub from: String,
    /// The image after.
    pub to: String,
    /// The earlier environment that already runs `to`, when the change is a promotion.
    pub promoted_from: Option<String>,
}

impl DiffReport {
    /// The report of `diffs`.
    pub fn new(diffs: &[kumiki_diff::EnvDiff]) -> DiffReport {
        let environments = (diffs.iter())
            .map(|diff| EnvironmentDiff {
                env: diff.env.clone(),
                changes: diff.changes.iter().map(change).collect(),
                traffic: TrafficChange {
                    added: diff.traffic.added.clone(),
                    removed: diff.traffic.removed.clone(),
                },
            })
            .collect();
        DiffReport {
            format: FORMAT,
            environments,
        }
    }
}

fn change(change: &kumiki_diff::ObjectChange) -> Change {
    use kumiki_diff::ChangeKind as Kind;
    Change {
        kind: match change.kind {
            Kind::Added => ChangeKind::Added,
            Kind::Removed => ChangeKind::Removed,
            Kind::Changed => ChangeKind::Changed,
            Kind::Moved => ChangeKind::Moved,
        },
        object: ObjectRef {
            group: change.key.group.clone(),
            kind: change.key.kind.clone(),
            namespace: change.key.namespace.clone(),
            name: change.key.name.clone(),
        },
        app: change.app.clone(),
        path: change.path.clone(),
        from_path: change.from_path.clone(),
        warnings: change.warnings.clone(),
        image_changes: (change.image_bumps.iter())
            .map(|bump| ImageChange {
                container: bump.container.clone(),
                from: bump.from.clone(),
                to: bump.to.clone(),
                promoted_from: bump.promoted_from.clone(),
            })
            .collect(),
        diff: change.diff.clone(),
    }
}

/// `graph --format json`.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(title = "kumiki graph")]
pub struct GraphReport {
    /// The version of this shape (1).
    pub format: u32,
    /// The environment drawn.
    pub env: String,
    /// Every declared call to each port, by caller, callee and port.
    pub edges: Vec<GraphEdge>,
}

/// One declared call to one port, and what each layer of the rendered release does with it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct GraphEdge {
    /// The caller, `<namespace>/<service account>`.
    pub caller: String,
    /// The Service called, `<namespace>/<service>`.
    pub callee: String,
    /// The Service port the caller dials.
    pub port: u16,
    /// The container port it reaches.
    pub target_port: u16,
    /// The container port's name.
    pub port_name: String,
    /// The Service port's protocol (`appProtocol`, else its name's prefix), else `tcp`.
    pub protocol: String,
    /// The layers (`network`, `visibility`, `authorization`, `transport`) whose objects
    /// govern the call and let it through.
    pub allowed_by: Vec<String>,
    /// The layers no object of which governs the call.
    pub ungoverned: Vec<String>,
    /// The layers that block the call, each with the object and reason.
    pub blocked: Vec<BlockedBy>,
    /// The line that declared the call, `<file>:<line>`.
    pub declared_at: String,
}

/// A layer that blocks a call.
#[derive(Debug, Serialize, JsonSchema)]
pub struct BlockedBy {
    /// The layer.
    pub layer: String,
    /// The object that blocks it, and why.
    pub reason: String,
}

impl GraphReport {
    /// The report of `edges` in `env`.
    pub fn new(env: &str, edges: &[kumiki::synth::Edge]) -> GraphReport {
        use kumiki::synth::Passage;
        let edge = |edge: &kumiki::synth::Edge| {
            let layers = |wanted: &Passage| -> Vec<String> {
                (edge.layers.iter())
                    .filter(|(_, passage)| passage == wanted)
                    .map(|(layer, _)| layer.as_str().to_owned())
                    .collect()
            };
            GraphEdge {
                caller: edge.caller.clone(),
                callee: edge.callee.clone(),
                port: edge.port,
                target_port: edge.target_port,
                port_name: edge.port_name.clone(),
                protocol: edge.protocol.clone(),
                allowed_by: (edge.allowed_by().into_iter())
                    .map(|layer| layer.as_str().to_owned())
                    .collect(),
                ungoverned: layers(&Passage::Ungoverned),
                blocked: (edge.layers.iter())
                    .filter_map(|(layer, passage)| match passage {
                        Passage::Blocked(reason) => Some(BlockedBy {
                            layer: layer.as_str().to_owned(),
                            reason: reason.clone(),
                        }),
                        _ => None,
                    })
                    .collect(),
                declared_at: edge.declared_at.to_string(),
            }
        };
        GraphReport {
            format: FORMAT,
            env: env.to_owned(),
            edges: edges.iter().map(edge).collect(),
        }
    }
}

/// `value` as pretty JSON with a final newline.
pub fn to_json<T: Serialize>(value: &T) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

/// The JSON Schemas of kumiki's files and outputs for a platform whose environments are
/// `envs`, by file name under `schemas/`: the image versions file and the `--format json`
/// outputs of `catalog`, `diff`, `rules` and `graph`.
pub fn schemas(envs: &[kumiki::values::EnvId]) -> Vec<(&'static str, String)> {
    vec![
        (kumiki::images::SCHEMA_FILE_NAME, kumiki::images::json_schema(envs)),
        ("catalog.schema.json", to_json(&schema_for!(CatalogReport))),
        ("diff.schema.json", to_json(&schema_for!(DiffReport))),
        ("rules.schema.json", to_json(&schema_for!(RulesReport))),
        ("graph.schema.json", to_json(&schema_for!(GraphReport))),
    ]
}

/// `rules --format json`.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(title = "kumiki rules")]
pub struct RulesReport {
    /// The version of this shape (1).
    pub format: u32,
    /// Every rule synth checks, kumiki's and the platform's, in id order.
    pub rules: Vec<RuleEntry>,
    /// What the platform gives beyond the rules: grants to service crates and exemptions of
    /// apps from a rule, each with its reason.
    pub given: Vec<GivenEntry>,
}

/// A grant or an exemption of the platform.
#[derive(Debug, Serialize, JsonSchema)]
pub struct GivenEntry {
    /// `grant` (a right to a service crate) or `exemption` (a rule lifted for an app).
    pub kind: String,
    /// The service crate (grant) or app (exemption) it is given to.
    pub to: String,
    /// The right granted, or the id of the rule lifted.
    pub what: String,
    /// Why the platform gives it.
    pub reason: String,
    /// `file:line` of the platform's code that gives it.
    pub declared_at: String,
    /// The environments it is given in.
    pub envs: Vec<String>,
}

/// One rule.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RuleEntry {
    /// Its stable id, as errors (`[rule: <id>]`) and exemptions name it.
    pub id: String,
    /// What it requires, in one line.
    pub summary: String,
    /// Why, with an example of the fix.
    pub explanation: String,
    /// `kumiki` for a built-in rule, `platform` for one the platform adds.
    pub source: String,
}

impl RulesReport {
    /// The report of `rules`.
    pub fn new(rules: &[crate::rules::Listed], given: &[crate::rules::Given]) -> RulesReport {
        let rules = (rules.iter())
            .map(|listed| RuleEntry {
                id: listed.rule.id.to_owned(),
                summary: listed.rule.summary.to_owned(),
                explanation: listed.rule.explanation.to_owned(),
                source: listed.source.to_owned(),
            })
            .collect();
        let given = (given.iter())
            .map(|one| GivenEntry {
                kind: one.kind.to_owned(),
                to: one.to.clone(),
                what: one.what.clone(),
                reason: one.reason.clone(),
                declared_at: one.declared_at.clone(),
                envs: one.envs.clone(),
            })
            .collect();
        RulesReport {
            format: FORMAT,
            rules,
            given,
        }
    }
}
