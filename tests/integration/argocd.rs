//! Argo CD from the model: the app-of-apps tree follows the apps, and the synth-time rules over
//! Applications and AppProjects (each test breaks one and asserts the message).

use kumiki::crds::argocd::{AppProject, Application, ApplicationDestination, ApplicationSource, ApplicationSpec};
use kumiki::crds::external_secrets::ExternalSecret;
use kumiki::k8s_openapi::api::rbac::v1::ClusterRole;
use kumiki::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kumiki::platform::{GatewayListener, Grant, HelmChart, Kind, Right, Team};
use kumiki::prelude::*;
use kumiki::synth::Model;
use kumiki_tests::{app, app_mut, config_map, errors, find};
use platform::Env;

struct Ledger;
impl ServiceId for Ledger {
    const NAME: Name = name!("ledger");
}

/// A new service, as a freshly added crate would declare it.
fn ledger(env: Env) -> App {
    let mut web = Container::<Ledger>::new(
        name!("web"),
        Image::new(Registry::DockerHub, repository!("acme/ledger"), tag!("1.0.0")),
    );
    let http = web.port(Protocol::Http, port_name!("ledger"), port!(8080));
    Microservice::<Ledger>::new(&platform::environment(env))
        .container(web)
        .readiness(Probe::tcp(&http))
        .liveness(Probe::tcp(&http))
        .expose(port!(50010), &http)
        .build()
}

/// The registered services plus `extra`, with the platform built around them.
fn model_with(env: Env, extra: Vec<App>) -> Model {
    let mut services: Vec<App> = xtask::workspace().service_apps(env);
    services.extend(extra);
    kumiki_tests::with_platform(env, services)
}

/// The app named `name` of a tree `GitOps::tree` built.
fn tree_app<'a>(apps: &'a [App], name: &str) -> &'a App {
    apps.iter().find(|app| app.name().as_str() == name).unwrap()
}

/// The messages (without location and app path) of `errors`.
fn messages(errors: &[String]) -> Vec<&str> {
    errors
        .iter()
        .map(|e| e.split_once(": ").unwrap().1.split_once(": ").unwrap().1)
        .collect()
}

#[test]
fn adding_a_service_adds_its_application_in_every_environment_and_removing_it_removes_both() {
    for env in Env::ALL {
        let with_ledger = model_with(env, vec![ledger(env)]);
        let application = find::<Application>(app(&with_ledger, "team-app"), "ledger");
        assert_eq!(application.spec.project, "app");
        assert_eq!(
            application.spec.source.as_ref().unwrap().path.as_deref(),
            Some(format!("release/{env}/ledger").as_str())
        );
        assert_eq!(application.spec.destination.namespace.as_deref(), Some("services"));
        let release = kumiki::synth::synthesize(with_ledger).unwrap();
        assert!(release.files.contains_key("team-app/argocd.application.ledger.yaml"));
        assert!(release.files.keys().any(|path| path.starts_with("ledger/")));

        let without = kumiki::synth::synthesize(model_with(env, Vec::new())).unwrap();
        assert!(!without.files.keys().any(|path| path.contains("ledger")));
    }
}

#[test]
fn the_root_is_bootstrapped_and_projects_are_least_privilege() {
    let apps = model_with(Env::Prd, Vec::new());
    let bootstrap = app(&apps, "bootstrap");
    let root = find::<Application>(bootstrap, "root");
    assert_eq!(
        root.spec.source.as_ref().unwrap().path.as_deref(),
        Some("release/prd/root")
    );
    let root_project = find::<AppProject>(bootstrap, "root");
    assert_eq!(root_project.spec.destinations.as_ref().map(Vec::len), Some(1));

    let project = find::<AppProject>(app(&apps, "root"), "app");
    let namespaces: Vec<&str> = (project.spec.destinations.iter().flatten())
        .filter_map(|d| d.namespace.as_deref())
        .collect();
    assert_eq!(namespaces, ["orchestration", "services"]);
    // Written out empty: that is what denies every cluster-scoped kind.
    assert_eq!(project.spec.cluster_resource_whitelist.as_ref().map(Vec::len), Some(0));
    assert_eq!(
        project.spec.source_repos.as_deref(),
        Some(&[platform::gitops::REPOSITORY.to_owned()][..])
    );
    let infra = find::<AppProject>(app(&apps, "root"), "infra");
    assert!(!infra.spec.source_repos.iter().flatten().any(|repo| repo == "*"));
    assert!((infra.spec.cluster_resource_whitelist.iter().flatten()).any(|gk| gk.kind == "Namespace"));
}

