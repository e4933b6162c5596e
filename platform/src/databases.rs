//! The services' databases: where each environment keeps them, and where their credentials
//! come from.
//!
//! - dev: one MySQL pod per service in the cluster, with throw-away credentials (the seed's
//!   `dev_user` / `dev_password`) in a Secret;
//! - stg, prd: Aurora MySQL outside the cluster, one cluster per environment; credentials in
//!   AWS Secrets Manager under `<part-of>/<env>/<service>-db` (JSON fields `username`,
//!   `password`), copied into the cluster by the External Secrets Operator through the
//!   SecretStore [`SECRET_STORE`] of the services namespace (only that namespace may read the
//!   store).

use kumiki::crds::external_secrets::{
    SecretStore, SecretStoreProvider, SecretStoreProviderAws, SecretStoreProviderAwsService, SecretStoreSpec,
};
use kumiki::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kumiki::platform::{Database, DatabaseServer, DevCredentials, InClusterMySql, ManagedMySql};
use kumiki::prelude::*;

use crate::{Env, Stage};
use kumiki::values::Subdomain;

use crate::{AWS_REGION, PART_OF, environment};

/// The SecretStore of the services namespace, reading AWS Secrets Manager (stg and prd).
pub const SECRET_STORE: Name = name!("aws-secrets-manager");

/// Database `name` of a service in `env`; the service passes it to `Microservice::database`.
///
/// The Aurora endpoints are placeholders: the seed platform never wired Aurora (its defect
/// D10), so they are to be replaced like the account id.
pub fn database(env: Env, name: Name) -> Database {
    let aurora = |endpoint: Subdomain| {
        DatabaseServer::Managed(ManagedMySql {
            endpoint,
            store: SECRET_STORE,
            key: format!("{PART_OF}/{env}/{name}-db"),
        })
    };
    let server = match env.stage() {
        Stage::Dev(dev) => DatabaseServer::InCluster(InClusterMySql {
            image: Image::new(Registry::DockerHub, repository!("library/mysql"), tag!("8.4.3")),
            storage_gib: 5,
            credentials: DevCredentials::new(dev, "dev_user", "dev_password"),
        }),
        Stage::Stg => aurora(STG_AURORA),
        Stage::Prd => aurora(PRD_AURORA),
    };
    Database::new(name, server)
}

/// The Aurora cluster endpoint of stg.
const STG_AURORA: Subdomain = subdomain!("microservices-stg.cluster-c0ffee000001.ap-northeast-1.rds.amazonaws.com");
/// The Aurora cluster endpoint of prd.
const PRD_AURORA: Subdomain = subdomain!("microservices-prd.cluster-c0ffee000002.ap-northeast-1.rds.amazonaws.com");

/// The Aurora cluster endpoint of `env` (none in dev): the one host outside the cluster a
/// service registers with the mesh itself (its database's ServiceEntry); the platform declares
/// it ([`kumiki::platform::RegisteredHosts`]), so no service can register another.
pub fn aurora_endpoint(env: Env) -> Option<Subdomain> {
    match env {
        Env::Dev => None,
        Env::Stg => Some(STG_AURORA),
        Env::Prd => Some(PRD_AURORA),
    }
}

/// The SecretStore of `namespace` in `env` (an ExternalSecret reads the store of its own
/// namespace), where credentials are kept outside the cluster: AWS Secrets Manager in the
/// registry's region, read with the operator's own IAM role (IRSA, set on its ServiceAccount by
/// the `external-secrets` chart). None in dev.
pub fn secret_store(env: Env, namespace: &Name) -> Option<SecretStore> {
    if env == Env::Dev {
        return None;
    }
    Some(SecretStore {
        metadata: ObjectMeta {
            name: Some(SECRET_STORE.to_string()),
            namespace: Some(namespace.to_string()),
            labels: Some(environment(env).labels()),
            ..Default::default()
        },
        spec: SecretStoreSpec {
            provider: SecretStoreProvider {
                // Without `auth`, the operator uses its own pod's credentials (IRSA).
                aws: Some(SecretStoreProviderAws {
                    service: SecretStoreProviderAwsService::SecretsManager,
                    region: AWS_REGION.to_string(),
                    additional_roles: None,
                    auth: None,
                    custom_session_tags: None,
                    external_id: None,
                    prefix: None,
                    role: None,
                    secrets_manager: None,
                    session_tags: None,
                    session_tags_policy: None,
                    transitive_tag_keys: None,
                }),
                ..Default::default()
            },
            ..Default::default()
        },
    })
}
