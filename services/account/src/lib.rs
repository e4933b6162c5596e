//! The account service: Go / Gin, listening on 8080, reached in the mesh on Service port 50000.

use std::collections::BTreeMap;

use kumiki::k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use kumiki::k8s_openapi::api::core::v1::{
    Capabilities, Container, ContainerPort, PodSecurityContext, PodSpec, PodTemplateSpec, Probe, ResourceRequirements,
    SeccompProfile, SecurityContext, Service, ServicePort, ServiceSpec, TCPSocketAction,
};
use kumiki::k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use kumiki::k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use kumiki::k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kumiki::prelude::*;
use platform::namespaces;

const NAME: Name = name!("account");
const CONTAINER_PORT: PortNumber = port!(8080);
const SERVICE_PORT: PortNumber = port!(50000);
const PORT_NAME: &str = "http";

/// The account app of `env`: its Deployment and Service.
pub fn app(env: Env) -> App {
    let image = match env {
        Env::Dev => platform::registry(env).image("account-gin", "latest"),
        Env::Stg | Env::Prd => platform::registry(env).image("account-gin-repository", "d74ac1c"),
    };
    let replicas = match env {
        Env::Dev => 1,
        Env::Stg | Env::Prd => 2,
    };
    let mut app = App::new(NAME);
    app.add(deployment(env, image, replicas));
    app.add(service(env));
    app
}

fn metadata(env: Env) -> ObjectMeta {
    ObjectMeta {
        name: Some(NAME.to_string()),
        namespace: Some(namespaces::SERVICES.to_string()),
        labels: Some(platform::standard_labels(&NAME, env)),
        ..Default::default()
    }
}

fn deployment(env: Env, image: String, replicas: i32) -> Deployment {
    let tcp_probe = || Probe {
        tcp_socket: Some(TCPSocketAction {
            port: IntOrString::String(PORT_NAME.to_owned()),
            host: None,
        }),
        period_seconds: Some(10),
        ..Default::default()
    };
    let resources = BTreeMap::from([
        ("cpu".to_owned(), Quantity("100m".to_owned())),
        ("memory".to_owned(), Quantity("128Mi".to_owned())),
    ]);
    Deployment {
        metadata: metadata(env),
        spec: Some(DeploymentSpec {
            replicas: Some(replicas),
            selector: LabelSelector {
                match_labels: Some(platform::selector_labels(&NAME)),
                ..Default::default()
            },
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(platform::standard_labels(&NAME, env)),
                    ..Default::default()
                }),
                spec: Some(PodSpec {
                    automount_service_account_token: Some(false),
                    security_context: Some(PodSecurityContext {
                        run_as_non_root: Some(true),
                        run_as_user: Some(10001),
                        seccomp_profile: Some(SeccompProfile {
                            type_: "RuntimeDefault".to_owned(),
                            ..Default::default()
                        }),
                        ..Default::default()
                    }),
                    containers: vec![Container {
                        name: "gin".to_owned(),
                        image: Some(image),
                        ports: Some(vec![ContainerPort {
                            name: Some(PORT_NAME.to_owned()),
                            container_port: CONTAINER_PORT.get().into(),
                            ..Default::default()
                        }]),
                        readiness_probe: Some(tcp_probe()),
                        liveness_probe: Some(tcp_probe()),
                        resources: Some(ResourceRequirements {
                            requests: Some(resources.clone()),
                            limits: Some(resources),
                            ..Default::default()
                        }),
                        security_context: Some(SecurityContext {
                            allow_privilege_escalation: Some(false),
                            read_only_root_filesystem: Some(true),
                            capabilities: Some(Capabilities {
                                drop: Some(vec!["ALL".to_owned()]),
                                add: None,
                            }),
                            ..Default::default()
                        }),
                        ..Default::default()
                    }],
                    ..Default::default()
                }),
            },
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn service(env: Env) -> Service {
    Service {
        metadata: metadata(env),
        spec: Some(ServiceSpec {
            selector: Some(platform::selector_labels(&NAME)),
            ports: Some(vec![ServicePort {
                name: Some(PORT_NAME.to_owned()),
                app_protocol: Some("http".to_owned()),
                port: SERVICE_PORT.get().into(),
                target_port: Some(IntOrString::String(PORT_NAME.to_owned())),
                ..Default::default()
            }]),
            ..Default::default()
        }),
        ..Default::default()
    }
}