#[test]
fn waves_put_namespaces_and_crds_before_what_uses_them() {
    let apps = model_with(Env::Prd, Vec::new());
    let wave = |app_name: &str, name: &str| -> i32 {
        let application = find::<Application>(app(&apps, app_name), name);
        application.metadata.annotations.as_ref().unwrap()[kumiki::platform::SYNC_WAVE_ANNOTATION]
            .parse()
            .unwrap()
    };
    assert!(wave("team-infra", "namespaces") < wave("team-infra", "istio-base"));
    assert!(wave("team-infra", "istio-base") < wave("team-infra", "mesh"));
    assert!(wave("team-infra", "istio-base") < wave("team-infra", "istiod"));
    assert!(wave("team-infra", "istiod") < wave("team-infra", "istio-ingressgateway"));
    // The services need the infra team's namespace and Istio's CRDs.
    assert!(wave("root", "team-infra") < wave("root", "team-app"));
}

#[test]
fn the_gateway_chart_gets_the_listeners_ports() {
    let apps = model_with(Env::Dev, Vec::new());
    let gateway = find::<Application>(app(&apps, "team-infra"), "istio-ingressgateway");
    let source = gateway.spec.source.as_ref().unwrap();
    let values = source.helm.as_ref().unwrap().values_object.as_ref().unwrap();
    assert_eq!(values["service"]["type"], "NodePort");
    let ports: Vec<(u64, Option<u64>)> = (values["service"]["ports"].as_array().unwrap().iter())
        .map(|p| (p["port"].as_u64().unwrap(), p["nodePort"].as_u64()))
        .collect();
    // Whatever the services declare: every listener published on the ingress proxy, in port order.
    let ingress = platform::mesh().ingress.name;
    let mut declared: Vec<(u64, Option<u64>)> = (apps.apps.iter())
        .flat_map(|app| app.published::<GatewayListener>())
        .filter(|published| published.proxy == ingress)
        .map(|published| {
            let listener = &published.listener;
            let node_port = listener.node_port.map(|node_port| u64::from(node_port.get()));
            (u64::from(listener.port.get()), node_port)
        })
        .collect();
    declared.sort();
    declared.dedup();
    assert!(!declared.is_empty(), "the reference platform has ingress listeners");
    assert_eq!(ports, declared);
}

/// A hand-written Application in the app team's parent directory.
fn stray_application(project: &str, path: &str, namespace: &str) -> Application {
    Application {
        metadata: ObjectMeta {
            name: Some("stray".to_owned()),
            namespace: Some("argocd".to_owned()),
            ..Default::default()
        },
        spec: ApplicationSpec {
            project: project.to_owned(),
            source: Some(ApplicationSource {
                repo_url: platform::gitops::REPOSITORY.to_owned(),
                path: Some(path.to_owned()),
                target_revision: Some("main".to_owned()),
                ..Default::default()
            }),
            destination: ApplicationDestination {
                server: Some("https://kubernetes.default.svc".to_owned()),
                namespace: Some(namespace.to_owned()),
                ..Default::default()
            },
            ..Default::default()
        },
    }
}

#[test]
fn an_application_path_must_be_an_app_directory() {
    let mut apps = model_with(Env::Prd, Vec::new());
    app_mut(&mut apps, "team-app").add(stray_application("app", "release/prd/ghost", "services"));
    assert_eq!(
        messages(&errors(apps)),
        [
            "Application argocd/stray: syncs path \"release/prd/ghost\", which is not an app directory of release/prd [rule: argocd.source]"
        ]
    );
}

#[test]
fn an_application_syncs_exactly_one_source_the_checks_can_read() {
    // `sources` would sync a repository no project rule is checked against.
    let mut apps = model_with(Env::Prd, Vec::new());
    let mut stray = stray_application("app", "release/prd/account", "services");
    stray.spec.source = None;
    stray.spec.sources = Some(vec![kumiki::crds::argocd::ApplicationSources {
        repo_url: "https://github.com/elsewhere/manifests.git".to_owned(),
        path: Some("cluster-admin".to_owned()),
        ..Default::default()
    }]);
    let line = line!() + 1;
    app_mut(&mut apps, "team-app").add(stray);
    assert_eq!(
        errors(apps),
        [format!(
            "{}:{line}: prd/team-app: Application argocd/stray: must have exactly one `source` (kumiki checks what \
             it syncs; `sources` and `sourceHydrator` are not checked) [rule: argocd.source]",
            file!()
        )]
    );
}

