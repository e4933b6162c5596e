//! A service's database in each environment: a MySQL pod with its claim and dev Secret in dev,
//! an ExternalName Service and an ExternalSecret in stg/prd; and the secret checks (no value
//! outside dev, every secret reference resolves), each broken once with its message asserted.

use kumiki::crds::argocd::Application;
use kumiki::crds::external_secrets::{ExternalSecret, ExternalSecretSecretStoreRefKind, SecretStore};
use kumiki::crds::istio::VirtualService;
use kumiki::k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use kumiki::k8s_openapi::api::core::v1::{PersistentVolumeClaim, Secret, Service};
use kumiki::k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kumiki::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kumiki::prelude::*;
use kumiki::synth::Model;
use kumiki_tests::{find, has};
use platform::Env;

fn app(model: &Model, name: &str) -> usize {
    model.apps.iter().position(|app| app.name().as_str() == name).unwrap()
}

/// `name = value` or `name <- secret/key` for each variable of the main container.
fn main_container_env(deployment: &Deployment) -> Vec<String> {
    let pod = deployment.spec.as_ref().unwrap().template.spec.as_ref().unwrap();
    let env = pod.containers[0].env.as_ref().unwrap();
    env.iter()
        .map(|var| match (&var.value, &var.value_from) {
            (Some(value), _) => format!("{} = {value}", var.name),
            (None, Some(from)) => {
                let reference = from.secret_key_ref.as_ref().unwrap();
                format!("{} <- {}/{}", var.name, reference.name, reference.key)
            }
            _ => panic!("variable {} has no value", var.name),
        })
        .collect()
}

const CONNECTION: [&str; 5] = [
    "DB_HOST = account-db",
    "DB_PORT = 3306",
    "DB_DATABASE = account",
    "DB_USERNAME <- account-db-credentials/username",
    "DB_PASSWORD <- account-db-credentials/password",
];

#[test]
fn in_dev_the_database_is_a_single_mysql_pod_governed_by_its_headless_service() {
    let apps = xtask::model(Env::Dev);
    let account = &apps.apps[app(&apps, "account")];
    let stateful_set: &StatefulSet = find(account, "account-db");
    let spec = stateful_set.spec.as_ref().unwrap();
    assert_eq!(spec.replicas, Some(1));
    // The seed's defect I-16: serviceName named the app's Service; here the governing one.
    let governing: &Service = find(account, spec.service_name.as_deref().unwrap());
    assert_eq!(governing.spec.as_ref().unwrap().cluster_ip.as_deref(), Some("None"));
    // Its own claim, not the application source's host path (the seed's D14).
    let claim: &PersistentVolumeClaim = find(account, "account-db-data");
    let pod = spec.template.spec.as_ref().unwrap();
    let data = pod.volumes.iter().flatten().find(|v| v.name == "data").unwrap();
    assert_eq!(
        data.persistent_volume_claim.as_ref().unwrap().claim_name,
        claim.metadata.name.clone().unwrap()
    );
    let mounts = pod.containers[0].volume_mounts.as_ref().unwrap();
    assert!(
        mounts
            .iter()
            .any(|m| m.name == "data" && m.mount_path == "/var/lib/mysql")
    );
    let secret: &Secret = find(account, "account-db-credentials");
    let keys: Vec<&String> = secret.string_data.as_ref().unwrap().keys().collect();
    assert_eq!(keys, ["password", "username"]);
    let deployment: &Deployment = find(account, "account");
    assert_eq!(main_container_env(deployment), CONNECTION);
    // The client Service the app connects to exists under DB_HOST.
    let client: &Service = find(account, "account-db");
    assert_eq!(client.spec.as_ref().unwrap().type_.as_deref(), Some("ClusterIP"));
    // MySQL is opaque TCP: the mesh routes it with a TCP route (an HTTP route never matches).
    let routes: &VirtualService = find(account, "account-db");
    assert!(routes.spec.http.is_none());
    assert_eq!(
        routes.spec.tcp.as_ref().unwrap()[0].r#match.as_ref().unwrap()[0].port,
        Some(3306)
    );
    kumiki::synth::synthesize(apps).expect("dev synthesizes");
}

