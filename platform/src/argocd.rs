//! Argo CD itself, as a chart Application of the tree: after the one hand-applied bootstrap
//! (the same chart and values, installed once with helm), Argo CD manages its own
//! installation from git. Its configuration comes from the model: RBAC from the declared
//! projects, the health check the sync waves need, its pods on the `deploy` node group, and
//! in stg and prd sign-in through GitHub (dex), whose client secret is read from the secret
//! store: the values only name it.

use kumiki::crds::external_secrets::{
    ExternalSecret, ExternalSecretTargetTemplate, ExternalSecretTargetTemplateMetadata,
};
use kumiki::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kumiki::platform::{
    APPLICATION_HEALTH_KEY, APPLICATION_HEALTH_LUA, HelmChart, NODE_GROUP_LABEL, ProjectAccess, argocd_rbac,
    components, external_secret, toleration,
};
use kumiki::serde_json::{Value, json};

use crate::databases::SECRET_STORE;
use crate::gitops::projects;
use crate::{Env, PART_OF, environment, namespaces, node_groups};

/// The Argo CD release the platform runs: its CRDs are the ones vendored in `crds/argocd/`.
pub const ARGOCD_VERSION: &str = "v3.5.1";
/// The GitHub organisation whose teams sign in (the seed's).
pub const GITHUB_ORG: &str = "hiroki-it";
/// Where Argo CD is reached in `env` (its SSO callback); a placeholder domain.
pub fn url(env: Env) -> String {
    format!("https://argocd.{env}.{PART_OF}.example.com")
}
/// The Secret holding the GitHub OAuth app's credentials, written by the operator.
const SSO_SECRET: &str = "argocd-dex-github";

/// Who may do what: each team's GitHub team acts on its project's Applications.
pub fn access() -> [ProjectAccess; 3] {
    [
        ProjectAccess {
            project: projects::ROOT,
            group: "hiroki-it:platform-admins",
        },
        ProjectAccess {
            project: projects::INFRA,
            group: "hiroki-it:infra-team",
        },
        ProjectAccess {
            project: projects::APP,
            group: "hiroki-it:app-team",
        },
    ]
}

/// The chart Application of Argo CD in `env`.
#[track_caller]
pub fn chart(env: Env) -> HelmChart {
    let sso = env != Env::Dev;
    let mut cm = json!({
        "url": url(env),
        APPLICATION_HEALTH_KEY: APPLICATION_HEALTH_LUA,
    });
    if sso {
        // One line of JSON (YAML accepts it); the credentials are references to the Secret
        // the operator writes, which Argo CD resolves (`$<secret>:<key>`).
        let dex = json!({
            "connectors": [{
                "type": "github",
                "id": "github",
                "name": "GitHub",
                "config": {
                    "clientID": format!("${SSO_SECRET}:clientID"),
                    "clientSecret": format!("${SSO_SECRET}:clientSecret"),
                    "orgs": [{ "name": GITHUB_ORG }],
                },
            }],
        });
        cm["dex.config"] = Value::String(dex.to_string());
    }
    let mut values = json!({
        // The chart is the SDK's (`components::ARGO_CD_VERSION`); the image tag is pinned to
        // ARGOCD_VERSION whatever the chart's default.
        "global": { "image": { "tag": ARGOCD_VERSION } },
        "dex": { "enabled": sso },
        "notifications": { "enabled": false },
        "configs": { "cm": cm, "rbac": argocd_rbac(&access()) },
    });
    if environment(env).node_groups.contains(&node_groups::DEPLOY) {
        values["global"]["affinity"] = json!({
            "nodeAffinity": {
                "type": "hard",
                "matchExpressions": [{
                    "key": NODE_GROUP_LABEL,
                    "operator": "In",
                    "values": [node_groups::DEPLOY.name.to_string()],
                }],
            },
        });
        values["global"]["tolerations"] = json!(toleration(&node_groups::DEPLOY).into_iter().collect::<Vec<_>>());
    }
    // The SDK's component installs the CRDs and keeps them when the chart is removed
    // (deleting them would delete every Application).
    components::argo_cd(namespaces::ARGOCD, values)
}

/// The ExternalSecret that writes the GitHub OAuth app's credentials into Argo CD's namespace
/// (stg, prd), labelled so Argo CD reads it.
pub fn sso_credentials(env: Env) -> Option<ExternalSecret> {
    if env == Env::Dev {
        return None;
    }
    let metadata = ObjectMeta {
        name: Some(SSO_SECRET.to_owned()),
        namespace: Some(namespaces::ARGOCD.to_string()),
        labels: Some(environment(env).labels()),
        ..Default::default()
    };
    let remote_key = format!("{PART_OF}/{env}/argocd-dex-github");
    let mut credentials = external_secret(metadata, &SECRET_STORE, &remote_key, &["clientID", "clientSecret"]);
    if let Some(target) = credentials.spec.target.as_mut() {
        target.template = Some(ExternalSecretTargetTemplate {
            metadata: Some(ExternalSecretTargetTemplateMetadata {
                labels: Some([("app.kubernetes.io/part-of".to_owned(), "argocd".to_owned())].into()),
                ..Default::default()
            }),
            ..Default::default()
        });
    }
    Some(credentials)
}
