//! Lowering a declared workload (Microservice, Worker or CronJob) into its app: compiled
//! once, in the SDK, whatever the service. One pod template for every kind; then, by concern,
//! the workload objects, the Service and its routing in the mesh, the access policies and the
//! database. Each object points at the call that shaped it (a patched workload at the patch,
//! the Service at `expose`, the autoscaler at `autoscale`), the rest at the constructor.

use k8s_openapi::api::core::v1::PodTemplateSpec;
use kumiki_core::SourceLocation;
use kumiki_synth::{App, DeclaredCall, DeclaredNamespace};

use crate::database::Owner;
use crate::mesh::{GatewayListener, Mesh};

use super::context::Lowering;
use super::database::server;
use super::spec::{MicroserviceSpec, Patch, WorkloadKind};
use super::validate::problems;

/// The app of `spec`, with the problems found in it.
pub(crate) fn lower(spec: MicroserviceSpec) -> App {
    let mut app = App::new_at(spec.name.clone(), spec.declared_at);
    lower_into(&spec, &mut app);
    app
}

fn lower_into(spec: &MicroserviceSpec, app: &mut App) {
    for problem in problems(spec) {
        app.report(problem.at, problem.rule, problem.message);
    }
    let lowering = Lowering { spec };
    let template = pods(&lowering, app);
    match &spec.kind {
        WorkloadKind::CronJob(schedule) => {
            let mut cron_job = lowering.cron_job(template, schedule);
            let patched_at = apply_patches(spec, &mut cron_job, |patch| match patch {
                Patch::CronJob(edit) => Some(edit.as_ref()),
                _ => None,
            });
            app.add_at(cron_job, patched_at.unwrap_or(schedule.schedule.at));
        }
        WorkloadKind::Service | WorkloadKind::Worker => {
            workloads(&lowering, template, app);
            let budget_at = spec.disruption_budget.as_ref().map(|budget| budget.at);
            app.add_at(lowering.disruption_budget(), budget_at.unwrap_or(spec.declared_at));
        }
    }
    service(&lowering, app);
    if let (Some(first), Some(mesh)) = (spec.service_ports.first(), &spec.environment.mesh) {
        routing(&lowering, mesh, first.at, app);
    }
    access(&lowering, app);
    if spec.database.is_some() {
        database(spec, app);
    }
}

/// The pod template every workload kind runs, with the ServiceAccount its pods run as and
/// the ConfigMaps they read.
fn pods(lowering: &Lowering, app: &mut App) -> PodTemplateSpec {
    let spec = lowering.spec;
    let connection = (spec.database.as_ref()).map(|database| database.value.connection(&spec.name));
    let config_map = (spec.config.as_ref()).map(|config| (lowering.config_map(&config.value), config.at));
    let config_map_name = config_map.as_ref().and_then(|(map, _)| map.metadata.name.clone());
    let template = lowering.pod_template(config_map_name.as_deref(), connection.as_ref());
    app.add_at(lowering.service_account(), spec.declared_at);
    if let Some((config_map, at)) = config_map {
        app.add_at(config_map, at);
    }
    if let Some(files) = &spec.config_files {
        app.add_at(lowering.config_files_map(&files.value.files), files.at);
    }
    template
}

/// A Deployment per version (one when unversioned), or a StatefulSet with its claims and
/// headless Service; an autoscaler each when autoscaled.
fn workloads(lowering: &Lowering, template: PodTemplateSpec, app: &mut App) {
    let spec = lowering.spec;
    let new = spec.declared_at;
    let autoscale_at = spec.autoscale.as_ref().map(|autoscale| autoscale.at);
    let Some(storage) = &spec.storage else {
        for (name, template, weight) in lowering.versioned_templates(template) {
            let mut deployment = lowering.deployment(name.clone(), template, weight);
            let patched_at = apply_patches(spec, &mut deployment, |patch| match patch {
                Patch::Deployment(edit) => Some(edit.as_ref()),
                _ => None,
            });
            app.add_at(deployment, patched_at.unwrap_or(new));
            if let Some(autoscaler) = lowering.autoscaler(name, weight) {
                app.add_at(autoscaler, autoscale_at.unwrap_or(new));
            }
        }
        return;
    };
    let mut stateful_set = lowering.stateful_set(template, &storage.value);
    let patched_at = apply_patches(spec, &mut stateful_set, |patch| match patch {
        Patch::StatefulSet(edit) => Some(edit.as_ref()),
        _ => None,
    });
    app.add_at(stateful_set, patched_at.unwrap_or(new));
    if let Some(claim) = lowering.single_claim() {
        app.add_at(lowering.claim(claim), storage.at);
    }
    app.add_at(lowering.headless_service(), storage.at);
    if let Some(autoscaler) = lowering.autoscaler(lowering.name(), None) {
        app.add_at(autoscaler, autoscale_at.unwrap_or(new));
    }
}

