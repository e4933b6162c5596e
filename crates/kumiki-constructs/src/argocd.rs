//! Argo CD's own configuration from the model: who may do what (RBAC derived from the
//! declared projects) and the Application health check the sync waves rely on. A platform
//! puts both in the values of Argo CD's chart.

use std::collections::BTreeMap;

use crate::gitops::Project;

/// One team's access to Argo CD: the members of `group` (as the SSO connector names it, e.g.
/// `org:team` for GitHub) act on the Applications of `project`, and on nothing else.
#[derive(Clone, Debug)]
pub struct ProjectAccess {
    /// The project.
    pub project: Project,
    /// The SSO group its members belong to.
    pub group: &'static str,
}

/// The data of `argocd-rbac-cm` for `access`: per project a role allowed every action on the
/// project's own Applications (`<project>/*`), given to the project's group; anyone else gets
/// nothing (`policy.default` is empty), and groups come from the SSO token (`scopes`). Each
/// project's lines are a key of their own (`policy.<project>.csv`), which Argo CD appends to
/// the policy.
pub fn rbac(access: &[ProjectAccess]) -> BTreeMap<String, String> {
    let mut data = BTreeMap::from([
        ("policy.default".to_owned(), String::new()),
        ("scopes".to_owned(), "[groups]".to_owned()),
    ]);
    for ProjectAccess { project, group } in access {
        let name = &project.name;
        data.insert(
            format!("policy.{name}.csv"),
            format!("p, role:{name}, applications, *, {name}/*, allow"),
        );
        data.insert(format!("policy.{name}-members.csv"), format!("g, {group}, role:{name}"));
    }
    data
}

/// The `argocd-cm` key of the health check of Applications.
pub const APPLICATION_HEALTH_KEY: &str = "resource.customizations.health.argoproj.io_Application";

/// The health check of Applications (Lua): an Application is as healthy as what it deployed.
/// Argo CD no longer assesses it by default, and without it a parent Application does not
/// wait for the children of one sync wave to be healthy before syncing the next.
pub const APPLICATION_HEALTH_LUA: &str = "hs = {} hs.status = \"Progressing\" hs.message = \"\" \
if obj.status ~= nil and obj.status.health ~= nil then hs.status = obj.status.health.status \
if obj.status.health.message ~= nil then hs.message = obj.status.health.message end end return hs";

#[cfg(test)]
mod tests {
    use kumiki_core::name;

    use super::*;
    use crate::gitops::{Boundary, Project};

    const SHOP_NAMESPACES: &[kumiki_core::Name] = &[name!("shop")];
    const SHOP: Project = Project {
        name: name!("shop"),
        description: "The shop",
        boundary: Boundary::services(SHOP_NAMESPACES),
    };

    #[test]
    fn each_project_gets_a_role_on_its_own_applications_given_to_its_group() {
        let data = rbac(&[ProjectAccess {
            project: SHOP,
            group: "acme:shop-team",
        }]);
        assert_eq!(data["policy.shop.csv"], "p, role:shop, applications, *, shop/*, allow");
        assert_eq!(data["policy.shop-members.csv"], "g, acme:shop-team, role:shop");
        assert_eq!(data["policy.default"], "");
        assert!(!APPLICATION_HEALTH_LUA.contains('\n'));
    }
}
