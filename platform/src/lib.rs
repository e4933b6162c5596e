//! The platform definition, owned by the SRE team: the facts every service builds on.
//!
//! What lives here is policy, visible in review: namespaces, node groups, the image registry
//! of each environment, and the workload defaults every Microservice gets (resources,
//! security context, graceful shutdown). Services read it; they never redefine it.

use kumiki::images::{Promotion, ReleasePolicy, VersionPolicy};
use kumiki::k8s_openapi::api::core::v1::Namespace;
use kumiki::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kumiki::platform::PlatformFacts;
use kumiki::platform::{
    Egress, Environment, GatewayProxy, Mesh, Policy, PullPolicy, Rollout, Seccomp, SecurityPolicy, Team,
};
use kumiki::prelude::*;
use kumiki::synth::DeclaredCall;
use kumiki::values::{AwsAccountId, AwsRegion, Repository};

pub mod argocd;
pub mod authority;
pub mod charts;
pub mod databases;
pub mod gitops;
#[rustfmt::skip]
pub mod karpenter;
pub mod node_pools;
pub mod rules;
pub mod telemetry;

environments! {
    /// The platform's environments, in promotion order. Services `match` on it, so a new
    /// environment does not compile until each says what it wants there.
    pub enum Env, stage Stage {
        /// Development: images built on the developer's machine and throw-away data.
        Dev = development("dev"),
        /// Staging: production-like; images pinned, from ECR.
        Stg = production("stg"),
        /// Production.
        Prd = production("prd"),
    }
}

/// How versions reach the environments: dev runs what developers push (`latest` allowed);
/// stg is set by each service's CI; prd runs what stg ran, by promotion. Outside dev a version
/// is a release number, a commit id or a digest, never a word that names whatever was pushed
/// last.
pub const RELEASE: ReleasePolicy = ReleasePolicy {
    promotions: &[Promotion {
        from: Env::Stg.id(),
        to: Env::Prd.id(),
    }],
    versions: VersionPolicy::VERSIONS,
};

/// Namespaces of the platform.
pub mod namespaces {
    use kumiki::prelude::*;

    /// Where the microservices run, but the orchestrator.
    pub const SERVICES: Name = name!("services");
    /// The orchestrator, reached from outside, apart from the services it calls: its calls
    /// cross namespaces, and the mesh and network policies must carry them.
    pub const ORCHESTRATION: Name = name!("orchestration");
    /// Every namespace microservices run in.
    pub const SERVICE_NAMESPACES: &[Name] = &[SERVICES, ORCHESTRATION];
    /// Istio's control plane and root namespace (mesh-wide policy).
    pub const ISTIO_SYSTEM: Name = name!("istio-system");
    /// The ingress gateway proxies.
    pub const ISTIO_INGRESS: Name = name!("istio-ingress");
    /// The egress gateway proxies.
    pub const ISTIO_EGRESS: Name = name!("istio-egress");
    /// Argo CD and its Applications.
    pub const ARGOCD: Name = name!("argocd");
    /// Prometheus, Alertmanager and Grafana.
    pub const PROMETHEUS: Name = name!("prometheus");
    /// Jaeger.
    pub const JAEGER: Name = name!("jaeger");
    /// Fluent Bit.
    pub const FLUENT_BIT: Name = name!("fluentbit");
    /// Karpenter, which provisions the node groups' nodes (stg and prd).
    pub const KARPENTER: Name = name!("karpenter");
    /// The External Secrets Operator (stg and prd, where credentials come from AWS).
    pub const EXTERNAL_SECRETS: Name = name!("external-secrets");
}

/// The Istio mesh every environment runs: sidecars injected by the `default` revision tag,
/// gateways installed by Istio's `gateway` chart under their usual release names.
pub fn mesh() -> Mesh {
    Mesh::builder()
        .revision(label_value!("default"))
        .root_namespace(namespaces::ISTIO_SYSTEM)
        .ingress(
            GatewayProxy::builder()
                .name(name!("istio-ingressgateway"))
                .namespace(namespaces::ISTIO_INGRESS)
                .selector(label!("istio", "ingressgateway"))
                .build(),
        )
        .egress(
            GatewayProxy::builder()
                .name(name!("istio-egressgateway"))
                .namespace(namespaces::ISTIO_EGRESS)
                .selector(label!("istio", "egressgateway"))
                .build(),
        )
        .build()
}

/// Hosts outside the cluster that services may call. Each is reached only through the egress
/// gateway (the services namespace is `REGISTRY_ONLY`), so this list is the cluster's whole
/// outbound surface, reviewed here.
pub mod external_hosts {
    use kumiki::prelude::*;

    /// httpbin.org over HTTP, called by the curl client.
    pub fn httpbin_org() -> ExternalHost {
        ExternalHost::builder()
            .name(name!("httpbin-org"))
            .host(subdomain!("httpbin.org"))
            .port(port!(80))
            .port_name(port_name!("httpbin"))
            .build()
    }
}

