//! Lowering of how many pods run: the disruption budget and the autoscaler.

use k8s_openapi::api::autoscaling::v2::{
    CrossVersionObjectReference, HorizontalPodAutoscaler, HorizontalPodAutoscalerSpec, MetricSpec, MetricTarget,
    ResourceMetricSource,
};
use k8s_openapi::api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetSpec};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::context::Lowering;
use super::spec::DisruptionBudget;
use super::workload::share;

impl Lowering<'_> {
    pub(crate) fn disruption_budget(&self) -> PodDisruptionBudget {
        let (min_available, max_unavailable) = match self.spec.disruption_budget() {
            DisruptionBudget::MinAvailable(n) => (Some(IntOrString::Int(n.into())), None),
            DisruptionBudget::MaxUnavailable(n) => (None, Some(IntOrString::Int(n.into()))),
        };
        PodDisruptionBudget {
            metadata: self.metadata(self.name()),
            spec: Some(PodDisruptionBudgetSpec {
                selector: Some(self.selector()),
                min_available,
                max_unavailable,
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    /// The autoscaler of workload `name`, when autoscaled.
    /// The autoscaler of workload `name`; a version with `weight` percent of the traffic gets
    /// that share of the bounds.
    pub(crate) fn autoscaler(&self, name: String, weight: Option<u8>) -> Option<HorizontalPodAutoscaler> {
        let bounds = self.spec.autoscale.as_ref()?.value;
        let kind = if self.spec.storage.is_some() {
            "StatefulSet"
        } else {
            "Deployment"
        };
        Some(HorizontalPodAutoscaler {
            metadata: self.metadata(name.clone()),
            spec: Some(HorizontalPodAutoscalerSpec {
                // A bound of 0 is refused at the `.autoscale(..)` call; the object keeps a valid
                // one so that the call is reported alone, not its consequence as well.
                min_replicas: Some(share(bounds.min.max(1).into(), weight)),
                max_replicas: share(bounds.max.max(1).into(), weight),
                scale_target_ref: CrossVersionObjectReference {
                    api_version: Some("apps/v1".to_owned()),
                    kind: kind.to_owned(),
                    name,
                },
                metrics: Some(vec![MetricSpec {
                    type_: "Resource".to_owned(),
                    resource: Some(ResourceMetricSource {
                        name: "cpu".to_owned(),
                        target: MetricTarget {
                            type_: "Utilization".to_owned(),
                            average_utilization: Some(bounds.cpu_percent.into()),
                            ..Default::default()
                        },
                    }),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            ..Default::default()
        })
    }
}
