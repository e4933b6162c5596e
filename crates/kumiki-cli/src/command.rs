//! The command line: parses arguments (clap) and dispatches to this library, printing what
//! each command reports and exiting with its documented code. [`main`] runs kumiki's commands;
//! [`main_with`] adds a platform's own (a benchmark, a release helper) beside them.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::builder::PossibleValuesParser;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use kumiki::values::EnvId;

/// Synthesizes the platform written in Rust into plain YAML under release/, checks it, and
/// shows what a change does to it.
#[derive(Parser)]
#[command(
    after_help = "Exit codes: 0 success (diff: no change), 1 the model has errors (nothing written), \
2 usage error, 3 release/ is stale (check) or differs (diff), 4 a file or git ref could not be read \
or written."
)]
struct Cli<E: Subcommand> {
    #[command(subcommand)]
    command: Command<E>,
}

/// No commands beyond kumiki's.
#[derive(Subcommand)]
pub enum NoExtra {}

#[derive(Subcommand)]
enum Command<E: Subcommand> {
    /// Synthesize release/<env>/ from platform/ and services/.
    ///
    /// Every environment is checked first and all errors are reported together, each with
    /// the source location of its declaration; nothing is written while there is one. Each
    /// environment directory is then replaced atomically (written beside it, then swapped
    /// in), which also removes files the code no longer produces. An environment that is
    /// already up to date is left untouched.
    Synth {
        /// Environment to synthesize.
        #[arg(long, default_value = "all")]
        env: String,
        /// Output root; environments go to <OUT>/<env>/. Default: release/ in the workspace.
        #[arg(long, value_name = "OUT")]
        out: Option<PathBuf>,
    },
    /// Fail when release/ is not exactly what the code synthesizes (for CI).
    ///
    /// Lists every missing, stale and unexpected file. Writes nothing.
    Check {
        /// Environment to check.
        #[arg(long, default_value = "all")]
        env: String,
        /// Output root to compare with. Default: release/ in the workspace.
        #[arg(long, value_name = "OUT")]
        out: Option<PathBuf>,
    },
    /// Show what the code synthesizes now against release/ (or release/ at a git ref).
    ///
    /// Per environment and app: objects added, removed, changed and moved (matched by kind,
    /// namespace and name, not by file), most important kinds first; a unified diff of each
    /// changed file; one line per image bump; and warnings for every deletion (Argo CD's prune
    /// removes it) and every change Kubernetes rejects or that forces a replacement (workload
    /// selectors, StatefulSet volumeClaimTemplates and serviceName, Service clusterIP and
    /// type, Job templates, PVC storage class, immutable ConfigMaps). Writes nothing.
    ///
    /// Colour on a terminal; plain when piped or when NO_COLOR is set.
    #[command(
        after_help = "Exit codes: 0 no change, 3 changes, 1 the model has errors, 2 usage error, \
4 release/ or the git ref could not be read."
    )]
    Diff {
        /// Environment to diff.
        #[arg(long, default_value = "all")]
        env: String,
        /// Compare with release/ at this git ref (branch, tag, commit), read through git
        /// without touching the work tree. Default: release/ as it is on disk.
        #[arg(long, value_name = "GIT_REF", conflicts_with = "out")]
        base: Option<String>,
        /// text for a terminal or a CI log, markdown for a pull-request comment, json for
        /// tools (the shape of schemas/diff.schema.json).
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Output root to compare with instead of release/ in the workspace.
        #[arg(long, value_name = "OUT")]
        out: Option<PathBuf>,
    },
    /// List every service's containers: image repository and tag, container ports, the
    /// Service ports and ingress listeners that reach them, and the node group.
    ///
    /// Read from the model of the environment (what synth would write), so it always matches
    /// release/. Writes nothing.
    Catalog {
        /// Environment to list.
        #[arg(long, value_enum)]
        env: String,
        /// text: an aligned table; json: the shape of schemas/catalog.schema.json.
        #[arg(long, value_enum, default_value_t = CatalogFormat::Text)]
        format: CatalogFormat,
    },
    /// Set one image version in a service's images.yaml, then synthesize that environment.
    ///
    /// Edits only that value (comments and layout kept; a missing environment line is added
    /// under the entry). An invalid version, an unknown service or container, or a version the
    /// platform's version policy does not allow in --env (a floating tag such as `latest`
    /// outside development, a word where a release number or commit id is required) is refused
    /// with exit 2 and the file left byte-identical; so is an environment reached by promotion
    /// (`promote` sets it), unless --skip-promotion says why. Then synthesizes --env (unless
    /// --no-synth); when synth finds errors the file is put back as it was. The file is never
    /// read or written through a symbolic link, and the command waits for any other command
    /// writing the workspace (the lock .kumiki.lock).
    #[command(
        after_help = "VERSION is `tag`, `tag@sha256:<64 hex>` or `@sha256:<64 hex>`, as the platform's version policy allows.

