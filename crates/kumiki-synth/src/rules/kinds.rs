//! What kumiki knows about each kind, in one place: its scope and, for the kinds that run
//! pods, where the pod template, selector and replica count are. Rules ask this module
//! rather than re-deriving it; a test holds the scopes to k8s-openapi's own.

/// Where a pod-bearing kind keeps its pods (paths of field names into the object).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct PodLayout {
    /// The `PodTemplateSpec` (metadata and spec): a Pod is its own template (`[]`).
    pub(crate) template: &'static [&'static str],
    /// The `LabelSelector` that must match the template, when the kind has one.
    pub(crate) selector: Option<&'static [&'static str]>,
    /// The replica count, when the kind has one.
    pub(crate) replicas: Option<&'static [&'static str]>,
    /// The volume claim templates whose names the pods may mount (a StatefulSet's).
    pub(crate) claim_templates: Option<&'static [&'static str]>,
    /// Whether its containers run until stopped (a Job's run to completion).
    pub(crate) long_running: bool,
}

/// A kind kumiki knows.
#[derive(Debug)]
pub(crate) struct KindInfo {
    pub(crate) group: &'static str,
    pub(crate) kind: &'static str,
    pub(crate) namespaced: bool,
    pub(crate) pods: Option<PodLayout>,
}

const fn namespaced(group: &'static str, kind: &'static str) -> KindInfo {
    KindInfo {
        group,
        kind,
        namespaced: true,
        pods: None,
    }
}

const fn cluster(group: &'static str, kind: &'static str) -> KindInfo {
    KindInfo {
        group,
        kind,
        namespaced: false,
        pods: None,
    }
}

const fn workload(
    group: &'static str,
    kind: &'static str,
    template: &'static [&'static str],
    replicas: bool,
    long_running: bool,
) -> KindInfo {
    KindInfo {
        group,
        kind,
        namespaced: true,
        pods: Some(PodLayout {
            template,
            selector: Some(&["spec", "selector"]),
            replicas: if replicas { Some(&["spec", "replicas"]) } else { None },
            claim_templates: None,
            long_running,
        }),
    }
}

