//! The platform definition, owned by the SRE team: the facts every service builds on.
//!
//! What lives here is policy, visible in review: namespaces, standard labels, the image
//! registry of each environment. Services read it; they never redefine it.

use std::collections::BTreeMap;

use kumiki::k8s_openapi::api::core::v1::Namespace;
use kumiki::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kumiki::prelude::*;

/// Namespaces of the platform.
pub mod namespaces {
    use kumiki::prelude::*;

    /// Where every microservice runs.
    pub const SERVICES: Name = name!("services");
}

/// The value of `app.kubernetes.io/part-of` on everything the platform deploys.
pub const PART_OF: &str = "microservices";

/// The labels that select an app's pods: stable for the life of a workload, because a
/// workload's selector cannot change.
pub fn selector_labels(app: &Name) -> BTreeMap<String, String> {
    BTreeMap::from([("app.kubernetes.io/name".to_owned(), app.to_string())])
}

/// The labels every object of an app carries: its selector labels plus `part-of`,
/// `managed-by` and `env`, one scheme for the whole platform.
pub fn standard_labels(app: &Name, env: Env) -> BTreeMap<String, String> {
    let mut labels = selector_labels(app);
    labels.insert("app.kubernetes.io/part-of".to_owned(), PART_OF.to_owned());
    labels.insert("app.kubernetes.io/managed-by".to_owned(), "kumiki".to_owned());
    labels.insert("env".to_owned(), env.to_string());
    labels
}

/// The container image registry of an environment: AWS ECR in stg and prd, images built
/// on the developer's machine in dev.
pub enum Registry {
    /// Images built locally and loaded into the dev cluster.
    Local,
    /// An ECR registry: `<account>.dkr.ecr.<region>.amazonaws.com`.
    Ecr {
        /// The 12-digit AWS account id.
        account_id: &'static str,
        /// The AWS region.
        region: &'static str,
    },
}

/// The registry each environment pulls from.
pub fn registry(env: Env) -> Registry {
    match env {
        Env::Dev => Registry::Local,
        // The seed platform never states its account id; this is a placeholder to replace.
        Env::Stg | Env::Prd => Registry::Ecr {
            account_id: "123456789012",
            region: "ap-northeast-1",
        },
    }
}

impl Registry {
    /// The image reference for `repository` at `tag`: `<repository>:<tag>` locally,
    /// `<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>` on ECR.
    pub fn image(&self, repository: &str, tag: &str) -> String {
        match self {
            Registry::Local => format!("{repository}:{tag}"),
            Registry::Ecr { account_id, region } => {
                format!("{account_id}.dkr.ecr.{region}.amazonaws.com/{repository}:{tag}")
            }
        }
    }
}

/// The platform's own app, `shared`: the namespaces the services run in.
pub fn apps(env: Env) -> Vec<App> {
    let mut shared = App::new(name!("shared"));
    shared.add(Namespace {
        metadata: ObjectMeta {
            name: Some(namespaces::SERVICES.to_string()),
            labels: Some(standard_labels(&name!("shared"), env)),
            ..Default::default()
        },
        ..Default::default()
    });
    vec![shared]
}