Exit codes: 0 set (or already so), 1 the model has errors (file restored), 2 refused (file untouched), 4 a file could not be read or written (the message says what was left)."
    )]
    SetImage {
        /// The service (its directory under services/).
        service: String,
        /// The container. Default: the service's only container.
        #[arg(long)]
        container: Option<String>,
        /// A canary version of the container (the entry `<container>@<version>`).
        #[arg(long, value_name = "NAME")]
        version: Option<String>,
        /// The environment to set.
        #[arg(long, value_enum)]
        env: String,
        /// The version.
        #[arg(value_name = "VERSION")]
        image_version: String,
        /// Set an environment that is reached by promotion directly (a hotfix), saying why:
        /// the reason is printed with the change, for its commit message.
        #[arg(long, value_name = "REASON")]
        skip_promotion: Option<String>,
        /// Only edit the file; do not synthesize.
        #[arg(long)]
        no_synth: bool,
    },
    /// Copy the exact image versions (digests included) of services from one environment to
    /// another, then synthesize the target.
    ///
    /// Prints each version that moves (`account/gin: d74ac1c → e5f6a7b`). Refuses, touching
    /// nothing, when --from -> --to is not a step of the platform's promotion path (unless
    /// --skip-promotion says why), or a version to promote is not pinned (`latest`) or not
    /// allowed in --to by the version policy. When synth finds errors the files are put back as
    /// they were. Waits for any other command writing the workspace.
    #[command(
        after_help = "Exit codes: 0 promoted (or nothing to promote), 1 the model has errors (files restored), 2 refused (files untouched), 4 a file could not be read or written."
    )]
    Promote {
        /// The environment whose versions are promoted.
        #[arg(long, value_enum)]
        from: String,
        /// The environment that receives them.
        #[arg(long, value_enum)]
        to: String,
        /// Services to promote.
        #[arg(value_name = "SERVICE", required_unless_present = "all", conflicts_with = "all")]
        services: Vec<String>,
        /// Promote every service.
        #[arg(long)]
        all: bool,
        /// Promote between environments the promotion path does not connect, saying why: the
        /// reason is printed with the change, for its commit message.
        #[arg(long, value_name = "REASON")]
        skip_promotion: Option<String>,
        /// Only edit the files; do not synthesize.
        #[arg(long)]
        no_synth: bool,
    },
    /// Generate a typed Rust module for a custom resource from its CRD (with kopium).
    ///
    /// Per kind: the chosen version (default: the storage version) with its status stripped
    /// goes through `kopium --hide-kube`; the module names the command, the source file, its
    /// fingerprint and kopium's version, and ends with `kumiki::crds::custom_resource!`, so
    /// the kind is an object an App takes (group, version, plural and scope from the CRD; a
    /// cluster-scoped kind with a namespace is a synth error). The crate holding the module
    /// depends on `kumiki` and `serde` (with `derive`); the command says so after writing.
    ///
    /// Every name the CRD gives is checked before it reaches code: the group (a DNS
    /// subdomain), kind (CamelCase letters and digits), plural and versions (DNS labels), and
    /// the schema's property names, enum values and descriptions (no quotes, backslashes or
    /// control characters). A CRD with several storage versions needs --version. Two CRDs of
    /// one kind in different groups go to `<group>_<kind>.rs`; a file at the module's path that
    /// is not the module of the same CRD is never overwritten. Modules are written below the
    /// workspace only, never through a link, each replaced whole. Needs kopium 0.24.1 (`cargo
    /// install kopium --version 0.24.1 --locked`); the normal build and tests never do.
    #[command(
        after_help = "Exit codes: 0 written, 2 refused (kopium missing, not a CRD, a name that is not one, several storage versions without --version, no such kind or version, --out outside the workspace or through a link, a file that is not this CRD's module), 4 a file could not be read or written. Nothing is written when one CRD is refused."
    )]
    ImportCrd {
        /// A CRD file, or a directory of CRD files.
        source: PathBuf,
        /// Only this kind (repeat the flag); default: every CRD given.
        #[arg(long = "kind", value_name = "KIND")]
        kinds: Vec<String>,
        /// The version to generate; default: the CRD's storage version.
        #[arg(long)]
        version: Option<String>,
        /// Where the modules go, one `<kind_snake_case>.rs` each.
        #[arg(long, value_name = "DIR", default_value = ".")]
        out: PathBuf,
        /// The path the module reaches kumiki by: the facade crate `kumiki` unless the crate
        /// renames it (the SDK's own kinds use `crate::sdk`, a module of the same shape).
        #[arg(long, value_name = "PATH", default_value = crate::crd_import::DEFAULT_SDK_PATH)]
        sdk_path: String,
    },
    #[command(flatten)]
    Extra(E),
    /// List every rule synth checks: kumiki's and the platform's own, id and summary.
    ///
    /// Every synth error ends with `[rule: <id>]`; `explain <id>` says why the rule exists and
    /// how to fix what breaks it; the platform's exemptions name rules.
    Rules {
        /// text: one line per rule; json: the shape of schemas/rules.schema.json.
        #[arg(long, value_enum, default_value_t = CatalogFormat::Text)]
        format: CatalogFormat,
    },
    /// Explain one rule: what it requires, why, and an example of the fix.
    #[command(after_help = "Exit codes: 0 explained, 2 no rule has that id.")]
    Explain {
        /// The rule's id, as an error names it (`pod.probes`).
        id: String,
    },
    /// Write the JSON Schemas of kumiki's files and outputs to schemas/: the image versions
    /// file, `catalog --format json`, `diff --format json` and `rules --format json`.
    ///
    /// The versions files' first line points editors at theirs (`# yaml-language-server:
    /// $schema=…`); a test fails when a checked-in schema is not what this writes.
    Schemas,
    /// Create a service crate under services/ from the platform's template and register it.
    ///
    /// The crate (services/<NAME>, Rust type in UpperCamelCase) is what the platform's
    /// scaffold writes: one Microservice whose container listens on PORT, exposed on Service
    /// port PORT, with its images.yaml (IMAGE_REPO is the image repository of the
    /// environments that pull from a registry). It compiles and synthesizes as created; set
    /// the image versions and the probes, then synthesize. Refuses an invalid or existing
    /// name, a crate the workspace refers to, and every name the platform itself uses (apps,
    /// output directories, Argo CD Applications and projects), and leaves nothing
    /// half-created.
    NewService {
        /// The service's name, kebab-case (`ledger`, `order-api`): crate, app and resource names.
        name: String,
        /// The port the container listens on.
        #[arg(long)]
        port: u16,
        /// The image repository of the environments that pull from a registry. Default:
        /// <NAME>-repository.
        #[arg(long, value_name = "IMAGE_REPO")]
        image_repo: Option<String>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Markdown,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum CatalogFormat {
    Text,
    Json,
}

/// The environments `choice` names among the workspace's: one, or `all` of them in
/// promotion order. clap has already checked the name against them.
fn chosen(workspace: &crate::Workspace, choice: &str) -> Result<Vec<EnvId>, crate::Failure> {
    if choice == "all" {
        return Ok(workspace.envs.to_vec());
    }
    one(workspace, choice).map(|env| vec![env])
}

fn one(workspace: &crate::Workspace, name: &str) -> Result<EnvId, crate::Failure> {
    kumiki::values::find_env(workspace.envs, name).map_err(|unknown| crate::Failure::Refused(unknown.to_string()))
}

/// The command line of `workspace`: its name, and its environments as the values `--env`,
/// `--from` and `--to` accept (and list in `--help`).
fn command_line<E: Subcommand>(workspace: &crate::Workspace) -> clap::Command {
    let names: Vec<&'static str> = workspace.envs.iter().map(|env| env.as_str()).collect();
    let mut command = Cli::<E>::command().name(workspace.command).bin_name(workspace.command);
    let arguments = [
        ("synth", "env", true),
        ("check", "env", true),
        ("diff", "env", true),
        ("catalog", "env", false),
        ("set-image", "env", false),
        ("promote", "from", false),
        ("promote", "to", false),
    ];
    for (subcommand, argument, with_all) in arguments {
        let mut values = names.clone();
        if with_all {
            values.push("all");
        }
        command = command.mut_subcommand(subcommand, |sub| {
            sub.mut_arg(argument, |arg| arg.value_parser(PossibleValuesParser::new(values)))
        });
    }
    command
}

/// `path` relative to the current directory when it is below it, as a user would type it.
fn shown(path: &Path) -> String {
    let relative = std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf));
    relative.unwrap_or_else(|| path.to_path_buf()).display().to_string()
}

