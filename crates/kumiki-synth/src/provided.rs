//! Services that run in the cluster but are rendered elsewhere (by a Helm chart an Argo CD
//! Application installs), declared to synth so that routes and policies referring to them
//! are checked like any other.

use std::collections::BTreeMap;

use kumiki_core::{Name, PortNumber};

/// A Service whose objects kumiki does not render, such as an Istio gateway proxy installed by
/// Istio's `gateway` chart. An app publishes it with [`App::publish`](crate::App::publish);
/// the mesh checks then resolve hosts, ports, Gateway selectors and mTLS identities against it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProvidedService {
    /// Its namespace.
    pub namespace: Name,
    /// Its name.
    pub name: Name,
    /// The ports its Service exposes.
    pub ports: Vec<PortNumber>,
    /// The labels of its pods (what a Gateway's selector matches).
    pub pod_labels: BTreeMap<String, String>,
    /// The ServiceAccount its pods run as (their mTLS identity).
    pub service_account: Name,
    /// Who renders it, for error messages (e.g. `Istio gateway chart`).
    pub provider: &'static str,
}
