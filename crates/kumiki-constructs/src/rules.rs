//! The rules the constructs check while lowering what a platform or a service declared (what
//! only the declaration knows: its calls, its environment). Each problem is reported at the
//! user's call, naming one of these; `cargo xtask explain <id>` prints one.

use kumiki_synth::rules::Rule;

/// A Microservice's containers, ports and probes fit together.
pub const MICROSERVICE_CONTAINERS: Rule = Rule {
    id: "microservice.containers",
    summary: "a Microservice has a container, no port number, variable or scratch path twice, probes and ports of added containers, no local image outside development",
    explanation: "Probes and Service ports refer to containers through port handles; a handle of a container that \
                  was never added with `.container(..)` refers to nothing, and only development environments have a \
                  local registry.\n\nFix: `.container(gin)` for every container whose ports you use; \
                  `Image::at(platform::registry(env), ..)`.",
};

/// A Microservice exposes each port and listener once, with retries that fit the timeout.
pub const MICROSERVICE_EXPOSURE: Rule = Rule {
    id: "microservice.exposure",
    summary: "each Service port and ingress listener is exposed once; retries fit within the timeout",
    explanation: "A Service port or listener declared twice would be merged or refused; retries whose attempts \
                  cannot finish within the route's timeout never run.\n\nFix: expose each port once; \
                  `TrafficPolicy { timeout: duration!(3 s), retries: Retries { attempts: 2, per_try_timeout: \
                  duration!(1 s), .. } }`.",
};

/// Canary and blue-green versions add up.
pub const MICROSERVICE_VERSIONS: Rule = Rule {
    id: "microservice.versions",
    summary: "versions have unique names and weights adding up to 100, on an exposed, stateless Microservice",
    explanation: "Versions split the Service's routes by weight: the weights must add up to 100, each version is a \
                  Deployment (not a StatefulSet) and there must be a route to split.\n\nFix: \
                  `.versions(vec![Version::new(label_value!(\"v1\"), 90), Version::new(label_value!(\"v2\"), 10)])`.",
};

/// Configuration files live in one absolute directory.
pub const MICROSERVICE_CONFIG_FILES: Rule = Rule {
    id: "microservice.config-files",
    summary: "a Microservice's config files go in one absolute directory",
    explanation: "The files are one ConfigMap mounted at one directory.\n\nFix: `.config_file(\"/etc/app\", \
                  \"settings.toml\", contents)` with the same directory for every file.",
};

/// Mesh features need a mesh.
pub const MICROSERVICE_MESH_ONLY: Rule = Rule {
    id: "microservice.mesh-only",
    summary: "ingress listeners, versions, traffic policy and callers by identity need the environment's mesh",
    explanation: "Without a mesh there is no ingress gateway, no weighted routing, no retries and no mTLS identity \
                  to authorize.\n\nFix: declare a mesh in the `Environment`, or use `.expose(..)` and \
                  `.allow_from(..)` in this environment.",
};

/// Metrics need a scraper.
pub const MICROSERVICE_METRICS: Rule = Rule {
    id: "microservice.metrics",
    summary: "a Microservice serves metrics only in an environment that declares a scraper",
    explanation: "`.metrics(..)` admits the platform's scraper; without one nothing would scrape them.\n\nFix: set \
                  `Environment::scraper`, or drop `.metrics(..)` in this environment.",
};

/// Pinned to a node group of the environment.
pub const MICROSERVICE_PLACEMENT: Rule = Rule {
    id: "microservice.placement",
    summary: "a Microservice is pinned to a node group its environment has",
    explanation: "A pod pinned to a group the cluster lacks stays Pending.\n\nFix: `.pin_to(&platform::node_groups::APP)` \
                  with a group of `Environment::node_groups`.",
};

/// Replicas, autoscaling, budgets and single volumes agree.
pub const MICROSERVICE_SCALING: Rule = Rule {
    id: "microservice.scaling",
    summary: "replicas, autoscaling, the disruption budget and a single volume agree",
    explanation: "An autoscaler keeps at least one replica and targets 1..=100 % CPU; fixed replicas and autoscaling \
                  fight; a budget must leave a pod evictable; one volume cannot be shared by several pods.\n\nFix: \
                  `.autoscale(2, 10, 70)` without `.replicas(..)`; `VolumeClaim::new` for a claim per pod.",
};