#[test]
fn an_app_directory_must_be_synced_by_exactly_one_application() {
    // An app the tree was not told about: nothing would ever sync its directory.
    let mut apps = model_with(Env::Prd, Vec::new());
    apps.apps.push(ledger(Env::Prd));
    assert_eq!(
        messages(&errors(apps)),
        ["app directory release/prd/ledger is synced by no Application [rule: argocd.app-synced]"]
    );

    let mut apps = model_with(Env::Prd, Vec::new());
    app_mut(&mut apps, "team-app").add(stray_application("app", "release/prd/account", "services"));
    assert_eq!(
        messages(&errors(apps)),
        ["app directory release/prd/account is synced by 2 Applications: account, stray [rule: argocd.app-synced]"]
    );
}

#[test]
fn an_application_must_name_a_declared_project() {
    let mut apps = model_with(Env::Prd, Vec::new());
    app_mut(&mut apps, "team-app").add(stray_application("billing", "release/prd/account", "services"));
    let errors = errors(apps);
    let messages = messages(&errors);
    assert!(
        messages.contains(
            &"Application argocd/stray: names project \"billing\", which no AppProject declares [rule: argocd.project]"
        ),
        "{errors:?}"
    );
}

#[test]
fn a_destination_must_be_a_namespace_of_the_model() {
    let mut apps = model_with(Env::Prd, Vec::new());
    let mut stray = stray_application("app", "release/prd/account", "payments");
    stray.metadata.name = Some("account-copy".to_owned());
    app_mut(&mut apps, "team-app").add(stray);
    let errors = errors(apps);
    let messages = messages(&errors);
    assert!(
        messages.contains(
            &"Application argocd/account-copy: deploys to namespace \"payments\", which is not a Namespace of the model [rule: argocd.destination]"
        ),
        "{errors:?}"
    );
    assert!(
        messages.contains(&"Application argocd/account-copy: project \"app\" does not allow namespace \"payments\" [rule: argocd.project]"),
        "{errors:?}"
    );
}

#[test]
fn a_team_cannot_widen_its_project_by_writing_more() {
    // A service crate writes into a system namespace, a cluster-scoped kind and a mesh-wide
    // security kind, each granted to it by the platform's authority but not by its Argo CD
    // project: each is an error at the line that added it (Argo CD would refuse to sync it),
    // and the project stays as the platform declared it.
    let mut services: Vec<App> = xtask::workspace().service_apps(Env::Prd);
    let account = services
        .iter_mut()
        .find(|app| app.name().as_str() == "account")
        .unwrap();
    let config_line = line!() + 1;
    account.add(config_map(Some("prometheus"), "scrape", &[]));
    let role_line = line!() + 1;
    account.add(ClusterRole {
        metadata: ObjectMeta {
            name: Some("account-reader".to_owned()),
            ..Default::default()
        },
        ..Default::default()
    });
    let peer_line = line!() + 1;
    account.add(kumiki::crds::istio::PeerAuthentication {
        metadata: ObjectMeta {
            name: Some("permissive".to_owned()),
            namespace: Some("services".to_owned()),
            ..Default::default()
        },
        spec: kumiki::crds::istio::PeerAuthenticationSpec {
            mtls: Some(kumiki::crds::istio::PeerAuthenticationMtls {
                mode: Some(kumiki::crds::istio::PeerAuthenticationMtlsMode::Permissive),
            }),
            ..Default::default()
        },
    });
    let mut apps = kumiki_tests::with_platform(Env::Prd, services);
    apps.facts.authority.grants.extend([
        Grant::new("account", Right::Namespace(name!("prometheus")), "a granted namespace"),
        Grant::new(
            "account",
            Right::Kind(Kind::new("rbac.authorization.k8s.io", "ClusterRole")),
            "a granted kind",
        ),
        Grant::new(
            "account",
            Right::Kind(Kind::new("security.istio.io", "PeerAuthentication")),
            "a granted kind",
        ),
    ]);
    let project = (apps.apps.iter())
        .find(|app| app.name().as_str() == "root")
        .map(|root| find::<AppProject>(root, "app").clone())
        .unwrap();
    let namespaces: Vec<&str> = (project.spec.destinations.iter().flatten())
        .filter_map(|d| d.namespace.as_deref())
        .collect();
    assert_eq!(namespaces, ["orchestration", "services"]);
    assert_eq!(project.spec.cluster_resource_whitelist.as_ref().map(Vec::len), Some(0));
    let file = file!();
    let outside = "outside the boundary project \"app\" declares (Application argocd/account) [rule: argocd.boundary]";
    assert_eq!(
        errors(apps),
        [
            format!("{file}:{config_line}: prd/account: ConfigMap scrape is in namespace \"prometheus\", {outside}"),
            format!(
                "{file}:{role_line}: prd/account: ClusterRole account-reader is cluster-scoped, of kind ClusterRole \
                 (group \"rbac.authorization.k8s.io\"), {outside}"
            ),
            format!(
                "{file}:{peer_line}: prd/account: PeerAuthentication permissive is of kind PeerAuthentication \
                 (group \"security.istio.io\"), {outside}"
            ),
        ]
    );
}