/// The Service of the exposed ports (and the metrics port), and the ServiceMonitor that points
/// the platform's scraper at it.
fn service(lowering: &Lowering, app: &mut App) {
    let spec = lowering.spec;
    let metrics_at = spec.metrics.as_ref().map(|metrics| metrics.at);
    if let Some(at) = spec.service_ports.first().map(|first| first.at).or(metrics_at) {
        app.add_at(lowering.service(), at);
    }
    if let (Some(metrics), Some(scraper)) = (&spec.metrics, &spec.environment.scraper) {
        app.add_at(lowering.service_monitor(&metrics.value, scraper), metrics.at);
    }
}

/// Routing in the mesh (only there: validation reports the declarations when there is none):
/// the DestinationRule and VirtualService of the exposed ports, the listeners' Gateway and
/// VirtualService, and the listeners published for the platform to open on the gateway.
fn routing(lowering: &Lowering, mesh: &Mesh, first_port_at: SourceLocation, app: &mut App) {
    let spec = lowering.spec;
    let traffic_at = spec.traffic.as_ref().map(|traffic| traffic.at);
    let versions_at = spec.versions.as_ref().map(|versions| versions.at);
    let shaped_at = spec.first_of(&[versions_at, traffic_at, Some(first_port_at)]);
    app.add_at(lowering.destination_rule(mesh), shaped_at);
    app.add_at(lowering.mesh_virtual_service(), shaped_at);
    if let Some((gateway, virtual_service)) = lowering.ingress(mesh) {
        let listener_at = spec.listeners.first().map_or(spec.declared_at, |binding| binding.at);
        app.add_at(gateway, listener_at);
        app.add_at(virtual_service, listener_at);
    }
    for binding in &spec.listeners {
        app.publish(GatewayListener {
            proxy: mesh.ingress.name.clone(),
            listener: binding.listener.clone(),
            declared_at: binding.at,
        });
    }
}

/// Who may reach the pods: the NetworkPolicy and, where callers are restricted, the
/// AuthorizationPolicy.
fn access(lowering: &Lowering, app: &mut App) {
    let spec = lowering.spec;
    let first_source = spec.ingress_from.first().map(|source| source.at);
    let first_caller = spec.callers.first().map(|caller| caller.at);
    let first_listener = spec.listeners.first().map(|binding| binding.at);
    app.add_at(lowering.network_policy(), spec.first_of(&[first_source, first_caller]));
    // Each declared caller is a call the release must carry through every layer (`reach.*`);
    // a declared namespace makes its workloads' calls declared ones.
    if !spec.service_ports.is_empty() {
        for source in &spec.ingress_from {
            app.publish(DeclaredNamespace {
                namespace: source.namespace.clone(),
                service_namespace: spec.environment.namespace.clone(),
                service: spec.name.clone(),
                ports: (source.ports.iter())
                    .map(|port| (port.number.get(), port.port_name()))
                    .collect(),
                declared_at: source.at,
            });
        }
        for caller in &spec.callers {
            app.publish(DeclaredCall {
                caller_namespace: caller.namespace.clone(),
                caller_service_account: caller.service_account.clone(),
                service_namespace: spec.environment.namespace.clone(),
                service: spec.name.clone(),
                ports: (caller.ports.iter())
                    .map(|port| (port.number.get(), port.port_name()))
                    .collect(),
                declared_at: caller.at,
            });
        }
    }
    if let Some(policy) = lowering.authorization_policy() {
        app.add_at(policy, spec.first_of(&[first_caller, first_listener]));
    }
}

/// The workload's database: its server in the cluster (a Microservice of its own) where the
/// environment runs one, and what the owner reads to connect.
fn database(spec: &MicroserviceSpec, app: &mut App) {
    let Some(database) = &spec.database else { return };
    let owner = Owner {
        name: &spec.name,
        environment: &spec.environment,
        declared_at: database.at,
    };
    if let Some(mysql) = database.value.in_cluster() {
        match server(&database.value, mysql, spec, database.at) {
            Ok(server) => lower_into(&server, app),
            Err(message) => app.report(database.at, &crate::rules::DATABASE_SERVER, message),
        }
    }
    database.value.lower(&owner, app);
}

/// Applies the patches of one workload kind to `workload`, in order; the line of the last one
/// (the workload's errors point there), if any applied.
fn apply_patches<T>(
    spec: &MicroserviceSpec,
    workload: &mut T,
    edit_of: impl Fn(&Patch) -> Option<&dyn Fn(&mut T)>,
) -> Option<SourceLocation> {
    let mut patched_at = None;
    for patch in &spec.patches {
        if let Some(edit) = edit_of(&patch.value) {
            edit(workload);
            patched_at = Some(patch.at);
        }
    }
    patched_at
}
