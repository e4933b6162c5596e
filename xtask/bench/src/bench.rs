//! `cargo xtask bench`: synthesizes N synthetic services through the public constructs and
//! measures it. One measured run is one process of the optimized `bench-synth` binary (so peak
//! RSS is the run's own); this module holds the model and the run both use.

use std::path::Path;
use std::time::{Duration, Instant};
use std::{fs, io};

use kumiki::k8s_openapi::api::apps::v1::Deployment;
use kumiki::k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use kumiki::k8s_openapi::api::core::v1::{ConfigMap, Service};
use kumiki::k8s_openapi::api::policy::v1::PodDisruptionBudget;
use kumiki::model::Declared;
use kumiki::platform::{Exemption, PlatformFacts};
use kumiki::prelude::*;
use kumiki::rules::POD_SERVICE_ACCOUNT;
use kumiki::synth::{Model, parallel, write};
use platform::Env;

/// Which objects each synthetic service contributes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    /// ConfigMap, Deployment, Service, HorizontalPodAutoscaler, PodDisruptionBudget: the
    /// object set of the peer generators in `../shared/bench`, in prd only.
    PeerParity,
    /// Everything the Microservice construct emits, in dev, stg and prd.
    Full,
}

impl Profile {
    /// The profile's command-line name.
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::PeerParity => "peer-parity",
            Profile::Full => "full",
        }
    }

    /// The environments the profile synthesizes.
    pub fn envs(self) -> &'static [Env] {
        match self {
            Profile::PeerParity => &[Env::Prd],
            Profile::Full => &Env::ALL,
        }
    }
}

/// Marks the synthetic services' handles; each instance is renamed with `Microservice::named`.
struct Synthetic;

impl ServiceId for Synthetic {
    const NAME: Name = name!("synthetic");
}

fn is_peer_kind(declared: &Declared) -> bool {
    let any = declared.object.as_any();
    any.is::<ConfigMap>()
        || any.is::<Deployment>()
        || any.is::<Service>()
        || any.is::<HorizontalPodAutoscaler>()
        || any.is::<PodDisruptionBudget>()
}

/// Service `index` of the benchmark, as a service crate would declare it. `variant` changes
/// service 0's setting: an edit of one service, for the incremental runs.
fn synthetic_service(env: Env, index: usize, profile: Profile, variant: u32) -> App {
    let name = Name::try_from(format!("svc-{index:05}").as_str()).expect("a valid name");
    let image = Image::new(Registry::DockerHub, repository!("acme/web"), tag!("1.0.0"));
    let mut web = Container::<Synthetic>::new(name!("web"), image);
    let http = web.port(Protocol::Http, port_name!("web"), port!(8080));
    let mut app = Microservice::<Synthetic>::new(&platform::environment(env))
        .named(name)
        .container(web)
        .readiness(Probe::http("/ready", &http))
        .liveness(Probe::tcp(&http))
        .expose(port!(80), &http)
        .autoscale(2, 10, 70)
        .disruption_budget(DisruptionBudget::MinAvailable(1))
        .config("GREETING", &greeting(index, variant))
        .pin_to(&platform::node_groups::APP)
        .build();
    if profile == Profile::PeerParity {
        app.retain(is_peer_kind);
    }
    app
}

fn greeting(index: usize, variant: u32) -> String {
    match (index, variant) {
        (0, 1..) => format!("hello from {index}, edit {variant}"),
        _ => format!("hello from {index}"),
    }
}

/// The benchmark model of `env`: `services` synthetic services, built on every core as
/// `xtask::model` builds the registered ones, on the platform's node groups; `variant` edits
/// service 0.
pub fn model(env: Env, services: usize, profile: Profile, variant: u32) -> Model {
    let indexes: Vec<usize> = (0..services).collect();
    let apps = parallel::map(&indexes, |&index| synthetic_service(env, index, profile, variant));
    let mut exemptions = Vec::new();
    if profile == Profile::PeerParity {
        // The peers' object set has no ServiceAccount; the benchmark's platform says so.
        exemptions.extend(apps.iter().map(|app| {
            Exemption::new(
                app.name().clone(),
                &POD_SERVICE_ACCOUNT,
                "the peer-parity benchmark writes the peers' object set, which has no ServiceAccount",
            )
        }));
    }
    let facts = PlatformFacts::builder()
        .node_groups(platform::environment(env).node_groups)
        .scraper(platform::telemetry::scraper())
        .exemptions(exemptions)
        .build();
    Model::new(env, facts, apps)
}

/// What one run produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunFigures {
    /// Objects written.
    pub objects: usize,
    /// Bytes written.
    pub bytes: usize,
    /// Building the model, checking, rendering and writing.
    pub wall: Duration,
    /// Of which building the model (the constructs' lowering).
    pub model: Duration,
    /// Of which checking and rendering (`synthesize`).
    pub synth: Duration,
}