#[test]
fn a_dependency_cycle_cannot_be_ordered_in_waves() {
    // The app creates the namespace the chart installs into and uses the CRDs the chart
    // installs: neither can go first.
    let mut tenant = App::new(name!("tenant"));
    tenant.add(kumiki::k8s_openapi::api::core::v1::Namespace {
        metadata: ObjectMeta {
            name: Some("tenant".to_owned()),
            ..Default::default()
        },
        ..Default::default()
    });
    tenant.add(platform::mesh().sidecar(&name!("tenant"), &[]));
    let mut chart = HelmChart::new(
        name!("tenant-istio"),
        "https://istio-release.storage.googleapis.com/charts",
        "base",
        platform::charts::ISTIO_VERSION,
        name!("tenant"),
        kumiki::serde_json::json!({}),
    );
    chart.provides_api_groups = vec!["networking.istio.io"];
    let apps = platform::gitops::gitops(Env::Prd).tree(&[Team {
        project: &platform::gitops::projects::INFRA,
        apps: vec![&tenant],
        charts: vec![chart],
    }]);
    let root = tree_app(&apps, "root");
    let problems: Vec<String> = (root.problems().iter())
        .map(|problem| format!("{} [rule: {}]", problem.message, problem.rule.id))
        .collect();
    assert_eq!(
        problems,
        [
            "tenant of project infra needs, through other apps, what it provides itself: sync waves cannot order them (move what the others need into an app of its own) [rule: gitops.tree]"
        ]
    );
}

#[test]
fn a_project_whose_parent_name_would_be_too_long_is_reported_not_renamed() {
    let long = kumiki::platform::Project {
        name: name!("a-project-name-of-sixty-characters-which-is-valid-on-its-own"),
        description: "too long once prefixed with team-",
        boundary: kumiki::platform::Boundary::services(&[]),
    };
    let apps = platform::gitops::gitops(Env::Prd).tree(&[Team {
        project: &long,
        apps: Vec::new(),
        charts: Vec::new(),
    }]);
    let problems: Vec<String> = (tree_app(&apps, "root").problems().iter())
        .map(|problem| format!("{} [rule: {}]", problem.message, problem.rule.id))
        .collect();
    assert_eq!(
        problems,
        [
            "project a-project-name-of-sixty-characters-which-is-valid-on-its-own: its parent app name \"team-a-project-name-of-sixty-characters-which-is-valid-on-its-own\" is longer than 63 characters [rule: gitops.tree]"
        ]
    );
    assert!(!apps.iter().any(|app| app.name().as_str().starts_with("team")));
}

#[test]
fn a_chart_outside_its_teams_boundary_is_reported_at_its_declaration() {
    let line = line!() + 1;
    let mut chart = HelmChart::new(
        name!("operator"),
        "https://charts.example.com",
        "operator",
        platform::charts::ISTIO_VERSION,
        name!("payments"),
        kumiki::serde_json::json!({}),
    );
    chart.cluster_kinds = vec![kumiki::platform::GroupKind {
        group: "rbac.authorization.k8s.io".to_owned(),
        kind: "ClusterRole".to_owned(),
    }];
    let apps = platform::gitops::gitops(Env::Prd).tree(&[Team {
        project: &platform::gitops::projects::APP,
        apps: Vec::new(),
        charts: vec![chart],
    }]);
    let problems: Vec<String> = (tree_app(&apps, "team-app").problems().iter())
        .map(|problem| format!("{}: {} [rule: {}]", problem.location, problem.message, problem.rule.id))
        .collect();
    assert_eq!(
        problems,
        [
            format!(
                "{}:{line}: chart operator installs into namespace payments, outside project app's boundary [rule: gitops.chart-boundary]",
                file!()
            ),
            format!(
                "{}:{line}: chart operator installs cluster-scoped kind ClusterRole (group \"rbac.authorization.k8s.io\"), outside project app's boundary [rule: gitops.chart-boundary]",
                file!()
            ),
        ]
    );
}

