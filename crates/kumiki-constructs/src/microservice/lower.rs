//! Lowering a declared Microservice into its app: compiled once, in the SDK, whatever the
//! service. Each object points at the call that shaped it (a patched workload at the patch,
//! the Service at `expose`, the autoscaler at `autoscale`), the rest at `Microservice::new`.

use kumiki_core::SourceLocation;
use kumiki_synth::App;

use crate::database::Owner;
use crate::mesh::GatewayListener;

use super::context::Lowering;
use super::database::server;
use super::spec::{MicroserviceSpec, Patch};
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
    let new = spec.declared_at;
    let connection = spec
        .database
        .as_ref()
        .map(|database| database.value.connection(&spec.name));
    let config_map = spec
        .config
        .as_ref()
        .map(|config| (lowering.config_map(&config.value), config.at));
    let config_map_name = config_map.as_ref().and_then(|(map, _)| map.metadata.name.clone());
    let template = lowering.pod_template(config_map_name.as_deref(), connection.as_ref());
    app.add_at(lowering.service_account(), new);
    if let Some((config_map, at)) = config_map {
        app.add_at(config_map, at);
    }
    if let Some(files) = &spec.config_files {
        app.add_at(lowering.config_files_map(&files.value.files), files.at);
    }
    let autoscale_at = spec.autoscale.as_ref().map(|autoscale| autoscale.at);
    match &spec.storage {
        None => {
            for (name, template, weight) in lowering.versioned_templates(template) {
                let mut deployment = lowering.deployment(name.clone(), template, weight);
                let patched_at = apply_patches(spec, &mut deployment, |patch| match patch {
                    Patch::Deployment(edit) => Some(edit.as_ref()),
                    Patch::StatefulSet(_) => None,
                });
                app.add_at(deployment, patched_at.unwrap_or(new));
                if let Some(autoscaler) = lowering.autoscaler(name, weight) {
                    app.add_at(autoscaler, autoscale_at.unwrap_or(new));
                }
            }
        }
        Some(storage) => {
            let mut stateful_set = lowering.stateful_set(template, &storage.value);
            let patched_at = apply_patches(spec, &mut stateful_set, |patch| match patch {
                Patch::StatefulSet(edit) => Some(edit.as_ref()),
                Patch::Deployment(_) => None,
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
    }
    let metrics_at = spec.metrics.as_ref().map(|metrics| metrics.at);
    if let Some(at) = spec.service_ports.first().map(|first| first.at).or(metrics_at) {
        app.add_at(lowering.service(), at);
    }
    if let (Some(metrics), Some(scraper)) = (&spec.metrics, &spec.environment.scraper) {
        app.add_at(lowering.service_monitor(&metrics.value, scraper), metrics.at);
    }
    // Routing, gateways and listeners exist in the mesh only (validation reports their
    // declarations when there is none).
    if let (Some(first), Some(mesh)) = (spec.service_ports.first(), &spec.environment.mesh) {
        let routing = lowering.routing(mesh);
        let traffic_at = spec.traffic.as_ref().map(|traffic| traffic.at);
        let versions_at = spec.versions.as_ref().map(|versions| versions.at);
        app.add_at(
            routing.destination_rule,
            spec.first_of(&[versions_at, traffic_at, Some(first.at)]),
        );
        app.add_at(
            routing.virtual_service,
            spec.first_of(&[versions_at, traffic_at, Some(first.at)]),
        );
        if let Some((gateway, virtual_service)) = routing.ingress {
            let listener_at = spec.listeners.first().map_or(new, |binding| binding.at);
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
    let budget_at = spec.disruption_budget.as_ref().map(|budget| budget.at);
    app.add_at(lowering.disruption_budget(), budget_at.unwrap_or(new));
    let first_source = spec.ingress_from.first().map(|source| source.at);
    let first_caller = spec.callers.first().map(|caller| caller.at);
    let first_listener = spec.listeners.first().map(|binding| binding.at);
    app.add_at(lowering.network_policy(), spec.first_of(&[first_source, first_caller]));
    if let Some(policy) = lowering.authorization_policy() {
        app.add_at(policy, spec.first_of(&[first_caller, first_listener]));
    }
    if let Some(database) = &spec.database {
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