/// The node groups of the clusters (label `node.kubernetes.io/nodegroup`). Services pin to
/// these constants, so a misspelt group does not compile.
pub mod node_groups {
    use kumiki::prelude::*;

    /// Application workloads.
    pub const APP: NodeGroup = NodeGroup::new(label_value!("app"));
    /// Argo CD.
    pub const DEPLOY: NodeGroup = NodeGroup::tainted(
        label_value!("deploy"),
        label_key!("node.kubernetes.io/nodegroup"),
        label_value!("deploy"),
    );
    /// Ingress and egress gateways.
    pub const INGRESS: NodeGroup = NodeGroup::tainted(
        label_value!("ingress"),
        label_key!("node.kubernetes.io/nodegroup"),
        label_value!("ingress"),
    );
    /// Observability and other system components.
    pub const SYSTEM: NodeGroup = NodeGroup::tainted(
        label_value!("system"),
        label_key!("node.kubernetes.io/nodegroup"),
        label_value!("system"),
    );
}

/// The value of `app.kubernetes.io/part-of` on everything the platform deploys.
pub const PART_OF: LabelValue = label_value!("microservices");

/// The security context of every pod: a non-root UID above the range images use, no
/// privilege escalation, no capabilities, the runtime's seccomp profile, and a read-only root
/// filesystem (each pod gets a writable `/tmp`).
pub const SECURITY: SecurityPolicy = SecurityPolicy {
    run_as_user: 10001,
    run_as_group: 10001,
    run_as_non_root: true,
    seccomp: Seccomp::RuntimeDefault,
    read_only_root_filesystem: true,
    allow_privilege_escalation: false,
    drop_capabilities: &["ALL"],
};

/// The environment of a service of `env` running in `namespace` (one of
/// [`namespaces::SERVICE_NAMESPACES`]).
pub fn environment_in(env: Env, namespace: &Name) -> Environment {
    let mut environment = environment(env);
    environment.namespace = namespace.clone();
    environment
}

/// The environment every construct of `env` is built in: namespace, node groups, policy.
pub fn environment(env: Env) -> Environment {
    let node_groups = match env {
        // dev runs on one machine: everything shares one group.
        Env::Dev => vec![node_groups::APP],
        Env::Stg | Env::Prd => vec![
            node_groups::APP,
            node_groups::DEPLOY,
            node_groups::INGRESS,
            node_groups::SYSTEM,
        ],
    };
    let policy = Policy::builder()
        // Guaranteed QoS: requests equal limits.
        .default_resources(Resources::guaranteed(100, 128))
        .security(SECURITY)
        // No workload talks to the Kubernetes API.
        .automount_service_account_token(false)
        // Capacity never drops during a rollout: one extra pod at a time.
        .rollout(Rollout {
            max_surge: 1,
            max_unavailable: 0,
        })
        // A moved tag is noticed on the next start.
        .image_pull_policy(PullPolicy::Always)
        // The mesh stops routing to a terminating pod before the process gets SIGTERM.
        .pre_stop_sleep_seconds(5)
        .termination_grace_period_seconds(30)
        .revision_history_limit(5)
        .default_replicas(match env {
            Env::Dev => 1,
            Env::Stg | Env::Prd => 2,
        })
        .build();
    Environment::builder()
        .env(env.id())
        .namespace(namespaces::SERVICES)
        .node_groups(node_groups)
        .part_of(PART_OF)
        .policy(policy)
        .mesh(mesh())
        .scraper(telemetry::scraper())
        .build()
}

/// The AWS account of stg and prd. The seed platform never states it; this placeholder is
/// to be replaced.
pub const AWS_ACCOUNT: AwsAccountId = aws_account_id!("123456789012");
/// The AWS region of stg and prd.
pub const AWS_REGION: AwsRegion = aws_region!("ap-northeast-1");

/// The container image registry of an environment: images built on the developer's machine
/// in dev, AWS ECR in stg and prd.
pub fn registry(env: Env) -> Registry {
    match env {
        Env::Dev => Registry::Local,
        Env::Stg | Env::Prd => Registry::Ecr {
            account: AWS_ACCOUNT,
            region: AWS_REGION,
        },
    }
}

/// The image of a service built by the team at `version` (read from the service's
/// `images.yaml`): `local` (built on the developer's machine, usually `latest`) in dev, `ecr`
/// in stg and prd.
pub fn team_image(env: Env, local: Repository, ecr: Repository, version: ImageVersion) -> Image {
    let repository = match env {
        Env::Dev => local,
        Env::Stg | Env::Prd => ecr,
    };
    Image::at(registry(env), repository, version)
}