/// The values of Argo CD's own chart Application in `env`.
fn argo_cd_values(env: Env) -> kumiki::serde_json::Value {
    let apps = xtask::model(env);
    let application = find::<Application>(app(&apps, "team-infra"), "argo-cd");
    let helm = application.spec.source.as_ref().unwrap().helm.as_ref().unwrap();
    kumiki::serde_json::to_value(helm.values_object.as_ref().unwrap()).unwrap()
}

#[test]
fn argo_cd_is_a_chart_application_configured_from_the_model() {
    for env in Env::ALL {
        let values = argo_cd_values(env);
        let rbac = &values["configs"]["rbac"];
        // A role per project of the tree, on its own Applications, given to its team's group.
        for access in platform::argocd::access() {
            let name = access.project.name.to_string();
            assert_eq!(
                rbac[format!("policy.{name}.csv")],
                format!("p, role:{name}, applications, *, {name}/*, allow"),
                "{env}"
            );
            assert_eq!(
                rbac[format!("policy.{name}-members.csv")],
                format!("g, {}, role:{name}", access.group)
            );
        }
        let projects: Vec<String> = (xtask::model(env).apps.iter())
            .flat_map(|app| app.objects())
            .filter(|declared| declared.object.kind() == "AppProject")
            .map(|declared| declared.object.metadata().name.clone().unwrap())
            .collect();
        for project in &projects {
            assert!(
                rbac.get(format!("policy.{project}.csv")).is_some(),
                "{env}: no role for project {project}"
            );
        }
        assert_eq!(rbac["policy.default"], "", "{env}: no access without a role");
        // The health check the sync waves wait on.
        let health = &values["configs"]["cm"][kumiki::platform::APPLICATION_HEALTH_KEY];
        assert!(health.as_str().unwrap().contains("obj.status.health.status"), "{env}");
        assert_eq!(values["global"]["image"]["tag"], platform::argocd::ARGOCD_VERSION);
    }
    // stg and prd: GitHub sign-in with the secret by reference only, pods on `deploy`.
    for env in [Env::Stg, Env::Prd] {
        let values = argo_cd_values(env);
        let dex: kumiki::serde_json::Value =
            kumiki::serde_json::from_str(values["configs"]["cm"]["dex.config"].as_str().unwrap()).unwrap();
        let config = &dex["connectors"][0]["config"];
        assert_eq!(config["clientSecret"], "$argocd-dex-github:clientSecret", "{env}");
        assert_eq!(config["clientID"], "$argocd-dex-github:clientID", "{env}");
        assert_eq!(values["dex"]["enabled"], true);
        let required = &values["global"]["affinity"]["nodeAffinity"];
        assert_eq!(required["type"], "hard");
        assert_eq!(required["matchExpressions"][0]["values"][0], "deploy");
        assert_eq!(values["global"]["tolerations"][0]["value"], "deploy");
        // The secret the references name is the operator's, from the store of Argo CD's namespace.
        let apps = xtask::model(env);
        let credentials = find::<ExternalSecret>(app(&apps, "secrets"), "argocd-dex-github");
        let target = credentials.spec.target.as_ref().unwrap();
        let labels = target
            .template
            .as_ref()
            .unwrap()
            .metadata
            .as_ref()
            .unwrap()
            .labels
            .as_ref()
            .unwrap();
        assert_eq!(labels["app.kubernetes.io/part-of"], "argocd");
        assert!(kumiki::synth::synthesize(apps).is_ok());
    }
    // dev signs in as Argo CD's admin: no SSO, no secret store.
    let dev = argo_cd_values(Env::Dev);
    assert_eq!(dev["dex"]["enabled"], false);
    assert!(dev["configs"]["cm"].get("dex.config").is_none());
}

#[test]
fn a_service_boundary_follows_whether_the_environment_has_a_mesh() {
    use kumiki::platform::{Boundary, SERVICE_KINDS, SERVICE_KINDS_WITHOUT_MESH};
    const SERVICES: &[kumiki::prelude::Name] = &[platform::namespaces::SERVICES];
    let meshed = platform::environment(platform::Env::Prd);
    assert_eq!(
        Boundary::services_in(&meshed, SERVICES).namespaced_kinds,
        Some(SERVICE_KINDS)
    );
    let mut plain = meshed.clone();
    plain.mesh = None;
    assert_eq!(
        Boundary::services_in(&plain, SERVICES).namespaced_kinds,
        Some(SERVICE_KINDS_WITHOUT_MESH)
    );
}