#[test]
fn in_stg_and_prd_no_database_pod_and_no_secret_value_only_references() {
    for env in [Env::Stg, Env::Prd] {
        let apps = xtask::model(env);
        for app in &apps.apps {
            assert!(!has::<StatefulSet>(app), "{env}/{}: a StatefulSet", app.name());
            assert!(!has::<Secret>(app), "{env}/{}: a Secret", app.name());
            assert!(!has::<PersistentVolumeClaim>(app), "{env}/{}: a claim", app.name());
        }
        let account = &apps.apps[app(&apps, "account")];
        let service: &Service = find(account, "account-db");
        let spec = service.spec.as_ref().unwrap();
        assert_eq!(spec.type_.as_deref(), Some("ExternalName"));
        assert!(spec.external_name.as_deref().unwrap().ends_with(".rds.amazonaws.com"));
        assert!(spec.selector.is_none());
        let external: &ExternalSecret = find(account, "account-db-credentials");
        let target = external.spec.target.as_ref().unwrap();
        assert_eq!(target.name.as_deref(), Some("account-db-credentials"));
        let store_ref = external.spec.secret_store_ref.as_ref().unwrap();
        assert_eq!(store_ref.kind, Some(ExternalSecretSecretStoreRefKind::SecretStore));
        let remote: Vec<(&str, &str)> = (external.spec.data.iter().flatten())
            .map(|d| (d.secret_key.as_str(), d.remote_ref.key.as_str()))
            .collect();
        let key = format!("microservices/{env}/account-db");
        assert_eq!(remote, [("username", key.as_str()), ("password", key.as_str())]);
        let store: &SecretStore = find(&apps.apps[app(&apps, "secrets")], store_ref.name.as_deref().unwrap());
        assert_eq!(store.metadata.namespace, external.metadata.namespace);
        // The operator's chart installs its own definitions (no platform-authored schema in the
        // release), so the chart syncs first (it provides the group) and the store after it.
        assert!(
            (apps.apps.iter().flat_map(|app| app.objects())).all(|declared| declared
                .object
                .as_any()
                .downcast_ref::<CustomResourceDefinition>()
                .is_none()
                || !declared
                    .object
                    .metadata()
                    .name
                    .as_deref()
                    .unwrap_or_default()
                    .ends_with(".external-secrets.io")),
            "the platform authors no External Secrets CRD"
        );
        let team = &apps.apps[app(&apps, "team-infra")];
        let wave = |name: &str| {
            let application: &Application = find(team, name);
            let annotations = application.metadata.annotations.as_ref().unwrap();
            annotations[kumiki::platform::SYNC_WAVE_ANNOTATION]
                .parse::<i32>()
                .unwrap()
        };
        assert!(wave("external-secrets") < wave("secrets"));
        let chart: &Application = find(team, "external-secrets");
        let values = serde_json::to_value(&chart.spec).unwrap();
        assert_eq!(
            values["source"]["helm"]["valuesObject"]["installCRDs"], true,
            "{values}"
        );
        // The app sees the same contract as in dev.
        assert_eq!(main_container_env(find(account, "account")), CONNECTION);
        kumiki::synth::synthesize(apps).expect("synthesizes");
    }
}

#[test]
fn a_secret_value_outside_dev_is_an_error_naming_its_declaration() {
    let mut apps = xtask::model(Env::Prd);
    let index = app(&apps, "account");
    let line = line!() + 1;
    apps.apps[index].add(Secret {
        metadata: ObjectMeta {
            name: Some("api-token".to_owned()),
            namespace: Some("services".to_owned()),
            ..Default::default()
        },
        string_data: Some([("token".to_owned(), "hunter2".to_owned())].into()),
        ..Default::default()
    });
    let errors = kumiki_tests::errors(apps);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].starts_with(&format!("tests/integration/database.rs:{line}: prd/account: ")),
        "{}",
        errors[0]
    );
    assert!(
        errors[0].ends_with(
            "Secret services/api-token carries values (token) in prd: only a development environment may write a \
             secret value; read it from a secret store with an ExternalSecret [rule: secret.value]"
        ),
        "{}",
        errors[0]
    );
    // The same Secret is allowed in dev.
    let mut apps = xtask::model(Env::Dev);
    let index = app(&apps, "account");
    apps.apps[index].add(Secret {
        metadata: ObjectMeta {
            name: Some("api-token".to_owned()),
            namespace: Some("services".to_owned()),
            ..Default::default()
        },
        string_data: Some([("token".to_owned(), "hunter2".to_owned())].into()),
        ..Default::default()
    });
    kumiki::synth::synthesize(apps).expect("dev may hold a secret value");
}

