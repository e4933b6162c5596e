//! A service's own MySQL database, as each environment provides it.
//!
//! The service sees one contract everywhere: Service `<service>-db` on port 3306, database
//! name, and a Secret `<service>-db-credentials` with keys `username` and `password`. What
//! stands behind it differs:
//! - dev: a single MySQL pod (StatefulSet governed by a headless Service, its own claim), and
//!   throw-away credentials written as a Secret, which only a [`DevOnly`] proof can build;
//! - stg/prd: no database pod. The Service is an `ExternalName` alias of the managed
//!   endpoint (Aurora), a ServiceEntry registers that host with the mesh, and an
//!   ExternalSecret has the External Secrets Operator copy the credentials from the secret
//!   store. [`ManagedMySql`] has no field a value could go into: only the store and the key.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Secret, Service, ServicePort, ServiceSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kumiki_core::{DevOnly, Name, PortNumber, SourceLocation, Subdomain, port};
use kumiki_crds::external_secrets::ExternalSecret;
use kumiki_crds::istio::{
    ServiceEntry, ServiceEntryLocation, ServiceEntryPorts, ServiceEntryResolution, ServiceEntrySpec,
};
use kumiki_synth::App;

use crate::env_var::{EnvValue, SecretEnv};
use crate::environment::Environment;
use crate::image::Image;
use crate::port::Protocol;

/// The port MySQL listens on, and the Service port clients use, in every environment.
pub const MYSQL_PORT: PortNumber = port!(3306);

/// A MySQL database owned by one service: its name, and the server the environment
/// provides. Given to [`Microservice::database`].
#[derive(Debug)]
pub struct Database {
    name: Name,
    server: DatabaseServer,
}

/// Where a [`Database`] runs.
#[derive(Debug)]
pub enum DatabaseServer {
    /// A MySQL pod in the cluster, with throw-away credentials: dev only.
    InCluster(InClusterMySql),
    /// A managed server outside the cluster, credentials kept in a secret store.
    Managed(ManagedMySql),
}

/// An in-cluster MySQL server (dev).
#[derive(Debug)]
pub struct InClusterMySql {
    /// The MySQL image.
    pub image: Image,
    /// Size of its data volume, in GiB.
    pub storage_gib: u32,
    /// Its user's credentials.
    pub credentials: DevCredentials,
}

/// Credentials written in plain text into a dev Secret. Building them takes the [`DevOnly`]
/// proof that only the development arms of a platform's `stage()` (and [`EnvId::dev_only`](kumiki_core::EnvId::dev_only)) hand out.
#[derive(Debug)]
pub struct DevCredentials {
    username: String,
    password: String,
}

impl DevCredentials {
    /// `username` / `password`, for dev.
    pub fn new(_dev: DevOnly, username: &str, password: &str) -> DevCredentials {
        DevCredentials {
            username: username.to_owned(),
            password: password.to_owned(),
        }
    }
}

/// A managed MySQL endpoint (Aurora) and where its credentials are kept: a JSON secret with
/// fields `username` and `password` under `key` in the SecretStore `store` of the service's
/// namespace.
#[derive(Clone, Debug)]
pub struct ManagedMySql {
    /// The endpoint's DNS name.
    pub endpoint: Subdomain,
    /// The SecretStore (in the service's namespace) holding the credentials.
    pub store: Name,
    /// The secret's name in the store.
    pub key: String,
}

/// What the owning Microservice tells its database when it is lowered.
pub(crate) struct Owner<'a> {
    pub(crate) name: &'a Name,
    pub(crate) environment: &'a Environment,
    /// The `.database(..)` call: the database's objects and problems point there.
    pub(crate) declared_at: SourceLocation,
}

/// The connection settings of the owning service's main container.
pub(crate) struct Connection {
    pub(crate) plain: Vec<EnvValue>,
    pub(crate) secret: Vec<SecretEnv>,
}

impl Database {
    /// Database `name` on `server`.
    pub fn new(name: Name, server: DatabaseServer) -> Database {
        Database { name, server }
    }

    /// The Service clients connect to: `<service>-db`.
    pub fn service_name(owner: &Name) -> String {
        format!("{owner}-db")
    }

    /// The Secret holding `username` and `password`: `<service>-db-credentials`.
    pub fn credentials_secret(owner: &Name) -> String {
        format!("{owner}-db-credentials")
    }

