//! The third-party charts the infra team installs, each an Application of its own: chart,
//! repository and version pinned here, values as structured data derived from the model
//! (gateway ports from the services' listeners, node groups from [`node_groups`]).

use kumiki::platform::components::{self, cluster_kinds};
use kumiki::platform::{ChartVersion, HelmChart, node_affinity, toleration};
use kumiki::prelude::*;

use crate::Env;
use kumiki::serde_json::{Value, json};

use crate::{AWS_ACCOUNT, databases, environment, mesh, namespaces, node_groups, telemetry};

/// The Istio release the mesh runs (charts and CRD schemas 1.30): the SDK's.
pub use components::ISTIO_VERSION;
/// The port Jaeger's collector receives Zipkin spans on, which istiod's proxies send to.
const JAEGER_ZIPKIN_PORT: u16 = 9411;
/// The port of Jaeger's query UI and API.
const JAEGER_QUERY_PORT: u16 = 16686;
/// The port of Prometheus's API.
const PROMETHEUS_PORT: u16 = 9090;
/// The port istiod serves its metrics and version on.
const ISTIOD_MONITORING_PORT: u16 = 15014;
/// The release name of kube-prometheus-stack, which names what it renders.
pub const PROMETHEUS_RELEASE: Name = name!("kube-prometheus-stack");
/// The release name of Jaeger, which names what it renders.
const JAEGER_RELEASE: Name = name!("jaeger");

/// The in-cluster address of `<release>-<component>`, a Service a chart renders in `namespace`.
fn chart_service(release: &Name, component: &str, namespace: &Name) -> String {
    format!("{release}-{component}.{namespace}")
}

const CLUSTER_ROLE: (&str, &str) = ("rbac.authorization.k8s.io", "ClusterRole");
const CLUSTER_ROLE_BINDING: (&str, &str) = ("rbac.authorization.k8s.io", "ClusterRoleBinding");

/// `affinity` and `tolerations` pinning a chart's pods to `group`, or nothing where the
/// environment has no such group (dev runs everything on one group).
fn pinned(env: Env, group: &NodeGroup) -> Value {
    if !environment(env).node_groups.contains(group) {
        return json!({});
    }
    json!({
        "affinity": node_affinity(group),
        "tolerations": toleration(group).into_iter().collect::<Vec<_>>(),
    })
}

/// Merges the keys of `extra` (an object) into `values` (an object).
fn with(mut values: Value, extra: Value) -> Value {
    if let (Some(values), Value::Object(extra)) = (values.as_object_mut(), extra) {
        values.extend(extra);
    }
    values
}

