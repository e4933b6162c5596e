//! What every workload builder (Microservice, Worker, CronJob) declares about its pods, written
//! once: each macro expands to methods of the builder it is invoked in, which holds the
//! `spec` they record into. The builders differ only in what they add beside the pods.

/// Containers, settings, configuration files, node group and database: what shapes the pods.
macro_rules! pod_declarations {
    () => {
        /// Deploys this instance under `name` instead of `S::NAME` (several instances of one
        /// service type, such as one per tenant); its port handles are still `S`'s.
        pub fn named(mut self, name: kumiki_core::Name) -> Self {
            self.spec.name = name;
            self
        }

        /// Adds a container; the first one added is the main container.
        pub fn container(mut self, container: $crate::microservice::Container<S>) -> Self {
            self.spec.containers.push(container.spec);
            self
        }

        /// A public setting, delivered to every container as an environment variable through
        /// a ConfigMap whose name carries a hash of the contents (a change rolls the pods).
        #[track_caller]
        pub fn config(mut self, key: &str, value: &str) -> Self {
            // Captured here: a closure would report its own line, inside the SDK.
            let declared = $crate::microservice::typestate::at(std::collections::BTreeMap::new());
            let config = self.spec.config.get_or_insert(declared);
            config.value.insert(key.to_owned(), value.to_owned());
            self
        }

        /// A configuration file `name` with `contents`, mounted read-only in the main
        /// container at `directory/name`; every file of a workload goes in one directory,
        /// through a ConfigMap whose name carries a hash of the contents, so a change rolls
        /// the pods.
        #[track_caller]
        pub fn config_file(mut self, directory: &str, name: &str, contents: &str) -> Self {
            let caller = kumiki_core::SourceLocation::caller();
            let files = self
                .spec
                .config_files
                .get_or_insert_with(|| $crate::microservice::spec::At {
                    value: $crate::microservice::spec::ConfigFiles {
                        directory: directory.to_owned(),
                        ..Default::default()
                    },
                    at: caller,
                });
            if files.value.directory != directory {
                files.value.other_directories.push((directory.to_owned(), caller));
            }
            files.value.files.insert(name.to_owned(), contents.to_owned());
            self
        }

        /// Pins the pods to `group`: a required node affinity, and the toleration for its
        /// taint. The group must exist in the environment (checked at synth time).
        #[track_caller]
        pub fn pin_to(mut self, group: &kumiki_core::NodeGroup) -> Self {
            self.spec.node_group = Some($crate::microservice::typestate::at(group.clone()));
            self
        }

        /// Gives the workload its own MySQL `database`, as the environment provides it (see
        /// [`Database`](crate::Database)): the database's objects join this app, and the main
        /// container gets the connection settings `DB_HOST`, `DB_PORT`, `DB_DATABASE`, and
        /// `DB_USERNAME` / `DB_PASSWORD` from the Secret `<name>-db-credentials`, the same
        /// names in every environment.
        #[track_caller]
        pub fn database(mut self, database: $crate::database::Database) -> Self {
            self.spec.database = Some($crate::microservice::typestate::at(database));
            self
        }
    };
}

/// Readiness, liveness and startup probes of a long-running workload: `$builder<S, R, L>`'s
/// typestate records the first two, which `build()` requires.
macro_rules! probe_declarations {
    ($builder:ident) => {
        /// Adds a readiness probe to the container its port (or exec target) belongs to.
        pub fn readiness(
            mut self,
            probe: $crate::probe::Probe<S>,
        ) -> $builder<S, $crate::microservice::typestate::HasReadiness, L> {
            self.spec.probes.readiness.push(probe.spec);
            $builder::wrap(self.spec)
        }

        /// Adds a liveness probe to the container its port (or exec target) belongs to.
        pub fn liveness(
            mut self,
            probe: $crate::probe::Probe<S>,
        ) -> $builder<S, R, $crate::microservice::typestate::HasLiveness> {
            self.spec.probes.liveness.push(probe.spec);
            $builder::wrap(self.spec)
        }

        /// Adds a startup probe (optional): liveness waits until it succeeds.
        pub fn startup(mut self, probe: $crate::probe::Probe<S>) -> Self {
            self.spec.probes.startup.push(probe.spec);
            self
        }
    };
}

/// Replicas, autoscaling and the disruption budget of a long-running workload.
macro_rules! scaling_declarations {
    () => {
        /// A fixed replica count (default: the platform policy's).
        #[track_caller]
        pub fn replicas(mut self, replicas: u16) -> Self {
            self.spec.replicas = Some($crate::microservice::typestate::at(replicas));
            self
        }

        /// Scales between `min` and `max` replicas at `cpu_percent` average CPU utilization;
        /// the workload then has no fixed `replicas`.
        #[track_caller]
        pub fn autoscale(mut self, min: u16, max: u16, cpu_percent: u8) -> Self {
            let bounds = $crate::microservice::spec::Autoscale {
                min,
                max,
                cpu_percent,
            };
            self.spec.autoscale = Some($crate::microservice::typestate::at(bounds));
            self
        }

        /// Overrides the default disruption budget (`MaxUnavailable(1)`).
        #[track_caller]
        pub fn disruption_budget(mut self, budget: $crate::microservice::spec::DisruptionBudget) -> Self {
            self.spec.disruption_budget = Some($crate::microservice::typestate::at(budget));
            self
        }
    };
}

pub(crate) use {pod_declarations, probe_declarations, scaling_declarations};
