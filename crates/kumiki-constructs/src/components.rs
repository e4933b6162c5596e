//! The platform components a kumiki platform installs, as Helm charts at the versions kumiki
//! is tested with (the CRDs in `crds/` are theirs): Istio (base, istiod, gateways), Argo CD,
//! the External Secrets Operator, the Prometheus Operator (kube-prometheus-stack) and
//! Karpenter.
//!
//! Each function takes the platform's own values and returns a [`HelmChart`] for a team of the
//! Argo CD tree ([`GitOps::tree`](crate::GitOps::tree)): chart, repository, version, the
//! cluster-scoped kinds it installs, the API groups it provides and what it syncs after. The
//! values kumiki's guarantees rest on are set last, over the platform's (a platform that
//! needs them otherwise builds the chart with [`HelmChart::new`]):
//! - istiod: the revision and its tag the namespaces' labels name, and outbound traffic limited
//!   to the registry (`REGISTRY_ONLY`), which the egress rules assume;
//! - a gateway: the Service type and the ports its listeners need;
//! - External Secrets and Argo CD: their CRDs installed by the chart (kumiki writes against the
//!   upstream schemas), and kept when Argo CD's chart is removed (or every Application goes).

use serde_json::{Value, json};

use crate::gitops::{ChartVersion, GroupKind, HelmChart};
use crate::mesh::{GatewayProxy, Mesh};
use kumiki_core::{Name, name};
use kumiki_synth::App;

/// The Istio release (charts and CRD schemas 1.30).
pub const ISTIO_VERSION: ChartVersion = ChartVersion::new(1, 30, 0);
/// Istio's chart repository.
pub const ISTIO_CHARTS: &str = "https://istio-release.storage.googleapis.com/charts";
/// The argo-helm `argo-cd` chart (Argo CD v3.5).
pub const ARGO_CD_VERSION: ChartVersion = ChartVersion::new(9, 1, 0);
/// The External Secrets Operator chart.
pub const EXTERNAL_SECRETS_VERSION: ChartVersion = ChartVersion::new(2, 9, 0);
/// The kube-prometheus-stack chart (the Prometheus Operator, Prometheus, Alertmanager, Grafana).
pub const KUBE_PROMETHEUS_STACK_VERSION: ChartVersion = ChartVersion::new(55, 5, 1);
/// The Karpenter chart.
pub const KARPENTER_VERSION: ChartVersion = ChartVersion::new(1, 14, 1);

const CRD: (&str, &str) = ("apiextensions.k8s.io", "CustomResourceDefinition");
const CLUSTER_ROLE: (&str, &str) = ("rbac.authorization.k8s.io", "ClusterRole");
const CLUSTER_ROLE_BINDING: (&str, &str) = ("rbac.authorization.k8s.io", "ClusterRoleBinding");
const MUTATING_WEBHOOK: (&str, &str) = ("admissionregistration.k8s.io", "MutatingWebhookConfiguration");
const VALIDATING_WEBHOOK: (&str, &str) = ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration");

/// What an operator with its own CRDs and admission webhooks installs cluster-wide.
const OPERATOR_KINDS: [(&str, &str); 5] = [
    CRD,
    CLUSTER_ROLE,
    CLUSTER_ROLE_BINDING,
    MUTATING_WEBHOOK,
    VALIDATING_WEBHOOK,
];

/// The cluster-scoped kinds a chart installs, as its project whitelists them.
pub fn cluster_kinds(kinds: &[(&str, &str)]) -> Vec<GroupKind> {
    (kinds.iter())
        .map(|(group, kind)| GroupKind {
            group: (*group).to_owned(),
            kind: (*kind).to_owned(),
        })
        .collect()
}

/// `values` with `required` merged over it, key by key (objects merge, anything else is
/// replaced).
pub fn merged(mut values: Value, required: Value) -> Value {
    match (&mut values, required) {
        (Value::Object(values), Value::Object(required)) => {
            for (key, value) in required {
                let current = values.remove(&key).unwrap_or(Value::Null);
                values.insert(key, merged(current, value));
            }
        }
        (values, required) => *values = required,
    }
    values
}

/// Istio's CRDs and cluster roles (`base`), with `defaultRevision` the mesh's revision.
#[track_caller]
pub fn istio_base(namespace: Name) -> HelmChart {
    let values = json!({ "defaultRevision": ISTIO_VERSION.hyphenated() });
    let mut chart = HelmChart::new(
        name!("istio-base"),
        ISTIO_CHARTS,
        "base",
        ISTIO_VERSION,
        namespace,
        values,
    );
    chart.cluster_kinds = cluster_kinds(&[CRD, VALIDATING_WEBHOOK, CLUSTER_ROLE, CLUSTER_ROLE_BINDING]);
    chart.provides_api_groups = vec![
        "networking.istio.io",
        "security.istio.io",
        "telemetry.istio.io",
        "extensions.istio.io",
    ];
    chart
}