/// Runs kumiki's command line over `workspace` and returns the exit code.
pub fn main(workspace: &crate::Workspace) -> ExitCode {
    main_with(workspace, |extra: NoExtra, _| match extra {})
}

/// Runs kumiki's command line over `workspace` with the platform's own subcommands `E`
/// beside kumiki's, each handled by `extra`.
pub fn main_with<E: Subcommand>(
    workspace: &crate::Workspace,
    extra: impl FnOnce(E, &crate::Workspace) -> ExitCode,
) -> ExitCode {
    main_from(workspace, std::env::args_os(), extra)
}

/// [`main_with`] on the arguments `args` (the first is the program's name), as tests run it.
pub fn main_from<E: Subcommand>(
    workspace: &crate::Workspace,
    args: impl IntoIterator<Item = impl Into<std::ffi::OsString> + Clone>,
    extra: impl FnOnce(E, &crate::Workspace) -> ExitCode,
) -> ExitCode {
    if let Err(message) =
        crate::policy::check_distinct(workspace.envs).and_then(|()| workspace.release.check(workspace.envs))
    {
        eprintln!("error: the workspace is misdeclared: {message}");
        return ExitCode::from(2);
    }
    let matches = match command_line::<E>(workspace).try_get_matches_from(args) {
        Ok(matches) => matches,
        Err(error) => return usage(&error),
    };
    match Cli::<E>::from_arg_matches(&matches) {
        Ok(cli) => run(workspace, cli.command, extra),
        Err(error) => usage(&error),
    }
}

