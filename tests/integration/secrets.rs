//! Secrets by kind: no value outside development environments and no literal credential,
//! whatever Rust type wrote the object and whether a construct or a patch put it there.

use kumiki::k8s_openapi::api::core::v1::EnvVar;
use kumiki::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kumiki::prelude::*;
use kumiki_tests::{bare, errors, meta, own_kind};
use platform::Env;

/// A Secret written through a type of the service's own: the kind is what counts.
#[derive(serde::Serialize)]
struct PlainSecret {
    #[serde(rename = "apiVersion")]
    api_version: &'static str,
    kind: &'static str,
    metadata: ObjectMeta,
    #[serde(rename = "stringData")]
    string_data: std::collections::BTreeMap<String, String>,
}

own_kind!(PlainSecret, "", "v1", "Secret", "secrets");

#[test]
fn a_secret_value_is_refused_outside_dev_whatever_type_wrote_it() {
    let secret = || PlainSecret {
        api_version: "v1",
        kind: "Secret",
        metadata: meta("sneaky"),
        string_data: [("password".to_owned(), "hunter2".to_owned())].into(),
    };
    let mut app = App::new(name!("sneaky"));
    let line = line!() + 1;
    app.add(secret());
    assert_eq!(
        errors(bare(Env::Prd, vec![app])),
        [format!(
            "{}:{line}: prd/sneaky: Secret services/sneaky carries values (password) in prd: only a development \
             environment may write a secret value; read it from a secret store with an ExternalSecret \
             [rule: secret.value]",
            file!()
        )]
    );
    let mut app = App::new(name!("sneaky"));
    app.add(secret());
    assert_eq!(errors(bare(Env::Dev, vec![app])), Vec::<String>::new());
}

#[test]
fn a_credential_in_a_config_map_is_refused_outside_dev() {
    let config = || kumiki_tests::config_map(Some("services"), "settings", &[("API_TOKEN", "abc"), ("REGION", "eu")]);
    let mut app = App::new(name!("leaky"));
    let line = line!() + 1;
    app.add(config());
    assert_eq!(
        errors(bare(Env::Stg, vec![app])),
        [format!(
            "{}:{line}: stg/leaky: ConfigMap services/settings: key API_TOKEN looks like a credential and holds a \
             literal value in stg: keep it in a secret store and read it through an ExternalSecret \
             [rule: secret.literal]",
            file!()
        )]
    );
    let mut app = App::new(name!("leaky"));
    app.add(config());
    assert_eq!(errors(bare(Env::Dev, vec![app])), Vec::<String>::new());
}

#[test]
fn a_credential_in_a_plain_variable_is_refused_outside_dev_through_the_construct_and_a_patch() {
    let image = Image::new(Registry::DockerHub, repository!("acme/shop"), tag!("1.0.0"));
    let mut web = Container::<kumiki_tests::Shop>::new(name!("web"), image).with_env("DB_PASSWORD", "hunter2");
    let http = web.port(Protocol::Http, port_name!("web"), port!(8080));
    let line = line!() + 1;
    let service = Microservice::<kumiki_tests::Shop>::new(&platform::environment(Env::Prd))
        .container(web)
        .readiness(Probe::tcp(&http))
        .liveness(Probe::tcp(&http));
    let expected = |line: u32, variable: &str| {
        format!(
            "{}:{line}: prd/shop: Deployment services/shop: container \"web\": variable {variable} looks like a \
             credential and holds a literal value in prd: read it from a Secret (`secretKeyRef`) [rule: secret.literal]",
            file!()
        )
    };
    assert_eq!(
        errors(bare(Env::Prd, vec![service.build()])),
        [expected(line, "DB_PASSWORD")]
    );

    let service = kumiki_tests::shop(Env::Prd);
    let patch_line = line!() + 1;
    let app = service.patch_deployment(|deployment| {
        let pod = deployment.spec.as_mut().unwrap().template.spec.as_mut().unwrap();
        pod.containers[0].env = Some(vec![EnvVar {
            name: "STRIPE_API_KEY".to_owned(),
            value: Some("sk_live_123".to_owned()),
            ..Default::default()
        }]);
    });
    assert_eq!(
        errors(bare(Env::Prd, vec![app.build()])),
        [expected(patch_line, "STRIPE_API_KEY")]
    );
}
