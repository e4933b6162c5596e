//! What the service crates under `services/` may write: the app team's boundary (the same one
//! its Argo CD project syncs), the ingress gateway's namespace to export routes to, the node
//! groups kept for the platform's own components, and what single services are granted
//! beyond that, each with its reason.

use kumiki::platform::{Authority, Grant};

use crate::gitops::projects;
use crate::{namespaces, node_groups};

/// The service crates' authority.
pub fn authority() -> Authority {
    Authority {
        // The gateway proxy applies the routes of the services it exposes.
        export_to: vec![namespaces::ISTIO_INGRESS],
        reserved_node_groups: vec![
            node_groups::DEPLOY.name,
            node_groups::INGRESS.name,
            node_groups::SYSTEM.name,
        ],
        grants: grants(),
        ..projects::APP.boundary.authority()
    }
}

/// What single services hold beyond the rest: none so far. A grant is
/// `Grant::new("<service crate>", Right::…, "<why>")`; `cargo xtask rules` lists them.
fn grants() -> Vec<Grant> {
    Vec::new()
}