/// Prints clap's error or help and returns its exit code (0 for `--help`, 2 otherwise).
fn usage(error: &clap::Error) -> ExitCode {
    let _ = error.print();
    ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2))
}

fn run<E: Subcommand>(
    workspace: &crate::Workspace,
    command: Command<E>,
    extra: impl FnOnce(E, &crate::Workspace) -> ExitCode,
) -> ExitCode {
    // Every command that writes the workspace holds its lock: two at once take turns, each
    // reading what the other wrote.
    let _lock = match writes(&command)
        .then(|| crate::files::lock(&workspace.root))
        .transpose()
    {
        Ok(lock) => lock,
        Err(failure) => return exit(workspace, Err(failure)),
    };
    let result = match command {
        Command::Extra(command) => return extra(command, workspace),
        Command::Diff { env, base, format, out } => return diff(workspace, &env, base, format, out),
        Command::ImportCrd {
            source,
            kinds,
            version,
            out,
            sdk_path,
        } => import_crd(workspace, &source, &kinds, version.as_deref(), &out, &sdk_path),
        Command::Synth { env, out } => synth(workspace, &env, out),
        Command::Check { env, out } => check(workspace, &env, out),
        Command::NewService { name, port, image_repo } => new_service(workspace, &name, port, image_repo.as_deref()),
        Command::SetImage {
            service,
            container,
            version,
            env,
            image_version,
            skip_promotion,
            no_synth,
        } => {
            let request = ImageRequest {
                service: &service,
                container: container.as_deref(),
                canary: version.as_deref(),
                version: &image_version,
                skip_promotion: skip_promotion.as_deref(),
            };
            set_image(workspace, &env, &request, no_synth)
        }
        Command::Promote {
            from,
            to,
            services,
            all: _,
            skip_promotion,
            no_synth,
        } => one(workspace, &from).and_then(|from| {
            let request = crate::images::Promote {
                from,
                to: one(workspace, &to)?,
                services: &services,
                skip_promotion: skip_promotion.as_deref(),
            };
            let outcome = crate::images::promote(workspace, &request, !no_synth);
            report_images(workspace, outcome, skip_promotion.as_deref())
        }),
        Command::Schemas => schemas(workspace),
        Command::Catalog { env, format } => catalog(workspace, &env, format),
        Command::Rules { format } => {
            let rules = crate::rules::list(workspace);
            match format {
                CatalogFormat::Text => print!("{}", crate::rules::render_all(&rules, &crate::rules::given(workspace))),
                CatalogFormat::Json => print!(
                    "{}",
                    crate::json::to_json(&crate::json::RulesReport::new(&rules, &crate::rules::given(workspace)))
                ),
            }
            Ok(())
        }
        Command::Explain { id } => crate::rules::explain(workspace, &id).map(|text| print!("{text}")),
    };
    exit(workspace, result)
}