/// One run: builds the model, synthesizes every environment of `profile` and writes it under
/// `out` (as `cargo xtask synth` does: only what differs).
///
/// The releases are handed back rather than freed: the process that measures a run exits
/// right after it, and freeing tens of thousands of strings is work that exiting does not
/// need. (Synth frees the model itself, on every core, as it serializes it.)
pub fn run(services: usize, profile: Profile, out: &Path, variant: u32) -> Result<(RunFigures, Leftovers), String> {
    let start = Instant::now();
    let mut objects = 0;
    let mut bytes = 0;
    let (mut model_time, mut synth_time) = (Duration::ZERO, Duration::ZERO);
    let mut leftovers = Leftovers::default();
    for &env in profile.envs() {
        let phase = Instant::now();
        let model = model(env, services, profile, variant);
        model_time += phase.elapsed();
        let phase = Instant::now();
        let release = kumiki::synth::synthesize(model).map_err(|errors| errors.to_string())?;
        synth_time += phase.elapsed();
        objects += release.files.len();
        bytes += release.files.values().map(String::len).sum::<usize>();
        write::write(out, &release).map_err(|error| format!("{}: {error}", out.display()))?;
        leftovers.releases.push(release);
    }
    let figures = RunFigures {
        objects,
        bytes,
        wall: start.elapsed(),
        model: model_time,
        synth: synth_time,
    };
    Ok((figures, leftovers))
}

/// What a run built, for a process about to exit to leave unfreed (`std::mem::forget`).
#[derive(Default)]
pub struct Leftovers {
    /// The releases of each environment.
    pub releases: Vec<kumiki::synth::Release>,
}

/// This process's peak resident set, in KiB (Linux; 0 elsewhere).
pub fn peak_rss_kib() -> u64 {
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    (status.lines())
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Copies the tree `from` to `to` (the physical floor: the same files, no synthesis).
pub fn copy_tree(from: &Path, to: &Path) -> io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

/// The median of `values` (the upper one of an even count).
pub fn median<T: Ord + Copy>(values: &mut [T]) -> T {
    values.sort();
    values[values.len() / 2]
}

/// Medians over the runs of one N on one file system, each run a whole `bench-synth` process
/// timed from exec to exit.
#[derive(Clone, Copy, Debug)]
pub struct Summary {
    /// Synthetic services.
    pub services: usize,
    /// Objects written by a full run.
    pub objects: usize,
    /// Bytes written by a full run.
    pub bytes: usize,
    /// A full synth into an empty directory.
    pub full: Duration,
    /// A synth after service 0 changed, into the previous run's output.
    pub incremental: Duration,
    /// Peak RSS of a full run, KiB.
    pub rss_kib: u64,
    /// Copying a full run's output tree: the floor of writing those files there.
    pub copy: Duration,
    /// In-process breakdown of a full run: building the model.
    pub model: Duration,
    /// In-process breakdown of a full run: checking and rendering.
    pub synth: Duration,
}

fn field<T: std::str::FromStr>(line: &str, key: &str) -> Result<T, String> {
    (line.split_whitespace())
        .find_map(|pair| pair.strip_prefix(key)?.strip_prefix('='))
        .and_then(|value| value.parse().ok())
        .ok_or_else(|| format!("bench-synth printed no {key}: {line}"))
}

/// One `bench-synth` process: its wall time from exec to exit, and the line it printed.
fn process(
    binary: &Path,
    services: usize,
    profile: Profile,
    target: &Path,
    variant: u32,
) -> Result<(Duration, String), String> {
    let start = Instant::now();
    let output = std::process::Command::new(binary)
        .args([services.to_string(), profile.as_str().to_owned()])
        .arg(target)
        .arg(variant.to_string())
        .output()
        .map_err(|error| format!("{}: {error}", binary.display()))?;
    let wall = start.elapsed();
    if !output.status.success() {
        return Err(format!(
            "bench-synth failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok((wall, String::from_utf8_lossy(&output.stdout).trim().to_owned()))
}

/// Measures `services` under `out`: `runs` full synths into an empty directory, `runs`
/// incremental synths (service 0 edited each time) into the previous output, and `runs`
/// copies of the output tree; medians.
pub fn measure(binary: &Path, services: usize, profile: Profile, out: &Path, runs: usize) -> Result<Summary, String> {
    let target = out.join(format!("kumiki-{}-{services}", profile.as_str()));
    let copy = out.join(format!("copy-{}-{services}", profile.as_str()));
    let (mut full, mut incremental, mut rss, mut copies) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut model_times, mut synth_times) = (Vec::new(), Vec::new());
    let mut produced = (0, 0);
    for _ in 0..runs.max(1) {
        let _ = fs::remove_dir_all(&target);
        let (wall, line) = process(binary, services, profile, &target, 0)?;
        full.push(wall);
        produced = (field(&line, "objects")?, field(&line, "bytes")?);
        rss.push(field::<u64>(&line, "rss_kib")?);
        model_times.push(Duration::from_micros(field(&line, "model_us")?));
        synth_times.push(Duration::from_micros(field(&line, "synth_us")?));

        let _ = fs::remove_dir_all(&copy);
        let start = Instant::now();
        copy_tree(&target, &copy).map_err(|error| format!("copying {}: {error}", target.display()))?;
        copies.push(start.elapsed());
        let _ = fs::remove_dir_all(&copy);
    }
    for variant in 1..=runs.max(1) as u32 {
        let (wall, _) = process(binary, services, profile, &target, variant)?;
        incremental.push(wall);
    }
    let _ = fs::remove_dir_all(&target);
    Ok(Summary {
        services,
        objects: produced.0,
        bytes: produced.1,
        full: median(&mut full),
        incremental: median(&mut incremental),
        rss_kib: median(&mut rss),
        copy: median(&mut copies),
        model: median(&mut model_times),
        synth: median(&mut synth_times),
    })
}
