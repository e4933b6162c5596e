//! What the API server would reject, refused at synth: names, keys, ports, quantities and
//! labels, through a raw object or a patch; and objects too large for Argo CD to apply.

use kumiki::k8s_openapi::api::core::v1::{EnvVar, Service, ServicePort, ServiceSpec};
use kumiki::k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use kumiki::prelude::*;
use kumiki_tests::{bare, errors, meta};
use platform::Env;

#[test]
fn what_the_api_server_would_reject_is_refused() {
    let mut app = App::new(name!("invalid"));
    let config_line = line!() + 1;
    app.add(kumiki_tests::config_map(
        Some("services"),
        "settings",
        &[("bad key!", "x")],
    ));
    let service_line = line!() + 1;
    app.add(Service {
        metadata: meta("web.v2"),
        spec: Some(ServiceSpec {
            ports: Some(vec![ServicePort {
                port: 70000,
                node_port: Some(80),
                ..Default::default()
            }]),
            ..Default::default()
        }),
        ..Default::default()
    });
    let file = file!();
    assert_eq!(
        errors(bare(Env::Dev, vec![app])),
        [
            format!(
                "{file}:{config_line}: dev/invalid: ConfigMap services/settings: data key \"bad key!\" may contain only letters, digits, '-', '_' and '.' (at most 253) [rule: structure.keys]"
            ),
            format!(
                "{file}:{service_line}: dev/invalid: Service services/web.v2: invalid name \"web.v2\": may contain only lowercase a-z, 0-9 and '-' (a Service name is a DNS label) [rule: structure.name]"
            ),
            format!(
                "{file}:{service_line}: dev/invalid: Service services/web.v2: nodePort 80 is outside the default range 30000..=32767 [rule: structure.ports]"
            ),
            format!(
                "{file}:{service_line}: dev/invalid: Service services/web.v2: port 70000 is outside 1..=65535 [rule: structure.ports]"
            ),
        ]
    );
    let mut app = App::new(name!("invalid"));
    let big_line = line!() + 1;
    app.add(kumiki_tests::config_map(
        Some("services"),
        "big",
        &[("blob", &"x".repeat(300_000))],
    ));
    let big = errors(bare(Env::Dev, vec![app]));
    let prefix = format!("{file}:{big_line}: dev/invalid: ConfigMap services/big: is ");
    let suffix = " bytes of YAML; Argo CD's apply keeps a copy in an annotation limited to 262144 bytes: split it (a ConfigMap per file, say) [rule: object.size]";
    assert_eq!(big.len(), 1, "{big:?}");
    let size: usize = big[0]
        .strip_prefix(&prefix)
        .and_then(|rest| rest.strip_suffix(suffix))
        .unwrap()
        .parse()
        .unwrap();
    assert!(size > 300_000, "{size}");
}

#[test]
fn invalid_variable_names_quantities_and_labels_are_refused_through_a_patch() {
    let service = kumiki_tests::shop(Env::Dev);
    let line = line!() + 1;
    let app = service.patch_deployment(|deployment| {
        let template = &mut deployment.spec.as_mut().unwrap().template;
        (template.metadata.as_mut().unwrap().labels.as_mut().unwrap())
            .insert("tier".to_owned(), "front end".to_owned());
        let container = &mut template.spec.as_mut().unwrap().containers[0];
        container.env = Some(vec![EnvVar {
            name: "1ST_VALUE".to_owned(),
            value: Some("x".to_owned()),
            ..Default::default()
        }]);
        let requests = container.resources.as_mut().unwrap().requests.as_mut().unwrap();
        requests.insert("cpu".to_owned(), Quantity("lots".to_owned()));
    });
    let at = |message: &str| format!("{}:{line}: dev/shop: Deployment services/shop: {message}", file!());
    assert_eq!(
        errors(bare(Env::Dev, vec![app.build()])),
        [
            at("container \"web\": cpu \"lots\" is not a quantity [rule: structure.quantity]"),
            at(
                "container \"web\": variable name \"1ST_VALUE\" may contain only letters, digits, '_', '-' and '.', and not start with a digit [rule: structure.keys]"
            ),
            at(
                "pod template label: label tier: invalid label value \"front end\": may contain only A-Z, a-z, 0-9, '-', '_' and '.' [rule: structure.labels]"
            ),
        ]
    );
}