/// Whether `command` writes to the workspace (and so holds its lock).
fn writes<E: Subcommand>(command: &Command<E>) -> bool {
    matches!(
        command,
        Command::Synth { .. }
            | Command::SetImage { .. }
            | Command::Promote { .. }
            | Command::NewService { .. }
            | Command::Schemas
            | Command::ImportCrd { .. }
    )
}

/// The exit code of a command's result, printing the failure and what to do about it.
fn exit(workspace: &crate::Workspace, result: Result<(), crate::Failure>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("{failure}");
            if let crate::Failure::Stale(_) = failure {
                eprintln!("run `{} synth --env all` and commit release/", workspace.command);
            }
            ExitCode::from(failure.exit_code())
        }
    }
}

fn import_crd(
    workspace: &crate::Workspace,
    source: &Path,
    kinds: &[String],
    version: Option<&str>,
    out: &Path,
    sdk_path: &str,
) -> Result<(), crate::Failure> {
    // The modules go below the workspace; a relative --out is from the current directory.
    let out = std::env::current_dir()
        .map(|cwd| cwd.join(out))
        .map_err(|error| crate::Failure::Io(out.to_path_buf(), error))?;
    let import = crate::crd_import::Import {
        source,
        kinds,
        version,
        out: &out,
        root: &workspace.root,
        command: workspace.command,
        sdk_path,
        kopium: "kopium",
    };
    crate::crd_import::import(&import).map(|imported| {
        for module in imported {
            println!("{} {}: {}", module.kind, module.version, shown(&module.path));
        }
        println!(
            "the crate holding these modules needs {}",
            crate::crd_import::MODULE_DEPENDENCIES
        );
    })
}

fn synth(workspace: &crate::Workspace, env: &str, out: Option<PathBuf>) -> Result<(), crate::Failure> {
    let root = out.unwrap_or_else(|| workspace.release_root());
    if root.starts_with(&workspace.root) {
        crate::files::refuse_links(&workspace.root, &root)?;
    }
    let envs = chosen(workspace, env)?;
    for written in crate::synth(&root, &envs, |env| workspace.model(env))? {
        let dir = shown(&root.join(written.env.as_str()));
        match written.changes {
            0 => println!("{dir}: up to date ({} files)", written.files),
            n => println!("{dir}: {} files, {n} added, changed or removed", written.files),
        }
    }
    Ok(())
}

fn check(workspace: &crate::Workspace, env: &str, out: Option<PathBuf>) -> Result<(), crate::Failure> {
    let root = out.unwrap_or_else(|| workspace.release_root());
    let envs = chosen(workspace, env)?;
    let files = crate::check(&root, &envs, |env| workspace.model(env))?;
    println!("{}: up to date ({files} files)", shown(&root));
    Ok(())
}

fn diff(
    workspace: &crate::Workspace,
    env: &str,
    base: Option<String>,
    format: Format,
    out: Option<PathBuf>,
) -> ExitCode {
    let baseline = match base {
        Some(reference) => crate::Baseline::GitRef {
            repo: workspace.root.clone(),
            reference,
        },
        None => crate::Baseline::Directory(out.unwrap_or_else(|| workspace.release_root())),
    };
    let diffs = chosen(workspace, env)
        .and_then(|envs| crate::diff_in_order(&baseline, &envs, workspace.envs, |env| workspace.model(env)));
    match diffs {
        Ok(diffs) => {
            let rendered = match format {
                Format::Text => kumiki_diff::render_text(&diffs, true),
                Format::Markdown => kumiki_diff::render_markdown(&diffs),
                Format::Json => crate::json::to_json(&crate::json::DiffReport::new(&diffs)),
            };
            // anstream drops the colours when stdout is not a terminal or NO_COLOR is set.
            let _ = anstream::stdout().write_all(rendered.as_bytes());
            ExitCode::from(crate::diff_exit_code(&diffs))
        }
        Err(failure) => exit(workspace, Err(failure)),
    }
}

