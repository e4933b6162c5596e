//! The in-cluster server of a [`Database`]: a single-replica MySQL StatefulSet declared as a
//! Microservice (the platform's policy, network policy, mesh identity) that only its owner
//! may call. The lowering lowers it like any other and absorbs it into the owner's app.

use kumiki_core::{Name, name, port_name};

use crate::database::{Database, InClusterMySql, MYSQL_PORT};
use crate::env_var::{EnvValue, SecretEnv};
use crate::policy::Resources;
use crate::port::Protocol;
use crate::probe::ProbeSpec;
use crate::storage::VolumeClaim;

use super::spec::{At, Caller, ContainerSpec, MicroserviceSpec, Scratch, ServicePortSpec};

/// The Microservice of `database`'s server, owned by `owner`; an error names the problem.
pub(crate) fn server(
    database: &Database,
    mysql: &InClusterMySql,
    owner: &MicroserviceSpec,
    at: kumiki_core::SourceLocation,
) -> Result<MicroserviceSpec, String> {
    let service_name = Database::service_name(&owner.name);
    let Ok(name) = Name::try_from(service_name.clone()) else {
        return Err(format!(
            "database Service \"{service_name}\" is not a valid name (at most 63 characters): shorten the service name"
        ));
    };
    let secret = Database::credentials_secret(&owner.name);
    let mut container = ContainerSpec::new(name!("mysql"), mysql.image.clone(), at);
    let sql = container.declare_port(Protocol::Tcp, port_name!("mysql"), MYSQL_PORT, at);
    let plain = |name: &str, value: &str| EnvValue {
        name: name.to_owned(),
        value: value.to_owned(),
    };
    let from_secret = |variable: &str, key: &str| SecretEnv {
        variable: variable.to_owned(),
        secret: secret.clone(),
        key: key.to_owned(),
    };
    container.env = vec![
        plain("MYSQL_DATABASE", database.name().as_str()),
        // No root password exists to leak: the image generates one and prints it once.
        plain("MYSQL_RANDOM_ROOT_PASSWORD", "yes"),
    ];
    container.secret_env = vec![
        from_secret("MYSQL_USER", "username"),
        from_secret("MYSQL_PASSWORD", "password"),
    ];
    // The socket and pid file: the root filesystem may be read-only.
    container.scratch.push(Scratch {
        volume: name!("run"),
        path: "/var/run/mysqld".to_owned(),
    });
    container.resources = Some(Resources::guaranteed(500, 1024));

    let mut server = MicroserviceSpec::new(name, &owner.environment, at);
    server.containers.push(container);
    server.probes.readiness.push(ProbeSpec::tcp(&sql, at));
    server
        .probes
        .liveness
        .push(ProbeSpec::tcp(&sql, at).with_failure_threshold(6));
    server.service_ports.push(ServicePortSpec {
        port: MYSQL_PORT,
        target: sql.clone(),
        at,
    });
    server.callers.push(Caller {
        namespace: owner.environment.namespace.clone(),
        service_account: owner.name.clone(),
        ports: vec![sql],
        at,
    });
    let storage = VolumeClaim::single(name!("data"), "/var/lib/mysql", mysql.storage_gib);
    server.storage = Some(At { value: storage, at });
    server.replicas = Some(At { value: 1, at });
    server.node_group = owner.node_group.clone();
    Ok(server)
}