#[test]
fn a_reference_to_a_missing_secret_key_or_store_is_an_error() {
    let mut apps = xtask::model(Env::Prd);
    let index = app(&apps, "account");
    // Rename the key the ExternalSecret writes, and point it at a store that does not exist.
    let mut external: ExternalSecret = find::<ExternalSecret>(&apps.apps[index], "account-db-credentials").clone();
    apps.apps[index].retain(|declared| !declared.object.as_any().is::<ExternalSecret>());
    external.spec.data.as_mut().unwrap()[1].secret_key = "pass".to_owned();
    external.spec.secret_store_ref.as_mut().unwrap().name = Some("vault".to_owned());
    apps.apps[index].add(external);
    let errors = kumiki_tests::errors(apps);
    let messages: Vec<&str> = errors
        .iter()
        .map(|e| e.rsplit_once("prd/account: ").unwrap().1)
        .collect();
    assert_eq!(
        messages,
        [
            "Deployment services/account: variable DB_PASSWORD reads key \"password\" of Secret \
             \"account-db-credentials\", which has only {\"pass\", \"username\"} [rule: secret.reference]",
            "ExternalSecret services/account-db-credentials: SecretStore \"vault\" in services is not declared [rule: secret.store]",
        ],
        "{errors:#?}"
    );
}

struct Cache;
impl ServiceId for Cache {
    const NAME: Name = name!("cache");
}

#[test]
fn a_single_claim_on_more_than_one_replica_is_an_error() {
    let mut redis = Container::<Cache>::new(
        name!("redis"),
        Image::new(Registry::DockerHub, repository!("library/redis"), tag!("7.4.1")),
    );
    let tcp = redis.port(Protocol::Tcp, port_name!("redis"), port!(6379));
    let line = line!() + 5;
    let cache = Microservice::<Cache>::new(&platform::environment(Env::Prd))
        .container(redis)
        .readiness(Probe::tcp(&tcp))
        .liveness(Probe::tcp(&tcp))
        .stateful(VolumeClaim::single(name!("data"), "/data", 1))
        .replicas(2)
        .build();
    let errors = kumiki_tests::errors(kumiki_tests::bare(Env::Prd, vec![cache]));
    assert_eq!(
        errors,
        [format!(
            "tests/integration/database.rs:{line}: prd/cache: claims one volume \"data\" for a single pod, \
             but runs more than one replica: use `VolumeClaim::new` for a claim per pod [rule: microservice.scaling]"
        )]
    );
}

#[test]
fn tcp_routes_are_checked_like_http_routes() {
    let mut apps = xtask::model(Env::Dev);
    let index = app(&apps, "account");
    let mut routes: VirtualService = find::<VirtualService>(&apps.apps[index], "account-db").clone();
    apps.apps[index].retain(|declared| {
        !declared.object.as_any().is::<VirtualService>()
            || declared.object.metadata().name.as_deref() != Some("account-db")
    });
    let tcp = &mut routes.spec.tcp.as_mut().unwrap()[0];
    tcp.route.as_mut().unwrap()[0].destination.port.as_mut().unwrap().number = Some(3307);
    apps.apps[index].add(routes);
    let errors = kumiki_tests::errors(apps);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].ends_with(
            "dev/account: VirtualService services/account-db: routes to port 3307 of Service \"account-db\", which exposes [3306] [rule: mesh.route-target]"
        ),
        "{}",
        errors[0]
    );
}

struct LongName;
impl ServiceId for LongName {
    const NAME: Name = name!("a-service-whose-name-leaves-no-room-for-the-suffix-of-its-dbs");
}

#[test]
fn a_database_whose_server_name_would_be_invalid_is_an_error_at_the_database() {
    let mut web = Container::<LongName>::new(
        name!("web"),
        Image::new(Registry::DockerHub, repository!("acme/web"), tag!("1.0.0")),
    );
    let http = web.port(Protocol::Http, port_name!("web"), port!(8080));
    let service = Microservice::<LongName>::new(&platform::environment(Env::Dev))
        .container(web)
        .readiness(Probe::tcp(&http))
        .liveness(Probe::tcp(&http));
    let database = platform::databases::database(Env::Dev, name!("longname"));
    let line = line!() + 1;
    let app = service.database(database).build();
    let problems: Vec<String> = (app.problems().iter())
        .map(|problem| format!("{}: {} [rule: {}]", problem.location, problem.message, problem.rule.id))
        .collect();
    assert!(
        problems.contains(&format!(
            "{}:{line}: database Service \"a-service-whose-name-leaves-no-room-for-the-suffix-of-its-dbs-db\" is not a \
             valid name (at most 63 characters): shorten the service name [rule: database.server]",
            file!()
        )),
        "{problems:#?}"
    );
}