/// A namespace; `in_mesh` enrols its pods in the mesh.
fn namespace(env: Env, name: &Name, in_mesh: bool) -> Namespace {
    let mut labels = environment(env).labels();
    if in_mesh {
        labels.extend(mesh().namespace_labels());
    }
    Namespace {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            labels: Some(labels),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// The platform's facts and its own apps, given the services' apps (whose declarations shape
/// the gateways and the Argo CD tree). The facts: the cluster's node groups, the hosts a
/// service may register itself (its managed database's endpoint), the gateway proxies Istio's
/// chart renders (with the ports the services' listeners and the egress routes open), the
/// metrics scraper and the release layout of the Argo CD tree. The apps:
/// - `namespaces`: every namespace, the services' and Istio's gateways' enrolled in the mesh;
/// - `mesh`: mesh-wide STRICT mutual TLS and the services namespace's Sidecar (only
///   registered hosts are reachable). It declares the gateway proxies (rendered by Istio's
///   `gateway` chart) with the ports the services' listeners and the egress routes open, so
///   synth checks routes and Gateways against them;
/// - `egress`: the routes to [`external_hosts`] through the egress gateway;
/// - `external-secrets-crds` and `secrets` (stg, prd): the External Secrets CRDs, owned by the
///   platform (their schema is kumiki's types), and the SecretStore the services'
///   ExternalSecrets read ([`databases`]);
/// - the Argo CD tree ([`gitops`]): `bootstrap`, `root`, `team-app` (the services) and
///   `team-infra` (these apps and the [`charts`]).
pub fn apps(env: Env, services: &[App]) -> (PlatformFacts, Vec<App>) {
    let mesh = mesh();
    let mut namespaces_app = App::new(name!("namespaces"));
    for (name, in_mesh) in [
        (namespaces::SERVICES, true),
        (namespaces::ORCHESTRATION, true),
        (namespaces::ISTIO_SYSTEM, false),
        (namespaces::ISTIO_INGRESS, true),
        (namespaces::ISTIO_EGRESS, true),
        (namespaces::ARGOCD, false),
        (namespaces::PROMETHEUS, false),
        (namespaces::JAEGER, false),
        (namespaces::FLUENT_BIT, false),
    ] {
        namespaces_app.add(namespace(env, &name, in_mesh));
    }
    let mut infra_apps = Vec::new();
    if let Some(node_pools) = node_pools::app(env) {
        namespaces_app.add(namespace(env, &namespaces::KARPENTER, false));
        infra_apps.push(node_pools);
    }
    if let Some(store) = databases::secret_store(env, &namespaces::SERVICES) {
        namespaces_app.add(namespace(env, &namespaces::EXTERNAL_SECRETS, false));
        let mut secrets = App::new(name!("secrets"));
        secrets.add(store);
        // Argo CD's SSO client secret, read from the store of Argo CD's namespace.
        if let (Some(store), Some(credentials)) = (
            databases::secret_store(env, &namespaces::ARGOCD),
            argocd::sso_credentials(env),
        ) {
            secrets.add(store).add(credentials);
        }
        infra_apps.push(secrets);
    }
    let egress = Egress::new(&environment(env))
        .route(external_hosts::httpbin_org())
        .build();
    // Each services namespace's Sidecar lets its proxies see exactly what their declared calls
    // need.
    let calls: Vec<&DeclaredCall> = services.iter().flat_map(App::published::<DeclaredCall>).collect();
    let mut mesh_app = App::new(name!("mesh"));
    mesh_app.add(mesh.strict_mtls());
    for namespace in namespaces::SERVICE_NAMESPACES {
        mesh_app.add(mesh.sidecar(namespace, &calls));
    }
    let gateway_openers: Vec<&App> = services.iter().chain([&egress]).collect();
    for proxy in [&mesh.ingress, &mesh.egress] {
        for (location, message) in proxy.node_port_conflicts(gateway_openers.iter().copied()) {
            mesh_app.report(location, &kumiki::rules::MESH_NODE_PORT, message);
        }
    }
    let facts = PlatformFacts::builder()
        .node_groups(environment(env).node_groups)
        .mesh_root(mesh.root_namespace.clone())
        // The only hosts a service may register itself: its managed database's endpoint.
        .registered_hosts(
            databases::aurora_endpoint(env)
                .iter()
                .map(ToString::to_string)
                .collect(),
        )
        .provided_services(
            [&mesh.ingress, &mesh.egress]
                .iter()
                .map(|proxy| proxy.provided_service(gateway_openers.iter().copied()))
                .collect(),
        )
        .scraper(telemetry::scraper())
        .layout(gitops::gitops(env).layout())
        .authority(authority::authority())
        .build();
    let telemetry = telemetry::app(env);
    let charts = charts::all(env, &gateway_openers);
    let tree = gitops::gitops(env).tree(&[
        Team {
            project: &gitops::projects::INFRA,
            apps: [&namespaces_app, &mesh_app, &egress, &telemetry]
                .into_iter()
                .chain(&infra_apps)
                .collect(),
            charts,
        },
        Team {
            project: &gitops::projects::APP,
            apps: services.iter().collect(),
            charts: Vec::new(),
        },
    ]);
    let mut apps = vec![namespaces_app, mesh_app, egress, telemetry];
    apps.extend(infra_apps);
    apps.extend(tree);
    (facts, apps)
}
