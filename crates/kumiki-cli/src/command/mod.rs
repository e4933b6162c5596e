//! The command line: parses arguments (clap) and dispatches to this library, printing what
//! each command reports and exiting with its documented code. [`main`] runs kumiki's commands;
//! [`main_with`] adds a platform's own (a benchmark, a release helper) beside them.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::builder::PossibleValuesParser;
use clap::{CommandFactory, FromArgMatches, Subcommand};
use kumiki::values::EnvId;

mod args;
mod live;
pub use args::NoExtra;
use args::{CatalogFormat, Cli, Command, Format, GraphFormat};

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
        ("graph", "env", false),
        ("verify", "env", true),
        ("watch", "env", true),
        ("set-image", "env", false),
        ("promote", "from", false),
        ("promote", "to", false),
    ];
    let envs = PossibleValuesParser::new(names.clone());
    command = command.mut_subcommand("cluster", |cluster| {
        cluster.mut_subcommand("apply", |apply| apply.mut_arg("env", |arg| arg.value_parser(envs)))
    });
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

/// `path` relative to the current directory when it is below it, as a user would type it,
/// without `.` and `dir/..` steps (a workspace root given as `cli/..` prints as itself).
fn shown(path: &Path) -> String {
    let path = &lexically_normal(path);
    let relative = std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf));
    let shown = relative.unwrap_or_else(|| path.to_path_buf()).display().to_string();
    if shown.is_empty() { ".".to_owned() } else { shown }
}

/// `path` with `.` steps dropped and each `dir/..` pair removed, reading nothing on disk.
fn lexically_normal(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut normal = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir if matches!(normal.components().next_back(), Some(Component::Normal(_))) => {
                normal.pop();
            }
            other => normal.push(other),
        }
    }
    normal
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
        Command::Diff {
            env,
            base,
            format,
            out,
            live: false,
            ..
        } => return diff(workspace, &env, base, format, out),
        Command::Diff {
            env,
            format,
            kubeconfig,
            selector,
            ..
        } => return live::diff(workspace, &env, format, kubeconfig, selector),
        Command::Verify { env, kubeconfig, crds } => live::verify(workspace, &env, kubeconfig, crds),
        Command::Cluster { action } => return live::cluster(workspace, action),
        Command::Watch { env } => chosen(workspace, &env).map(|_| watch(workspace, &env)),
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
        Command::Graph { env, format } => graph(workspace, &env, format),
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

/// `watch`: after each settled burst of saves, the diff of what it changes in release/, then
/// synth (so release/ follows the code), in new processes, forever.
fn watch(workspace: &crate::Workspace, env: &str) {
    let root = &workspace.root;
    let command = workspace.command;
    println!(
        "watching {} (Ctrl-C to stop): on save, `{command} diff --env {env}`, then `synth`",
        shown(root)
    );
    crate::watch::watch(
        root,
        crate::watch::Pace::default(),
        || true,
        |changed| {
            let named: Vec<String> = changed.iter().take(3).map(|path| shown(path)).collect();
            let more = changed.len().saturating_sub(named.len());
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            println!("\n== saved: {}{more}", named.join(", "));
            // A model with errors fails the diff (it prints them): nothing to write then.
            if crate::watch::run_command(root, command, &["diff", "--env", env]) {
                crate::watch::run_command(root, command, &["synth", "--env", env]);
            }
        },
    );
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

fn graph(workspace: &crate::Workspace, env: &str, format: GraphFormat) -> Result<(), crate::Failure> {
    let env = one(workspace, env)?;
    let edges = crate::graph(workspace, env)?;
    print!(
        "{}",
        match format {
            GraphFormat::Text => crate::graph::render_text(&edges),
            GraphFormat::Json => crate::json::to_json(&crate::json::GraphReport::new(env.as_str(), &edges)),
            GraphFormat::Mermaid => crate::graph::render_mermaid(&edges),
            GraphFormat::Dot => crate::graph::render_dot(&edges),
        }
    );
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

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    #[test]
    fn printed_paths_have_no_dot_dot_steps() {
        assert_eq!(
            super::lexically_normal(Path::new("/work/acme/cli/../release/./qa")),
            PathBuf::from("/work/acme/release/qa")
        );
        assert_eq!(
            super::lexically_normal(Path::new("../release")),
            PathBuf::from("../release")
        );
    }
}