/// The kinds whose scope and pods kumiki knows: Kubernetes' own (every kind the API server
/// serves in the targeted version that a release may hold) and those of the CRDs kumiki
/// types (Istio, Argo CD, External Secrets, Prometheus Operator, Karpenter).
pub(crate) const KNOWN: &[KindInfo] = &[
    // Workloads.
    workload("apps", "Deployment", &["spec", "template"], true, true),
    KindInfo {
        group: "apps",
        kind: "StatefulSet",
        namespaced: true,
        pods: Some(PodLayout {
            template: &["spec", "template"],
            selector: Some(&["spec", "selector"]),
            replicas: Some(&["spec", "replicas"]),
            claim_templates: Some(&["spec", "volumeClaimTemplates"]),
            long_running: true,
        }),
    },
    workload("apps", "DaemonSet", &["spec", "template"], false, true),
    workload("apps", "ReplicaSet", &["spec", "template"], true, true),
    workload("batch", "Job", &["spec", "template"], false, false),
    KindInfo {
        group: "batch",
        kind: "CronJob",
        namespaced: true,
        pods: Some(PodLayout {
            template: &["spec", "jobTemplate", "spec", "template"],
            selector: None,
            replicas: None,
            claim_templates: None,
            long_running: false,
        }),
    },
    KindInfo {
        group: "",
        kind: "Pod",
        namespaced: true,
        pods: Some(PodLayout {
            template: &[],
            selector: None,
            replicas: None,
            claim_templates: None,
            long_running: true,
        }),
    },
    KindInfo {
        group: "",
        kind: "ReplicationController",
        namespaced: true,
        pods: Some(PodLayout {
            template: &["spec", "template"],
            selector: None,
            replicas: Some(&["spec", "replicas"]),
            claim_templates: None,
            long_running: true,
        }),
    },
    namespaced("", "PodTemplate"),
    // Core.
    namespaced("", "ConfigMap"),
    namespaced("", "Secret"),
    namespaced("", "Service"),
    namespaced("", "ServiceAccount"),
    namespaced("", "Endpoints"),
    namespaced("", "PersistentVolumeClaim"),
    namespaced("", "LimitRange"),
    namespaced("", "ResourceQuota"),
    namespaced("", "Event"),
    cluster("", "Namespace"),
    cluster("", "Node"),
    cluster("", "PersistentVolume"),
    // Networking, policy, scaling.
    namespaced("networking.k8s.io", "NetworkPolicy"),
    namespaced("networking.k8s.io", "Ingress"),
    cluster("networking.k8s.io", "IngressClass"),
    namespaced("discovery.k8s.io", "EndpointSlice"),
    namespaced("policy", "PodDisruptionBudget"),
    namespaced("autoscaling", "HorizontalPodAutoscaler"),
    namespaced("coordination.k8s.io", "Lease"),
    // Access control and admission.
    namespaced("rbac.authorization.k8s.io", "Role"),
    namespaced("rbac.authorization.k8s.io", "RoleBinding"),
    cluster("rbac.authorization.k8s.io", "ClusterRole"),
    cluster("rbac.authorization.k8s.io", "ClusterRoleBinding"),
    cluster("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
    cluster("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
    cluster("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
    cluster("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"),
    cluster("certificates.k8s.io", "CertificateSigningRequest"),
    // Cluster configuration.
    cluster("apiextensions.k8s.io", "CustomResourceDefinition"),
    cluster("apiregistration.k8s.io", "APIService"),
    cluster("scheduling.k8s.io", "PriorityClass"),
    cluster("node.k8s.io", "RuntimeClass"),
    cluster("storage.k8s.io", "StorageClass"),
    cluster("storage.k8s.io", "CSIDriver"),
    cluster("storage.k8s.io", "CSINode"),
    cluster("storage.k8s.io", "VolumeAttachment"),
    namespaced("storage.k8s.io", "CSIStorageCapacity"),
    cluster("flowcontrol.apiserver.k8s.io", "FlowSchema"),
    cluster("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
    // Custom resources kumiki types.
    namespaced("networking.istio.io", "Gateway"),
    namespaced("networking.istio.io", "VirtualService"),
    namespaced("networking.istio.io", "DestinationRule"),
    namespaced("networking.istio.io", "ServiceEntry"),
    namespaced("networking.istio.io", "Sidecar"),
    namespaced("security.istio.io", "AuthorizationPolicy"),
    namespaced("security.istio.io", "PeerAuthentication"),
    namespaced("argoproj.io", "Application"),
    namespaced("argoproj.io", "AppProject"),
    namespaced("external-secrets.io", "ExternalSecret"),
    namespaced("external-secrets.io", "SecretStore"),
    cluster("external-secrets.io", "ClusterSecretStore"),
    namespaced("monitoring.coreos.com", "PodMonitor"),
    namespaced("monitoring.coreos.com", "ServiceMonitor"),
    namespaced("monitoring.coreos.com", "PrometheusRule"),
    cluster("karpenter.sh", "NodePool"),
    cluster("karpenter.k8s.aws", "EC2NodeClass"),
];

/// What kumiki knows of `group`/`kind`, if anything.
pub(crate) fn known(group: &str, kind: &str) -> Option<&'static KindInfo> {
    KNOWN.iter().find(|info| info.group == group && info.kind == kind)
}

/// Where `group`/`kind` keeps its pods, if it runs any.
pub(crate) fn pod_layout(group: &str, kind: &str) -> Option<&'static PodLayout> {
    known(group, kind)?.pods.as_ref()
}

/// Group, kind and whether namespaced, of every kind kumiki knows (feature `test-hooks`: a
/// test holds the custom resources' scopes to their vendored CRDs).
#[cfg(any(test, feature = "test-hooks"))]
pub fn known_scopes() -> Vec<(&'static str, &'static str, bool)> {
    KNOWN
        .iter()
        .map(|info| (info.group, info.kind, info.namespaced))
        .collect()
}

/// The API group of an `apiVersion` (`apps/v1` → `apps`, `v1` → the core group `""`).
pub(crate) fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(group, _)| group)
}

#[cfg(test)]
mod tests {
    use std::any::TypeId;

    use k8s_openapi::api::{
        admissionregistration::v1 as admission, apps::v1 as apps, autoscaling::v2 as autoscaling, batch::v1 as batch,
        certificates::v1 as certificates, coordination::v1 as coordination, core::v1 as core,
        discovery::v1 as discovery, flowcontrol::v1 as flowcontrol, networking::v1 as networking, node::v1 as node,
        policy::v1 as policy, rbac::v1 as rbac, scheduling::v1 as scheduling, storage::v1 as storage,
    };
    use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
    use k8s_openapi::kube_aggregator::pkg::apis::apiregistration::v1::APIService;
    use k8s_openapi::{NamespaceResourceScope, Resource};

