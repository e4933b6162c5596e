//! What a construct needs to know about the environment it is built for.

use std::collections::BTreeMap;

use kumiki_core::{Env, LabelValue, Name, NodeGroup};

use crate::mesh::Mesh;

/// One environment as the platform defines it: facts (node groups, namespace) and the
/// policy every Microservice gets unless it overrides a setting. The platform crate builds
/// it, so the defaults are visible and reviewable there.
#[derive(Clone, Debug)]
pub struct Environment {
    /// Which environment.
    pub env: Env,
    /// The namespace services run in.
    pub namespace: Name,
    /// The node groups this environment's cluster has.
    pub node_groups: Vec<NodeGroup>,
    /// The value of `app.kubernetes.io/part-of`.
    pub part_of: LabelValue,
    /// Defaults for workloads.
    pub policy: Policy,
    /// The service mesh.
    pub mesh: Mesh,
}

/// Workload defaults owned by the platform team. Every field shows up in the YAML.
#[derive(Clone, Debug)]
pub struct Policy {
    /// Requests (and limits) of a container that declares none.
    pub default_resources: Resources,
    /// The UID containers run as (non-root, above 10000).
    pub run_as_user: i64,
    /// Seconds a container sleeps in `preStop`, so that the mesh stops sending traffic
    /// before the process gets SIGTERM.
    pub pre_stop_sleep_seconds: u16,
    /// `terminationGracePeriodSeconds`; must exceed the preStop sleep.
    pub termination_grace_period_seconds: u16,
    /// `revisionHistoryLimit` of Deployments.
    pub revision_history_limit: u16,
    /// Replicas of a Microservice that sets none.
    pub default_replicas: u16,
}

/// CPU and memory of a container: requests, and limits (equal by default: Guaranteed QoS).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resources {
    /// Requested CPU, in millicores.
    pub cpu_millis: u32,
    /// Requested memory, in MiB.
    pub memory_mib: u32,
    /// CPU limit in millicores; `None` for no CPU limit.
    pub cpu_limit_millis: Option<u32>,
    /// Memory limit in MiB.
    pub memory_limit_mib: u32,
}

impl Environment {
    /// The labels every object built for this environment carries: part-of, managed-by, env.
    pub fn labels(&self) -> BTreeMap<String, String> {
        BTreeMap::from([
            ("app.kubernetes.io/part-of".to_owned(), self.part_of.to_string()),
            ("app.kubernetes.io/managed-by".to_owned(), "kumiki".to_owned()),
            ("env".to_owned(), self.env.to_string()),
        ])
    }
}

impl Resources {
    /// Requests equal to limits: the Guaranteed QoS class.
    pub const fn guaranteed(cpu_millis: u32, memory_mib: u32) -> Resources {
        Resources {
            cpu_millis,
            memory_mib,
            cpu_limit_millis: Some(cpu_millis),
            memory_limit_mib: memory_mib,
        }
    }

    /// Explicit requests and limits (Burstable QoS when they differ).
    pub const fn burstable(
        cpu_millis: u32,
        memory_mib: u32,
        cpu_limit_millis: u32,
        memory_limit_mib: u32,
    ) -> Resources {
        Resources {
            cpu_millis,
            memory_mib,
            cpu_limit_millis: Some(cpu_limit_millis),
            memory_limit_mib,
        }
    }
}
