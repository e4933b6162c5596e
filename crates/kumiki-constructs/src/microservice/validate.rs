//! What the types cannot rule out about one Microservice, checked against its environment.
//! Each problem points at the call that caused it.

use kumiki_core::{Name, SourceLocation};
use kumiki_synth::rules::Rule;

use super::spec::WorkloadKind;
use super::spec::{DisruptionBudget, MicroserviceSpec, Patch};
use crate::rules::{
    CRON_JOB_SCHEDULE, MICROSERVICE_CONFIG_FILES, MICROSERVICE_CONTAINERS, MICROSERVICE_EXPOSURE,
    MICROSERVICE_MESH_ONLY, MICROSERVICE_METRICS, MICROSERVICE_PLACEMENT, MICROSERVICE_ROLLOUT, MICROSERVICE_SCALING,
    MICROSERVICE_VERSIONS,
};

/// A problem, its rule and the line of the call that caused it.
pub(crate) struct Problem {
    pub(crate) at: SourceLocation,
    pub(crate) rule: &'static Rule,
    pub(crate) message: String,
}

/// Every problem of `spec`.
pub(crate) fn problems(spec: &MicroserviceSpec) -> Vec<Problem> {
    let mut problems = Vec::new();
    let checks: [(&'static Rule, Check); 10] = [
        (&MICROSERVICE_CONTAINERS, containers),
        (&MICROSERVICE_EXPOSURE, exposure),
        (&MICROSERVICE_VERSIONS, versions),
        (&MICROSERVICE_MESH_ONLY, mesh_only),
        (&MICROSERVICE_CONFIG_FILES, config_files),
        (&MICROSERVICE_METRICS, metrics),
        (&MICROSERVICE_PLACEMENT, placement),
        (&MICROSERVICE_SCALING, scaling),
        (&MICROSERVICE_ROLLOUT, rollout),
        (&CRON_JOB_SCHEDULE, schedule),
    ];
    for (rule, check) in checks {
        check(spec, &mut |at, message| problems.push(Problem { at, rule, message }));
    }
    problems
}

type Report<'a> = dyn FnMut(SourceLocation, String) + 'a;

/// The checks of one concern, each reporting under its rule.
type Check = fn(&MicroserviceSpec, &mut Report);

/// Metrics need someone to scrape them: the environment names the scraper.
fn metrics(spec: &MicroserviceSpec, report: &mut Report) {
    if let (Some(metrics), None) = (&spec.metrics, &spec.environment.scraper) {
        report(
            metrics.at,
            format!(
                "serves metrics on port {}, but {} declares no metrics scraper (`Environment::scraper`), \
                 so nothing would scrape them",
                metrics.value.port.port_name(),
                spec.environment.env
            ),
        );
    }
}

fn containers(spec: &MicroserviceSpec, report: &mut Report) {
    let environment = &spec.environment;
    if spec.containers.is_empty() {
        report(
            spec.declared_at,
            "has no container: add one with `.container(..)`".to_owned(),
        );
    }
    // Repeated container and port names are found by synth's pod checks; numbers here.
    let container_names: Vec<&Name> = spec.containers.iter().map(|c| &c.name).collect();
    let mut port_numbers = Vec::new();
    for container in &spec.containers {
        for port in &container.ports {
            if port_numbers.contains(&port.value.number) {
                report(port.at, format!("port {} is declared twice", port.value.number));
            }
            port_numbers.push(port.value.number);
        }
        for (at, message) in &container.refused {
            report(*at, message.clone());
        }
        // Whether the image is pinned is a pod rule, checked on the final objects.
        if !environment.env.is_development() && container.image.is_local() {
            report(
                container.declared_at,
                format!(
                    "container \"{}\": image {} comes from the local registry, which only dev has",
                    container.name, container.image
                ),
            );
        }
    }
    let probes = spec.probes.all().map(|probe| (&probe.container, probe.declared_at));
    let targets = (spec.service_ports.iter()).map(|port| (&port.target.container, port.at));
    for (container, at) in probes.chain(targets) {
        if !container_names.contains(&container) {
            report(
                at,
                format!(
                    "refers to a port or probe of container \"{container}\", which was not added with `.container(..)`"
                ),
            );
        }
    }
}

fn exposure(spec: &MicroserviceSpec, report: &mut Report) {
    let mut exposed = Vec::new();
    for service_port in &spec.service_ports {
        if exposed.contains(&service_port.port) {
            report(
                service_port.at,
                format!("Service port {} is exposed twice", service_port.port),
            );
        }
        exposed.push(service_port.port);
    }
    let mut listener_ports = Vec::new();
    for binding in &spec.listeners {
        let port = binding.listener.port;
        if listener_ports.contains(&port) {
            report(binding.at, format!("ingress listener port {port} is declared twice"));
        }
        listener_ports.push(port);
    }
    if let Some(traffic) = &spec.traffic
        && let (Some(timeout), Some(retries)) = (traffic.value.timeout, &traffic.value.retries)
    {
        let attempts = u64::from(retries.attempts) + 1;
        let worst = retries.per_try_timeout.as_millis().saturating_mul(attempts);
        if worst > timeout.as_millis() {
            report(
                traffic.at,
                format!(
                    "{attempts} attempts of {} each need {worst}ms, more than the {timeout} timeout: the last retries can never run",
                    retries.per_try_timeout
                ),
            );
        }
    }
}

/// Weighted versions add up, each named once, on an exposed, stateless Microservice.
fn versions(spec: &MicroserviceSpec, report: &mut Report) {
    if let Some(versions) = &spec.versions {
        let total: u32 = versions.value.iter().map(|v| u32::from(v.weight)).sum();
        if total != 100 {
            report(versions.at, format!("version weights add up to {total}, not 100"));
        }
        for (index, version) in versions.value.iter().enumerate() {
            if versions.value[..index].iter().any(|other| other.name == version.name) {
                report(versions.at, format!("version \"{}\" is declared twice", version.name));
            }
        }
        if spec.storage.is_some() {
            report(
                versions.at,
                "declares versions, but a stateful Microservice runs one StatefulSet: versions need Deployments"
                    .to_owned(),
            );
        }
        if spec.service_ports.is_empty() {
            report(
                versions.at,
                "declares versions but exposes no port: no route could split traffic".to_owned(),
            );
        }
    }
}

/// Configuration files: one absolute directory.
fn config_files(spec: &MicroserviceSpec, report: &mut Report) {
    let Some(files) = &spec.config_files else {
        return;
    };
    if !files.value.directory.starts_with('/') {
        report(
            files.at,
            format!(
                "config file directory \"{}\" is not an absolute path",
                files.value.directory
            ),
        );
    }
    for (directory, at) in &files.value.other_directories {
        report(
            *at,
            format!(
                "config files go in one directory: \"{directory}\" differs from \"{}\", declared first",
                files.value.directory
            ),
        );
    }
}

/// Declarations only a service mesh can carry out, in an environment without one.
fn mesh_only(spec: &MicroserviceSpec, report: &mut Report) {
    if spec.environment.mesh.is_some() {
        return;
    }
    let env = spec.environment.env;
    for binding in &spec.listeners {
        report(
            binding.at,
            format!(
                "{env} has no mesh, so no ingress gateway: expose the Service with `.expose(..)` and route to it with the cluster's own ingress"
            ),
        );
    }
    if let Some(versions) = &spec.versions {
        report(
            versions.at,
            format!(
                "{env} has no mesh to split traffic between versions: run one version, or declare a mesh in the environment"
            ),
        );
    }
    if let Some(traffic) = &spec.traffic {
        report(
            traffic.at,
            format!(
                "{env} has no mesh to apply a traffic policy (retries, timeouts, circuit breaking): remove it for this environment"
            ),
        );
    }
    for caller in &spec.callers {
        report(
            caller.at,
            format!(
                "{env} has no mesh identities to authorize callers by: allow their namespace with `.allow_from(..)`"
            ),
        );
    }
}

/// The node group pinned to is one of the environment's.
fn placement(spec: &MicroserviceSpec, report: &mut Report) {
    if let Some(group) = &spec.node_group
        && !spec.environment.node_groups.contains(&group.value)
    {
        report(
            group.at,
            format!(
                "is pinned to node group \"{}\", which {} does not have",
                group.value.name, spec.environment.env
            ),
        );
    }
}

fn scaling(spec: &MicroserviceSpec, report: &mut Report) {
    let min_replicas = match &spec.autoscale {
        // min > max is found by synth's autoscaler check.
        Some(autoscale) => {
            let bounds = autoscale.value;
            if bounds.min == 0 {
                report(
                    autoscale.at,
                    "autoscale minimum is 0; an autoscaler keeps at least one replica".to_owned(),
                );
            }
            if bounds.cpu_percent == 0 || bounds.cpu_percent > 100 {
                report(
                    autoscale.at,
                    format!("autoscale target {}% CPU is outside 1..=100", bounds.cpu_percent),
                );
            }
            if let Some(replicas) = &spec.replicas {
                report(
                    replicas.at,
                    "sets both fixed replicas and autoscale; an autoscaled workload has no fixed replicas".to_owned(),
                );
            }
            bounds.min
        }
        None => spec.replicas(),
    };
    // With fixed replicas, synth's disruption budget check compares them; here the
    // autoscaler's minimum, which synth cannot see on the Deployment.
    if let Some(budget) = &spec.disruption_budget {
        match budget.value {
            DisruptionBudget::MinAvailable(n) if spec.autoscale.is_some() && n >= min_replicas => report(
                budget.at,
                format!(
                    "disruption budget minAvailable {n} is not below the {min_replicas} replica(s): no pod could ever be evicted"
                ),
            ),
            DisruptionBudget::MaxUnavailable(0) => report(
                budget.at,
                "disruption budget maxUnavailable 0: no pod could ever be evicted".to_owned(),
            ),
            _ => {}
        }
    }
    if let Some(storage) = spec.storage.as_ref().filter(|storage| !storage.value.per_pod)
        && (spec.autoscale.is_some() || spec.replicas() != 1 || !spec.versions().is_empty())
    {
        report(
            storage.at,
            format!(
                "claims one volume \"{}\" for a single pod, but runs more than one replica: use `VolumeClaim::new` for a claim per pod",
                storage.value.name
            ),
        );
    }
}

fn rollout(spec: &MicroserviceSpec, report: &mut Report) {
    for patch in &spec.patches {
        match (&patch.value, &spec.storage) {
            (Patch::Deployment(_), Some(_)) => report(
                patch.at,
                "patches a Deployment, but a stateful Microservice runs a StatefulSet: use `.patch_stateful_set(..)`"
                    .to_owned(),
            ),
            (Patch::StatefulSet(_), None) => report(
                patch.at,
                "patches a StatefulSet, but this Microservice runs a Deployment: use `.patch_deployment(..)`"
                    .to_owned(),
            ),
            _ => {}
        }
    }
    let policy = &spec.environment.policy;
    if policy.termination_grace_period_seconds <= policy.pre_stop_sleep_seconds {
        report(
            spec.declared_at,
            format!(
                "terminationGracePeriodSeconds {} does not exceed the preStop sleep of {}s",
                policy.termination_grace_period_seconds, policy.pre_stop_sleep_seconds
            ),
        );
    }
}

/// A CronJob's schedule: a macro, or five fields each within its range.
fn schedule(spec: &MicroserviceSpec, report: &mut Report) {
    let WorkloadKind::CronJob(cron) = &spec.kind else {
        return;
    };
    let schedule = cron.schedule.value.trim();
    const MACROS: [&str; 7] = [
        "@yearly",
        "@annually",
        "@monthly",
        "@weekly",
        "@daily",
        "@midnight",
        "@hourly",
    ];
    if MACROS.contains(&schedule) {
        return;
    }
    let fields: Vec<&str> = schedule.split_whitespace().collect();
    let problem = if fields.len() != 5 {
        Some(format!(
            "has {} fields; a cron expression has 5 (minute hour day-of-month month day-of-week)",
            fields.len()
        ))
    } else {
        const NAMES: [(&str, u32, u32, &[&str]); 5] = [
            ("minute", 0, 59, &[]),
            ("hour", 0, 23, &[]),
            ("day of month", 1, 31, &[]),
            (
                "month",
                1,
                12,
                &[
                    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
                ],
            ),
            ("day of week", 0, 7, &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]),
        ];
        (fields.iter().zip(NAMES)).find_map(|(field, (what, low, high, names))| {
            (!cron_field_fits(field, low, high, names))
                .then(|| format!("{what} \"{field}\" is not {low}-{high}, `*`, a range, a list or a step"))
        })
    };
    if let Some(problem) = problem {
        report(cron.schedule.at, format!("schedule \"{schedule}\" {problem}"));
    }
}