/// Every chart of `env`; `gateway_openers` are the apps whose listeners and egress routes
/// open ports on the gateways.
pub fn all(env: Env, gateway_openers: &[&App]) -> Vec<HelmChart> {
    let mesh = mesh();
    let revision = ISTIO_VERSION.hyphenated();
    let jaeger_zipkin = format!(
        "{}:{JAEGER_ZIPKIN_PORT}",
        chart_service(&JAEGER_RELEASE, "collector", &namespaces::JAEGER)
    );
    let prometheus_url = format!(
        "http://{}:{PROMETHEUS_PORT}",
        chart_service(&PROMETHEUS_RELEASE, "prometheus", &namespaces::PROMETHEUS)
    );
    let grafana_url = format!(
        "http://{}",
        chart_service(&PROMETHEUS_RELEASE, "grafana", &namespaces::PROMETHEUS)
    );
    let jaeger_url = format!(
        "http://{}:{JAEGER_QUERY_PORT}",
        chart_service(&JAEGER_RELEASE, "query", &namespaces::JAEGER)
    );
    // istiod runs as a revision: its Deployment, Service and config maps carry it.
    let istiod_deployment = format!("istiod-{revision}");

    let base = components::istio_base(namespaces::ISTIO_SYSTEM);
    let istiod = components::istiod(
        namespaces::ISTIO_SYSTEM,
        &mesh,
        json!({
            "pilot": with(json!({ "traceSampling": 100.0 }), pinned(env, &node_groups::SYSTEM)),
            "meshConfig": {
                "accessLogFile": "/dev/stdout",
                "defaultConfig": { "tracing": { "zipkin": { "address": jaeger_zipkin } } },
            },
        }),
    );
    let gateway = |proxy: &kumiki::platform::GatewayProxy, service_type: &str| {
        let openers = gateway_openers.iter().copied();
        components::istio_gateway(proxy, service_type, openers, pinned(env, &node_groups::INGRESS))
    };
    let ingress_type = match env {
        // dev runs on one machine, reached through NodePorts 3000N.
        Env::Dev => "NodePort",
        Env::Stg | Env::Prd => "LoadBalancer",
    };
    let ingress = gateway(&mesh.ingress, ingress_type);
    let egress = gateway(&mesh.egress, "ClusterIP");

    let system = |values: Value| with(values, pinned(env, &node_groups::SYSTEM));
    let prometheus = components::kube_prometheus_stack(
        PROMETHEUS_RELEASE,
        namespaces::PROMETHEUS,
        json!({
            "prometheus": { "prometheusSpec": system(telemetry::prometheus_spec()) },
            "alertmanager": { "alertmanagerSpec": system(json!({})) },
            "grafana": system(json!({})),
        }),
    );

    let mut kiali = HelmChart::new(
        name!("kiali"),
        "https://kiali.org/helm-charts",
        "kiali-server",
        ChartVersion::new(1, 78, 0),
        namespaces::ISTIO_SYSTEM,
        json!({
            "auth": { "strategy": "anonymous" },
            "deployment": pinned(env, &node_groups::SYSTEM),
            "external_services": {
                "prometheus": { "url": prometheus_url },
                "grafana": { "enabled": true, "in_cluster_url": grafana_url },
                "tracing": { "enabled": true, "in_cluster_url": jaeger_url, "use_grpc": false },
                "istio": {
                    "root_namespace": mesh.root_namespace.to_string(),
                    "config_map_name": format!("istio-{revision}"),
                    "istio_sidecar_injector_config_map_name": format!("istio-sidecar-injector-{revision}"),
                    "istiod_deployment_name": istiod_deployment,
                    "url_service_version": format!("http://{istiod_deployment}.{}:{ISTIOD_MONITORING_PORT}/version", namespaces::ISTIO_SYSTEM),
                    "component_status": {
                        "enabled": true,
                        "components": [
                            { "app_label": "istiod" },
                            { "app_label": mesh.ingress.name.to_string(), "namespace": mesh.ingress.namespace.to_string() },
                            { "app_label": mesh.egress.name.to_string(), "namespace": mesh.egress.namespace.to_string() },
                        ],
                    },
                },
            },
        }),
    );
    kiali.cluster_kinds = cluster_kinds(&[CLUSTER_ROLE, CLUSTER_ROLE_BINDING]);
    kiali.after = vec![name!("istiod")];

    let jaeger = HelmChart::new(
        JAEGER_RELEASE,
        "https://jaegertracing.github.io/helm-charts",
        "jaeger",
        ChartVersion::new(0, 73, 1),
        namespaces::JAEGER,
        json!({
            "agent": { "enabled": false },
            "collector": system(json!({ "service": { "zipkin": { "port": JAEGER_ZIPKIN_PORT } } })),
            "query": system(json!({})),
            "cassandra": { "persistence": { "enabled": true } },
        }),
    );

    let mut fluent_bit = HelmChart::new(
        name!("fluent-bit"),
        "https://fluent.github.io/helm-charts",
        "fluent-bit",
        ChartVersion::new(0, 21, 7),
        namespaces::FLUENT_BIT,
        json!({
            // A DaemonSet: it collects logs on every node, tainted ones included.
            "tolerations": [{ "operator": "Exists" }],
            // No log store is deployed (the chart's default output is an Elasticsearch that
            // does not exist): Fluent Bit runs with no output, explicitly, until one is chosen
            // here. `kubectl logs` reads the logs meanwhile.
            "config": { "outputs": "" },
        }),
    );
    fluent_bit.cluster_kinds = cluster_kinds(&[CLUSTER_ROLE, CLUSTER_ROLE_BINDING]);
    let mut charts = vec![base, istiod, ingress, egress, prometheus, kiali, jaeger, fluent_bit];
    charts.extend(external_secrets(env));
    charts.extend(karpenter(env));
    charts.push(crate::argocd::chart(env));
    charts
}

/// Karpenter, which provisions the nodes of the node groups' NodePools (stg, prd). Its
/// controller runs on the `system` group, whose first nodes are the EKS managed node group the
/// cluster is created with (the same label and taint): nothing else can start it. It launches
/// instances with the IAM role its ServiceAccount is annotated with (IRSA). The chart installs
/// the NodePool and EC2NodeClass CRDs, so the pools sync after it.
fn karpenter(env: Env) -> Option<HelmChart> {
    if env == Env::Dev {
        return None;
    }
    let cluster = crate::node_pools::cluster_name(env);
    let role = format!("arn:aws:iam::{AWS_ACCOUNT}:role/KarpenterController-{cluster}");
    let values = json!({
        "settings": { "clusterName": cluster },
        "serviceAccount": { "annotations": { "eks.amazonaws.com/role-arn": role } },
    });
    Some(components::karpenter(
        namespaces::KARPENTER,
        with(values, pinned(env, &node_groups::SYSTEM)),
    ))
}

/// The External Secrets Operator, where a SecretStore exists (stg, prd): it reads AWS Secrets
/// Manager with the IAM role its ServiceAccount is annotated with (IRSA). The chart installs
/// the operator's own CRDs (as every user of the operator does), so the API server validates
/// what kumiki writes against the upstream schema; it runs only the namespaced controllers,
/// without the cluster-wide kinds or the webhooks.
fn external_secrets(env: Env) -> Option<HelmChart> {
    databases::secret_store(env, &namespaces::SERVICES)?;
    let role = format!(
        "arn:aws:iam::{AWS_ACCOUNT}:role/{}-{env}-external-secrets",
        crate::PART_OF
    );
    let values = json!({
        "processClusterExternalSecret": false,
        "processClusterStore": false,
        "processPushSecret": false,
        "webhook": { "create": false },
        "certController": { "create": false },
        "serviceAccount": { "annotations": { "eks.amazonaws.com/role-arn": role } },
    });
    Some(components::external_secrets(
        namespaces::EXTERNAL_SECRETS,
        with(values, pinned(env, &node_groups::SYSTEM)),
    ))
}
