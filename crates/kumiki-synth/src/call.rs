//! The calls between workloads the model declares: what the reachability rules hold every
//! layer of the rendered release to (`reach.*`), and what `graph` draws.

use kumiki_core::{Name, SourceLocation};

/// A call a service declares it accepts: the workload running as ServiceAccount
/// `caller_service_account` in `caller_namespace` calls the pods behind Service `service` of
/// `service_namespace` on container ports `ports` (number and name). A construct publishes it
/// on its app (`App::publish`); the rules read it with the app's other declarations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeclaredCall {
    /// The caller's namespace.
    pub caller_namespace: Name,
    /// The caller's ServiceAccount (its mutual-TLS identity).
    pub caller_service_account: Name,
    /// The namespace of the Service called.
    pub service_namespace: Name,
    /// The Service called.
    pub service: Name,
    /// The container ports called (number, name).
    pub ports: Vec<(u16, String)>,
    /// The line that declared the call.
    pub declared_at: SourceLocation,
}

impl DeclaredCall {
    /// `namespace/service-account`, as the graph names the caller.
    pub fn caller(&self) -> String {
        format!("{}/{}", self.caller_namespace, self.caller_service_account)
    }

    /// `namespace/service`, as the graph names the callee.
    pub fn callee(&self) -> String {
        format!("{}/{}", self.service_namespace, self.service)
    }
}
