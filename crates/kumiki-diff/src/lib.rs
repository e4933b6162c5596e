//! kumiki-diff: what a change to the code does to the synthesized release, for review.
//!
//! [`compare`] takes two trees of one environment (path relative to `release/<env>/` →
//! file text): the old one (committed, or at a git ref) and the new one (synthesized now).
//! It finds the objects added, removed, changed and moved (matched by group, kind, namespace
//! and name, not by file), orders them for a reviewer, and adds warnings for what Kubernetes
//! rejects or Argo CD deletes, the calls the policies allow and stop allowing
//! ([`traffic_change`]), and one-line image bumps ([`mark_promotions`] tells which of them
//! move a build an earlier environment already runs). [`render_text`] and
//! [`render_markdown`] present the result. The crate does no IO: the caller reads the trees.
//!
//! ```
//! use kumiki_diff::{Tree, compare, render_text};
//!
//! let yaml = |replicas: u8| format!(
//!     "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  replicas: {replicas}\n"
//! );
//! let old = Tree::from([("web/shop.deployment.web.yaml".to_owned(), yaml(2))]);
//! let new = Tree::from([("web/shop.deployment.web.yaml".to_owned(), yaml(3))]);
//! let diff = compare("prd", &old, &new).unwrap();
//! assert!(render_text(&[diff], false).contains("-  replicas: 2\n+  replicas: 3"));
//! ```

mod compare;
mod key;
mod render;
mod review;
mod traffic;

pub use compare::{ChangeKind, DiffError, EnvDiff, ObjectChange, Tree, compare};
pub use key::ObjectKey;
pub use render::{render_markdown, render_text};
pub use review::{ImageBump, mark_promotions, running_images};
pub use traffic::{TrafficChange, edges, traffic_change};