    use super::{KNOWN, group_of, known};

    /// Group, kind and whether namespaced, as k8s-openapi's types say.
    fn scope<T: Resource<Scope: 'static>>() -> (&'static str, &'static str, bool) {
        (
            T::GROUP,
            T::KIND,
            TypeId::of::<T::Scope>() == TypeId::of::<NamespaceResourceScope>(),
        )
    }

    #[test]
    fn the_scope_of_every_built_in_kind_is_k8s_openapis() {
        let built_in = [
            scope::<apps::Deployment>(),
            scope::<apps::StatefulSet>(),
            scope::<apps::DaemonSet>(),
            scope::<apps::ReplicaSet>(),
            scope::<batch::Job>(),
            scope::<batch::CronJob>(),
            scope::<core::Pod>(),
            scope::<core::ReplicationController>(),
            scope::<core::PodTemplate>(),
            scope::<core::ConfigMap>(),
            scope::<core::Secret>(),
            scope::<core::Service>(),
            scope::<core::ServiceAccount>(),
            scope::<core::Endpoints>(),
            scope::<core::PersistentVolumeClaim>(),
            scope::<core::LimitRange>(),
            scope::<core::ResourceQuota>(),
            scope::<core::Event>(),
            scope::<core::Namespace>(),
            scope::<core::Node>(),
            scope::<core::PersistentVolume>(),
            scope::<networking::NetworkPolicy>(),
            scope::<networking::Ingress>(),
            scope::<networking::IngressClass>(),
            scope::<discovery::EndpointSlice>(),
            scope::<policy::PodDisruptionBudget>(),
            scope::<autoscaling::HorizontalPodAutoscaler>(),
            scope::<coordination::Lease>(),
            scope::<rbac::Role>(),
            scope::<rbac::RoleBinding>(),
            scope::<rbac::ClusterRole>(),
            scope::<rbac::ClusterRoleBinding>(),
            scope::<admission::MutatingWebhookConfiguration>(),
            scope::<admission::ValidatingWebhookConfiguration>(),
            scope::<admission::ValidatingAdmissionPolicy>(),
            scope::<admission::ValidatingAdmissionPolicyBinding>(),
            scope::<certificates::CertificateSigningRequest>(),
            scope::<CustomResourceDefinition>(),
            scope::<APIService>(),
            scope::<scheduling::PriorityClass>(),
            scope::<node::RuntimeClass>(),
            scope::<storage::StorageClass>(),
            scope::<storage::CSIDriver>(),
            scope::<storage::CSINode>(),
            scope::<storage::VolumeAttachment>(),
            scope::<storage::CSIStorageCapacity>(),
            scope::<flowcontrol::FlowSchema>(),
            scope::<flowcontrol::PriorityLevelConfiguration>(),
        ];
        for (group, kind, namespaced) in built_in {
            let info = known(group, kind).unwrap_or_else(|| panic!("{group}/{kind} is not known"));
            assert_eq!(info.namespaced, namespaced, "{group}/{kind}");
        }
        // Every kind of Kubernetes' own groups in the table is one of those.
        let custom = |group: &str| group.contains('.') && !group.ends_with(".k8s.io");
        for info in KNOWN.iter().filter(|info| !custom(info.group)) {
            assert!(
                built_in
                    .iter()
                    .any(|(group, kind, _)| *group == info.group && *kind == info.kind),
                "{}/{} is not checked against k8s-openapi",
                info.group,
                info.kind
            );
        }
    }

    #[test]
    fn every_kind_is_listed_once() {
        for (index, info) in KNOWN.iter().enumerate() {
            let first = KNOWN
                .iter()
                .position(|other| other.group == info.group && other.kind == info.kind);
            assert_eq!(first, Some(index), "{}/{} is listed twice", info.group, info.kind);
        }
    }

    #[test]
    fn groups_come_from_the_api_version() {
        assert_eq!(group_of("apps/v1"), "apps");
        assert_eq!(group_of("v1"), "");
        assert_eq!(group_of("networking.istio.io/v1"), "networking.istio.io");
        assert!(known("", "Namespace").is_some_and(|info| !info.namespaced));
        assert!(known("apps", "Deployment").is_some_and(|info| info.pods.is_some()));
    }
}