/// Whether one cron field (`*`, `5`, `1-5`, `*/15`, `1,15`, `MON-FRI`) stays in `low..=high`.
fn cron_field_fits(field: &str, low: u32, high: u32, names: &[&str]) -> bool {
    let value = |part: &str| {
        part.parse::<u32>().ok().filter(|n| (low..=high).contains(n)).is_some()
            || names.iter().any(|name| name.eq_ignore_ascii_case(part))
    };
    field.split(',').all(|item| {
        let (range, step) = match item.split_once('/') {
            Some((range, step)) => (range, Some(step)),
            None => (item, None),
        };
        let step_fits = step.is_none_or(|step| step.parse::<u32>().is_ok_and(|n| n > 0));
        let range_fits = range == "*"
            || match range.split_once('-') {
                Some((from, to)) => value(from) && value(to),
                None => value(range),
            };
        step_fits && range_fits
    })
}

#[cfg(test)]
mod tests {
    use super::cron_field_fits;

    #[test]
    fn cron_fields_within_their_ranges() {
        for fits in ["*", "5", "0-59", "*/15", "1,15,30", "10-20/5"] {
            assert!(cron_field_fits(fits, 0, 59, &[]), "{fits}");
        }
        for wrong in ["60", "-1", "*/0", "a", "", "1-", "5/x"] {
            assert!(!cron_field_fits(wrong, 0, 59, &[]), "{wrong}");
        }
        assert!(cron_field_fits(
            "MON-FRI",
            0,
            7,
            &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
        ));
    }
}
