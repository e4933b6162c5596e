//! What the command line accepts: kumiki's commands, their arguments and their help.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Synthesizes the platform written in Rust into plain YAML under release/, checks it, and
/// shows what a change does to it.
#[derive(Parser)]
#[command(
    after_help = "Exit codes: 0 success (diff: no change), 1 the model has errors (nothing written), \
2 usage error, 3 release/ is stale (check) or differs (diff), 4 a file or git ref could not be read \
or written, or a cluster could not be reached."
)]
pub(super) struct Cli<E: Subcommand> {
    #[command(subcommand)]
    pub(super) command: Command<E>,
}

/// No commands beyond kumiki's.
#[derive(Subcommand)]
pub enum NoExtra {}

#[derive(Subcommand)]
pub(super) enum Command<E: Subcommand> {
    /// Synthesize release/<env>/ from platform/ and services/.
    ///
    /// Every environment is checked first and all errors are reported together, each with
    /// the source location of its declaration; nothing is written while there is one. Each
    /// environment directory is then replaced atomically (written beside it, then swapped
    /// in), which also removes files the code no longer produces. An environment that is
    /// already up to date is left untouched.
    Synth {
        /// Environment to synthesize.
        #[arg(long, default_value = "all")]
        env: String,
        /// Output root; environments go to <OUT>/<env>/. Default: release/ in the workspace.
        #[arg(long, value_name = "OUT")]
        out: Option<PathBuf>,
    },
    /// Fail when release/ is not exactly what the code synthesizes (for CI).
    ///
    /// Lists every missing, stale and unexpected file. Writes nothing.
    Check {
        /// Environment to check.
        #[arg(long, default_value = "all")]
        env: String,
        /// Output root to compare with. Default: release/ in the workspace.
        #[arg(long, value_name = "OUT")]
        out: Option<PathBuf>,
    },
    /// Show what the code synthesizes now against release/ (or release/ at a git ref).
    ///
    /// Per environment and app: objects added, removed, changed and moved (matched by kind,
    /// namespace and name, not by file), most important kinds first; a unified diff of each
    /// changed file; one line per image bump; and warnings for every deletion (Argo CD's prune
    /// removes it) and every change Kubernetes rejects or that forces a replacement (workload
    /// selectors, StatefulSet volumeClaimTemplates and serviceName, Service clusterIP and
    /// type, Job templates, PVC storage class, immutable ConfigMaps). Writes nothing.
    ///
    /// Colour on a terminal; plain when piped or when NO_COLOR is set.
    #[command(
        after_help = "Exit codes: 0 no change, 3 changes, 1 the model has errors, 2 usage error, \
4 release/ or the git ref could not be read."
    )]
    Diff {
        /// Environment to diff.
        #[arg(long, default_value = "all")]
        env: String,
        /// Compare with release/ at this git ref (branch, tag, commit), read through git
        /// without touching the work tree. Default: release/ as it is on disk.
        #[arg(long, value_name = "GIT_REF", conflicts_with = "out")]
        base: Option<String>,
        /// text for a terminal or a CI log, markdown for a pull-request comment, json for
        /// tools (the shape of schemas/diff.schema.json).
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Output root to compare with instead of release/ in the workspace.
        #[arg(long, value_name = "OUT", conflicts_with = "live")]
        out: Option<PathBuf>,
        /// Compare release/<env> as it is on disk with a live cluster instead: for each of its
        /// objects, what the cluster holds against what it would hold after applying it (a
        /// server-side dry run, so defaults and server-managed fields do not show), and the
        /// objects labeled `app.kubernetes.io/managed-by=kumiki,env=<env>` that release/ no
        /// longer has. Needs the kumiki-live program (README, "A real API server").
        #[arg(long, conflicts_with = "base")]
        live: bool,
        /// The live cluster's kubeconfig. Default: as kubectl chooses (KUBECONFIG, then
        /// ~/.kube/config, its current context).
        #[arg(long, requires = "live")]
        kubeconfig: Option<PathBuf>,
        /// With --live: a label selector narrowing which of the cluster's kumiki objects of
        /// the environment count as the release's (`team=payments`), for a cluster shared
        /// with other releases.
        #[arg(long, requires = "live")]
        selector: Option<String>,
    },
    /// Synthesize and diff again on every save, until interrupted (Ctrl-C).
    ///
    /// Watches the workspace's Rust sources, manifests and YAML data (release/, target/ and
    /// hidden directories aside) by polling, waits until a burst of saves settles, then runs
    /// this command line as new processes: `diff --env <ENV>` (what the saves change in
    /// release/), then `synth --env <ENV>` (so release/ follows the code). Cargo rebuilds only
    /// when code changed: saving an images.yaml compiles nothing.
    Watch {
        /// Environment to synthesize and diff.
        #[arg(long, default_value = "all")]
        env: String,
    },
    /// Have a real Kubernetes API server judge release/<env> before it merges.
    ///
    /// Checks that release/<env> is what the code synthesizes, then (with the kumiki-live
    /// program) creates what the release assumes exists on the cluster (the CRDs of --crds,
    /// then the release's own CRDs and Namespaces, for real) and server-side applies every
    /// object as a dry run: strict field validation (an unknown field is refused), the
    /// validation code and CEL rules of the server and its CRDs, admission, Pod Security as
    /// the namespaces' labels declare (a template whose pods would be refused is an error).
    /// Every refusal is reported at the line that declared the object, with rule id `server`;
    /// warnings are printed and do not fail. Writes nothing to the workspace.
    #[command(
        after_help = "Exit codes: 0 accepted, 1 refused (or the model has errors), 2 usage error, 3 release/ is stale, 4 the cluster could not be reached or kumiki-live could not run."
    )]
    Verify {
        /// Environment to verify.
        #[arg(long, default_value = "all")]
        env: String,
        /// The cluster's kubeconfig. Default: the local control plane's (`cluster up`).
        #[arg(long)]
        kubeconfig: Option<PathBuf>,
        /// A directory of upstream CRDs the release's custom resources need (repeatable).
        /// Default: crds/ in the workspace, when it exists.
        #[arg(long, value_name = "DIR")]
        crds: Vec<PathBuf>,
    },
    /// The local control plane: etcd and kube-apiserver on 127.0.0.1, for verify and tests.
    ///
    /// `up` builds the binaries from Go sources at pinned versions the first time (about 8
    /// minutes and 2.4 GB of memory on two cores; cached outside the workspace, under
    /// ~/.cache/kumiki or KUMIKI_CACHE, keyed by version and checked against their
    /// checksums), then starts them in seconds. Its certificates, token, data and logs stay
    /// in a private directory: target/control-plane (or KUMIKI_CLUSTER_DIR).
    #[command(
        after_help = "Exit codes: 0 done, 1 failed or (status) not running, 2 usage error, 3 (apply) release/ is stale, 4 the control plane could not be reached or kumiki-live could not run."
    )]
    Cluster {
        #[command(subcommand)]
        action: ClusterAction,
    },
    /// List every service's containers: image repository and tag, container ports, the
    /// Service ports and ingress listeners that reach them, and the node group.
    ///
    /// Read from the model of the environment (what synth would write), so it always matches
    /// release/. Writes nothing.
    Catalog {
        /// Environment to list.
        #[arg(long, value_enum)]
        env: String,
        /// text: an aligned table; json: the shape of schemas/catalog.schema.json.
        #[arg(long, value_enum, default_value_t = CatalogFormat::Text)]
        format: CatalogFormat,
    },
    /// Print the service graph: every declared call (caller -> Service:port), its protocol,
    /// the layers of the synthesized release that govern it and let it through (network:
    /// NetworkPolicy; visibility: Sidecar and exportTo; authorization: AuthorizationPolicy;
    /// transport: mutual TLS), and the line that declared it.
    ///
    /// Synthesizes the environment in memory first (a call some layer blocks is a synth error,
    /// `reach.blocked`). Writes nothing.
    #[command(after_help = "Exit codes: 0 printed, 1 the model has errors, 2 usage error.")]
    Graph {
        /// Environment to draw.
        #[arg(long, value_enum)]
        env: String,
        /// text: an aligned table; json: the shape of schemas/graph.schema.json; mermaid: a
        /// flowchart for Markdown; dot: a Graphviz digraph.
        #[arg(long, value_enum, default_value_t = GraphFormat::Text)]
        format: GraphFormat,
    },
    /// Set one image version in a service's images.yaml, then synthesize that environment.
    ///
    /// Edits only that value (comments and layout kept; a missing environment line is added
    /// under the entry). An invalid version, an unknown service or container, or a version the
    /// platform's version policy does not allow in --env (a floating tag such as `latest`
    /// outside development, a word where a release number or commit id is required) is refused
    /// with exit 2 and the file left byte-identical; so is an environment reached by promotion
    /// (`promote` sets it), unless --skip-promotion says why. Then synthesizes --env (unless
    /// --no-synth); when synth finds errors the file is put back as it was. The file is never
    /// read or written through a symbolic link, and the command waits for any other command
    /// writing the workspace (the lock .kumiki.lock).
    #[command(
        after_help = "VERSION is `tag`, `tag@sha256:<64 hex>` or `@sha256:<64 hex>`, as the platform's version policy allows.