    pub(crate) fn connection(&self, owner: &Name) -> Connection {
        let secret = Database::credentials_secret(owner);
        let from_secret = |variable: &str, key: &str| SecretEnv {
            variable: variable.to_owned(),
            secret: secret.clone(),
            key: key.to_owned(),
        };
        Connection {
            plain: vec![
                plain("DB_HOST", Database::service_name(owner)),
                plain("DB_PORT", MYSQL_PORT.to_string()),
                plain("DB_DATABASE", self.name.to_string()),
            ],
            secret: vec![
                from_secret("DB_USERNAME", "username"),
                from_secret("DB_PASSWORD", "password"),
            ],
        }
    }

    /// The server, when it runs in the cluster.
    pub(crate) fn in_cluster(&self) -> Option<&InClusterMySql> {
        match &self.server {
            DatabaseServer::InCluster(mysql) => Some(mysql),
            DatabaseServer::Managed(_) => None,
        }
    }

    /// The database's name.
    pub(crate) fn name(&self) -> &Name {
        &self.name
    }

    /// Adds the objects of the database that are not its server: the dev Secret, or the
    /// managed endpoint's alias, registration and ExternalSecret.
    pub(crate) fn lower(&self, owner: &Owner<'_>, app: &mut App) {
        match &self.server {
            DatabaseServer::InCluster(mysql) => {
                app.add_at(credentials(&mysql.credentials, owner), owner.declared_at);
            }
            DatabaseServer::Managed(managed) => lower_managed(managed, owner, app),
        }
    }

    fn metadata(name: String, owner: &Owner<'_>) -> ObjectMeta {
        let mut labels = BTreeMap::from([("app.kubernetes.io/name".to_owned(), Database::service_name(owner.name))]);
        labels.extend(owner.environment.labels());
        ObjectMeta {
            name: Some(name),
            namespace: Some(owner.environment.namespace.to_string()),
            labels: Some(labels),
            ..Default::default()
        }
    }
}

fn plain(name: &str, value: String) -> EnvValue {
    EnvValue {
        name: name.to_owned(),
        value,
    }
}

/// The dev Secret holding the in-cluster server's credentials.
fn credentials(credentials: &DevCredentials, owner: &Owner<'_>) -> Secret {
    Secret {
        metadata: Database::metadata(Database::credentials_secret(owner.name), owner),
        type_: Some("Opaque".to_owned()),
        string_data: Some(BTreeMap::from([
            ("username".to_owned(), credentials.username.clone()),
            ("password".to_owned(), credentials.password.clone()),
        ])),
        ..Default::default()
    }
}

/// The endpoint's alias, its mesh registration, and the ExternalSecret.
fn lower_managed(managed: &ManagedMySql, owner: &Owner<'_>, app: &mut App) {
    let service_name = Database::service_name(owner.name);
    let port_name = format!("{}-mysql", Protocol::Tcp.as_str());
    let at = owner.declared_at;
    app.add_at(
        Service {
            metadata: Database::metadata(service_name.clone(), owner),
            spec: Some(ServiceSpec {
                type_: Some("ExternalName".to_owned()),
                external_name: Some(managed.endpoint.to_string()),
                ports: Some(vec![ServicePort {
                    name: Some(port_name.clone()),
                    app_protocol: Some(Protocol::Tcp.as_str().to_owned()),
                    protocol: Some("TCP".to_owned()),
                    port: MYSQL_PORT.get().into(),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            ..Default::default()
        },
        at,
    );
    // In the mesh, the services namespace only reaches registered hosts (REGISTRY_ONLY).
    if owner.environment.mesh.is_none() {
        app.add_at(external_secret(managed, owner), at);
        return;
    }
    app.add_at(
        ServiceEntry {
            metadata: Database::metadata(service_name, owner),
            spec: ServiceEntrySpec {
                hosts: vec![managed.endpoint.to_string()],
                ports: Some(vec![ServiceEntryPorts {
                    number: MYSQL_PORT.get().into(),
                    protocol: Some(Protocol::Tcp.istio_name().to_owned()),
                    name: port_name,
                    ..Default::default()
                }]),
                location: Some(ServiceEntryLocation::MeshExternal),
                resolution: Some(ServiceEntryResolution::Dns),
                export_to: Some(vec![".".to_owned()]),
                ..Default::default()
            },
        },
        at,
    );
    app.add_at(external_secret(managed, owner), at);
}

/// The ExternalSecret that fetches the managed database's credentials.
fn external_secret(managed: &ManagedMySql, owner: &Owner<'_>) -> ExternalSecret {
    let secret = Database::credentials_secret(owner.name);
    crate::external_secret::external_secret(
        Database::metadata(secret, owner),
        &managed.store,
        &managed.key,
        &["username", "password"],
    )
}