fn new_service(
    workspace: &crate::Workspace,
    name: &str,
    port: u16,
    image_repository: Option<&str>,
) -> Result<(), crate::Failure> {
    let request = crate::scaffold::Request {
        name,
        port,
        image_repository,
    };
    let created = crate::scaffold::new_service(workspace, &request)?;
    let registry = workspace.scaffold.map_or("", |scaffold| scaffold.registry_manifest);
    println!(
        "created {} (crate {}, type {}) and registered it in {registry}",
        shown(&created.dir),
        created.crate_name,
        created.service_type
    );
    println!(
        "next: set the image versions in {} and the probes in {}, then `{} synth --env all`",
        shown(&created.dir.join(crate::IMAGES_FILE)),
        shown(&created.dir.join("src/lib.rs")),
        workspace.command
    );
    Ok(())
}

/// What `set-image` asks to set, but the environment.
struct ImageRequest<'a> {
    service: &'a str,
    container: Option<&'a str>,
    canary: Option<&'a str>,
    version: &'a str,
    skip_promotion: Option<&'a str>,
}

fn set_image(
    workspace: &crate::Workspace,
    env: &str,
    asked: &ImageRequest,
    no_synth: bool,
) -> Result<(), crate::Failure> {
    let env = one(workspace, env)?;
    let request = crate::images::SetImage {
        service: asked.service,
        container: asked.container,
        canary: asked.canary,
        env,
        version: asked.version,
        skip_promotion: asked.skip_promotion,
    };
    let outcome = crate::images::set_image(workspace, &request, !no_synth);
    report_images(workspace, outcome, asked.skip_promotion)
}

fn schemas(workspace: &crate::Workspace) -> Result<(), crate::Failure> {
    let dir = workspace.root.join("schemas");
    crate::json::schemas(workspace.envs)
        .into_iter()
        .try_for_each(|(name, schema)| {
            let path = dir.join(name);
            crate::files::refuse_links(&workspace.root, &dir)?;
            std::fs::create_dir_all(&dir).map_err(|error| crate::Failure::Io(dir.clone(), error))?;
            crate::files::replace(&workspace.root, &path, schema.as_bytes())?;
            println!("wrote {}", shown(&path));
            Ok(())
        })
}

fn catalog(workspace: &crate::Workspace, env: &str, format: CatalogFormat) -> Result<(), crate::Failure> {
    let env = one(workspace, env)?;
    match format {
        CatalogFormat::Text => print!("{}", crate::catalog(workspace, env)?),
        CatalogFormat::Json => {
            let rows = crate::catalog_rows(workspace, env)?;
            print!(
                "{}",
                crate::json::to_json(&crate::json::CatalogReport::new(env.as_str(), rows))
            );
        }
    }
    Ok(())
}

/// Prints what `set-image` or `promote` moved and wrote.
fn report_images(
    workspace: &crate::Workspace,
    outcome: Result<crate::images::Outcome, crate::Failure>,
    skip_promotion: Option<&str>,
) -> Result<(), crate::Failure> {
    match outcome {
        Ok(outcome) => {
            if outcome.moved.is_empty() {
                println!("nothing to change: the versions already are as asked");
            }
            for moved in &outcome.moved {
                println!("{moved}");
            }
            if let (Some(reason), false) = (skip_promotion, outcome.moved.is_empty()) {
                println!("outside the promotion path, because: {reason}");
            }
            if let Some(written) = outcome.written {
                let dir = shown(&workspace.release_root().join(written.env.as_str()));
                println!(
                    "{dir}: {} files, {} added, changed or removed",
                    written.files, written.changes
                );
            }
            Ok(())
        }
        Err(failure @ crate::Failure::Model(_)) => {
            eprintln!("synth found errors, so the image versions files were put back as they were:");
            Err(failure)
        }
        Err(failure) => Err(failure),
    }
}