/// istiod for `mesh`, as the revision of [`ISTIO_VERSION`] tagged with the mesh's revision
/// label, outbound traffic limited to the registry; after `istio-base`.
#[track_caller]
pub fn istiod(namespace: Name, mesh: &Mesh, values: Value) -> HelmChart {
    let required = json!({
        "revision": ISTIO_VERSION.hyphenated(),
        "revisionTags": [mesh.revision.to_string()],
        "meshConfig": { "outboundTrafficPolicy": { "mode": "REGISTRY_ONLY" } },
    });
    let values = merged(values, required);
    let mut chart = HelmChart::new(
        name!("istiod"),
        ISTIO_CHARTS,
        "istiod",
        ISTIO_VERSION,
        namespace,
        values,
    );
    chart.cluster_kinds = cluster_kinds(&[CLUSTER_ROLE, CLUSTER_ROLE_BINDING, MUTATING_WEBHOOK, VALIDATING_WEBHOOK]);
    chart.after = vec![name!("istio-base")];
    chart
}

/// The gateway `proxy` (ingress or egress), its Service of `service_type` opening the ports
/// the listeners of `openers` need; after `istiod` (which injects its proxy).
#[track_caller]
pub fn istio_gateway<'a>(
    proxy: &GatewayProxy,
    service_type: &str,
    openers: impl IntoIterator<Item = &'a App>,
    values: Value,
) -> HelmChart {
    let required = json!({
        "service": { "type": service_type, "ports": proxy.service_ports(openers) },
    });
    let values = merged(values, required);
    let mut chart = HelmChart::new(
        proxy.name.clone(),
        ISTIO_CHARTS,
        "gateway",
        ISTIO_VERSION,
        proxy.namespace.clone(),
        values,
    );
    chart.after = vec![name!("istiod")];
    chart
}

/// Argo CD (release `argo-cd`), its CRDs installed and kept when the chart goes.
#[track_caller]
pub fn argo_cd(namespace: Name, values: Value) -> HelmChart {
    let values = merged(values, json!({ "crds": { "install": true, "keep": true } }));
    let mut chart = HelmChart::new(
        name!("argo-cd"),
        "https://argoproj.github.io/argo-helm",
        "argo-cd",
        ARGO_CD_VERSION,
        namespace,
        values,
    );
    chart.cluster_kinds = cluster_kinds(&[CRD, CLUSTER_ROLE, CLUSTER_ROLE_BINDING]);
    chart
}

/// The External Secrets Operator, its CRDs installed by the chart.
#[track_caller]
pub fn external_secrets(namespace: Name, values: Value) -> HelmChart {
    let values = merged(values, json!({ "installCRDs": true }));
    let mut chart = HelmChart::new(
        name!("external-secrets"),
        "https://charts.external-secrets.io",
        "external-secrets",
        EXTERNAL_SECRETS_VERSION,
        namespace,
        values,
    );
    chart.cluster_kinds = cluster_kinds(&[CRD, CLUSTER_ROLE, CLUSTER_ROLE_BINDING]);
    chart.provides_api_groups = vec!["external-secrets.io"];
    chart
}

/// kube-prometheus-stack as release `release`: the Prometheus Operator's CRDs
/// (`monitoring.coreos.com`), Prometheus, Alertmanager, Grafana.
#[track_caller]
pub fn kube_prometheus_stack(release: Name, namespace: Name, values: Value) -> HelmChart {
    let mut chart = HelmChart::new(
        release,
        "https://prometheus-community.github.io/helm-charts",
        "kube-prometheus-stack",
        KUBE_PROMETHEUS_STACK_VERSION,
        namespace,
        values,
    );
    chart.cluster_kinds = cluster_kinds(&OPERATOR_KINDS);
    chart.provides_api_groups = vec!["monitoring.coreos.com"];
    chart
}

/// Karpenter, which installs the NodePool and EC2NodeClass CRDs (so node pools sync after it).
#[track_caller]
pub fn karpenter(namespace: Name, values: Value) -> HelmChart {
    let mut chart = HelmChart::new(
        name!("karpenter"),
        "public.ecr.aws/karpenter",
        "karpenter",
        KARPENTER_VERSION,
        namespace,
        values,
    );
    chart.cluster_kinds = cluster_kinds(&OPERATOR_KINDS);
    chart.provides_api_groups = vec!["karpenter.sh", "karpenter.k8s.aws"];
    chart
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::merged;

    #[test]
    fn required_values_are_merged_over_the_platform_s() {
        let platform = json!({ "meshConfig": { "accessLogFile": "/dev/stdout", "outboundTrafficPolicy": { "mode": "ALLOW_ANY" } } });
        let required = json!({ "meshConfig": { "outboundTrafficPolicy": { "mode": "REGISTRY_ONLY" } } });
        assert_eq!(
            merged(platform, required),
            json!({ "meshConfig": { "accessLogFile": "/dev/stdout", "outboundTrafficPolicy": { "mode": "REGISTRY_ONLY" } } })
        );
    }
}