Exit codes: 0 set (or already so), 1 the model has errors (file restored), 2 refused (file untouched), 4 a file could not be read or written (the message says what was left)."
    )]
    SetImage {
        /// The service (its directory under services/).
        service: String,
        /// The container. Default: the service's only container.
        #[arg(long)]
        container: Option<String>,
        /// A canary version of the container (the entry `<container>@<version>`).
        #[arg(long, value_name = "NAME")]
        version: Option<String>,
        /// The environment to set.
        #[arg(long, value_enum)]
        env: String,
        /// The version.
        #[arg(value_name = "VERSION")]
        image_version: String,
        /// Set an environment that is reached by promotion directly (a hotfix), saying why:
        /// the reason is printed with the change, for its commit message.
        #[arg(long, value_name = "REASON")]
        skip_promotion: Option<String>,
        /// Only edit the file; do not synthesize.
        #[arg(long)]
        no_synth: bool,
    },
    /// Copy the exact image versions (digests included) of services from one environment to
    /// another, then synthesize the target.
    ///
    /// Prints each version that moves (`account/gin: d74ac1c → e5f6a7b`). Refuses, touching
    /// nothing, when --from -> --to is not a step of the platform's promotion path (unless
    /// --skip-promotion says why), or a version to promote is not pinned (`latest`) or not
    /// allowed in --to by the version policy. When synth finds errors the files are put back as
    /// they were. Waits for any other command writing the workspace.
    #[command(
        after_help = "Exit codes: 0 promoted (or nothing to promote), 1 the model has errors (files restored), 2 refused (files untouched), 4 a file could not be read or written."
    )]
    Promote {
        /// The environment whose versions are promoted.
        #[arg(long, value_enum)]
        from: String,
        /// The environment that receives them.
        #[arg(long, value_enum)]
        to: String,
        /// Services to promote.
        #[arg(value_name = "SERVICE", required_unless_present = "all", conflicts_with = "all")]
        services: Vec<String>,
        /// Promote every service.
        #[arg(long)]
        all: bool,
        /// Promote between environments the promotion path does not connect, saying why: the
        /// reason is printed with the change, for its commit message.
        #[arg(long, value_name = "REASON")]
        skip_promotion: Option<String>,
        /// Only edit the files; do not synthesize.
        #[arg(long)]
        no_synth: bool,
    },
    /// Generate a typed Rust module for a custom resource from its CRD (with kopium).
    ///
    /// Per kind: the chosen version (default: the storage version) with its status stripped
    /// goes through `kopium --hide-kube`; the module names the command, the source file, its
    /// fingerprint and kopium's version, and ends with `kumiki::crds::custom_resource!`, so
    /// the kind is an object an App takes (group, version, plural and scope from the CRD; a
    /// cluster-scoped kind with a namespace is a synth error). The crate holding the module
    /// depends on `kumiki` and `serde` (with `derive`); the command says so after writing.
    ///
    /// Every name the CRD gives is checked before it reaches code: the group (a DNS
    /// subdomain), kind (CamelCase letters and digits), plural and versions (DNS labels), and
    /// the schema's property names, enum values and descriptions (no quotes, backslashes or
    /// control characters). A CRD with several storage versions needs --version. Two CRDs of
    /// one kind in different groups go to `<group>_<kind>.rs`; a file at the module's path that
    /// is not the module of the same CRD is never overwritten. Modules are written below the
    /// workspace only, never through a link, each replaced whole. Needs kopium 0.24.1 (`cargo
    /// install kopium --version 0.24.1 --locked`); the normal build and tests never do.
    #[command(
        after_help = "Exit codes: 0 written, 2 refused (kopium missing, not a CRD, a name that is not one, several storage versions without --version, no such kind or version, --out outside the workspace or through a link, a file that is not this CRD's module), 4 a file could not be read or written. Nothing is written when one CRD is refused."
    )]
    ImportCrd {
        /// A CRD file, or a directory of CRD files.
        source: PathBuf,
        /// Only this kind (repeat the flag); default: every CRD given.
        #[arg(long = "kind", value_name = "KIND")]
        kinds: Vec<String>,
        /// The version to generate; default: the CRD's storage version.
        #[arg(long)]
        version: Option<String>,
        /// Where the modules go, one `<kind_snake_case>.rs` each.
        #[arg(long, value_name = "DIR", default_value = ".")]
        out: PathBuf,
        /// The path the module reaches kumiki by: the facade crate `kumiki` unless the crate
        /// renames it (the SDK's own kinds use `crate::sdk`, a module of the same shape).
        #[arg(long, value_name = "PATH", default_value = crate::crd_import::DEFAULT_SDK_PATH)]
        sdk_path: String,
    },
    #[command(flatten)]
    Extra(E),
    /// List every rule synth checks: kumiki's and the platform's own, id and summary.
    ///
    /// Every synth error ends with `[rule: <id>]`; `explain <id>` says why the rule exists and
    /// how to fix what breaks it; the platform's exemptions name rules.
    Rules {
        /// text: one line per rule; json: the shape of schemas/rules.schema.json.
        #[arg(long, value_enum, default_value_t = CatalogFormat::Text)]
        format: CatalogFormat,
    },
    /// Explain one rule: what it requires, why, and an example of the fix.
    #[command(after_help = "Exit codes: 0 explained, 2 no rule has that id.")]
    Explain {
        /// The rule's id, as an error names it (`pod.probes`).
        id: String,
    },
    /// Write the JSON Schemas of kumiki's files and outputs to schemas/: the image versions
    /// file, `catalog --format json`, `diff --format json` and `rules --format json`.
    ///
    /// The versions files' first line points editors at theirs (`# yaml-language-server:
    /// $schema=…`); a test fails when a checked-in schema is not what this writes.
    Schemas,
    /// Create a service crate under services/ from the platform's template and register it.
    ///
    /// The crate (services/<NAME>, Rust type in UpperCamelCase) is what the platform's
    /// scaffold writes: one Microservice whose container listens on PORT, exposed on Service
    /// port PORT, with its images.yaml (IMAGE_REPO is the image repository of the
    /// environments that pull from a registry). It compiles and synthesizes as created; set
    /// the image versions and the probes, then synthesize. Refuses an invalid or existing
    /// name, a crate the workspace refers to, and every name the platform itself uses (apps,
    /// output directories, Argo CD Applications and projects), and leaves nothing
    /// half-created.
    NewService {
        /// The service's name, kebab-case (`ledger`, `order-api`): crate, app and resource names.
        name: String,
        /// The port the container listens on.
        #[arg(long)]
        port: u16,
        /// The image repository of the environments that pull from a registry. Default:
        /// <NAME>-repository.
        #[arg(long, value_name = "IMAGE_REPO")]
        image_repo: Option<String>,
    },
}

/// What `cluster` does.
#[derive(Subcommand)]
pub(super) enum ClusterAction {
    /// Build (first time) or reuse the binaries, start them, wait until the server is ready.
    Up,
    /// Stop exactly the processes `up` started.
    Down,
    /// Say whether it runs (exit 1 when not).
    Status,
    /// Print the path of its kubeconfig (for kubectl and --kubeconfig).
    Kubeconfig,
    /// Apply release/<env> to it for real, then dry-run it again: an object the server stores
    /// differently from the release (a normalized quantity, a dropped field) would show
    /// OutOfSync in Argo CD after every sync, and is an error at its line with rule id
    /// `server.out-of-sync`. Never applies to another cluster.
    Apply {
        /// Environment to apply.
        #[arg(long)]
        env: String,
        /// A directory of upstream CRDs (repeatable). Default: crds/ in the workspace.
        #[arg(long, value_name = "DIR")]
        crds: Vec<PathBuf>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub(super) enum Format {
    Text,
    Markdown,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
pub(super) enum GraphFormat {
    Text,
    Json,
    Mermaid,
    Dot,
}

#[derive(Clone, Copy, ValueEnum)]
pub(super) enum CatalogFormat {
    Text,
    Json,
}