/// Patches fit the workload and the grace period outlasts the preStop sleep.
pub const MICROSERVICE_ROLLOUT: Rule = Rule {
    id: "microservice.rollout",
    summary: "a patch names the kind the Microservice runs; the grace period outlasts the preStop sleep",
    explanation: "A stateful Microservice runs a StatefulSet, any other a Deployment: a patch of the other kind \
                  changes nothing. A grace period not above the preStop sleep kills the pod before it stops.\n\n\
                  Fix: `.patch_stateful_set(..)` on a stateful Microservice; raise \
                  `Policy::termination_grace_period_seconds`.",
};

/// A CronJob's schedule is a cron expression.
pub const CRON_JOB_SCHEDULE: Rule = Rule {
    id: "cron-job.schedule",
    summary: "a CronJob's schedule is a cron expression of five fields within their ranges",
    explanation: "The CronJob controller never runs a job whose schedule it cannot parse, and says so only in its \
                  events.\n\nFix: five fields, minute (0-59), hour (0-23), day of month (1-31), month (1-12 or \
                  JAN-DEC) and day of week (0-7 or SUN-SAT), each `*`, a value, a range `a-b`, a list `a,b` or a step \
                  `*/n`: `CronJob::new(&env, \"30 2 * * *\")`; or `@hourly`, `@daily`, `@weekly`, `@monthly`, \
                  `@yearly`.",
};

/// A database's server can be built.
pub const DATABASE_SERVER: Rule = Rule {
    id: "database.server",
    summary: "an in-cluster database server can be built for its owner",
    explanation: "The dev database runs as a Microservice of its own, named after its owner.\n\nFix: a shorter \
                  service name, so `<name>-db` stays a valid name.",
};

/// Egress routes go through a mesh, once per host.
pub const EGRESS_ROUTES: Rule = Rule {
    id: "egress.routes",
    summary: "egress routes need a mesh and name each external host once",
    explanation: "Each external host becomes a ServiceEntry, a Gateway on the egress proxy and a VirtualService; \
                  without a mesh there is no egress gateway.\n\nFix: route each `ExternalHost` once.",
};

/// Gateway NodePorts are claimed once.
pub const MESH_NODE_PORT: Rule = Rule {
    id: "mesh.node-port",
    summary: "no two listeners of a gateway proxy claim one NodePort",
    explanation: "The gateway's Service could not be created.\n\nFix: give each `Listener` its own \
                  `.with_node_port(node_port!(..))`.",
};

/// The Argo CD tree can be built and ordered.
pub const GITOPS_TREE: Rule = Rule {
    id: "gitops.tree",
    summary: "the Argo CD tree's apps are deployable, named within limits and ordered by waves",
    explanation: "Every app of a team becomes an Application in `team-<project>`: an app with no object deploys \
                  nothing, a project name too long makes no app name, and apps that need what they provide \
                  through others cannot be ordered by sync waves.\n\nFix: move what the others need into an app of \
                  its own; shorten the project's name.",
};

/// Charts stay in their project's boundary.
pub const GITOPS_CHART_BOUNDARY: Rule = Rule {
    id: "gitops.chart-boundary",
    summary: "a chart installs into namespaces and cluster kinds of its project's boundary",
    explanation: "Argo CD refuses what a chart writes outside its project.\n\nFix: add the namespace or the kind to \
                  the project's `Boundary` (with a reason), or install the chart in a project that has it.",
};

/// The service's image versions file is complete and valid.
pub const IMAGES_FILE: Rule = Rule {
    id: "images.file",
    summary: "a service's images.yaml holds one valid version per container and environment, and nothing else",
    explanation: "Versions are data, read when the model is built: a missing file or entry would silently deploy a \
                  default, a stale entry looks like a version that runs, and an unquoted `1.10` is a number.\n\n\
                  Fix: `cargo xtask set-image <service> --env <env> <version>`, which writes exactly one value.",
};

/// Every rule the constructs check.
pub const CONSTRUCT_RULES: &[&Rule] = &[
    &MICROSERVICE_CONTAINERS,
    &MICROSERVICE_EXPOSURE,
    &MICROSERVICE_VERSIONS,
    &MICROSERVICE_CONFIG_FILES,
    &MICROSERVICE_MESH_ONLY,
    &MICROSERVICE_METRICS,
    &MICROSERVICE_PLACEMENT,
    &MICROSERVICE_SCALING,
    &MICROSERVICE_ROLLOUT,
    &CRON_JOB_SCHEDULE,
    &DATABASE_SERVER,
    &EGRESS_ROUTES,
    &MESH_NODE_PORT,
    &GITOPS_TREE,
    &GITOPS_CHART_BOUNDARY,
    &IMAGES_FILE,
];
