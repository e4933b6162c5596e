//! Presenting a diff: text for a terminal or a CI log, Markdown for a pull-request comment.

use std::fmt::Write;

use anstyle::{AnsiColor, Style};

use crate::compare::{ChangeKind, EnvDiff, ObjectChange};
use crate::review::ImageBump;

/// GitHub refuses comments over 65,536 characters; above this the diff bodies are left out.
const MARKDOWN_LIMIT: usize = 60_000;

/// `2 changed, 1 added`: the non-zero counts, in a fixed order.
fn summary<'a>(changes: impl IntoIterator<Item = &'a ObjectChange> + Clone) -> String {
    ChangeKind::ALL
        .iter()
        .filter_map(|kind| {
            let count = changes.clone().into_iter().filter(|c| c.kind == *kind).count();
            (count > 0).then(|| format!("{count} {}", kind.as_str()))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn sign(kind: ChangeKind) -> char {
    match kind {
        ChangeKind::Added => '+',
        ChangeKind::Removed => '-',
        ChangeKind::Changed => '~',
        ChangeKind::Moved => '>',
    }
}

/// Where the object is, or went.
fn location(change: &ObjectChange) -> String {
    match &change.from_path {
        Some(from) => format!("{from} → {}", change.path),
        None => change.path.clone(),
    }
}

struct Painter {
    color: bool,
}

impl Painter {
    fn paint(&self, style: Style, text: &str) -> String {
        if self.color {
            format!("{style}{text}{style:#}")
        } else {
            text.to_owned()
        }
    }

    fn diff_line(&self, line: &str) -> String {
        let color = if line.starts_with("+++") || line.starts_with("---") {
            Style::new().bold()
        } else if line.starts_with('+') {
            AnsiColor::Green.on_default()
        } else if line.starts_with('-') {
            AnsiColor::Red.on_default()
        } else if line.starts_with("@@") {
            AnsiColor::Cyan.on_default()
        } else {
            Style::new()
        };
        self.paint(color, line)
    }
}

/// The diff as text: per environment a summary per app, the warnings and image bumps, then
/// each app's objects with their unified diffs. With `color`, ANSI styles mark additions,
/// removals and warnings (the caller strips them when the output is not a terminal).
pub fn render_text(diffs: &[EnvDiff], color: bool) -> String {
    let painter = Painter { color };
    let bold = Style::new().bold();
    let warning = AnsiColor::Yellow.on_default().bold();
    let mut out = String::new();
    for diff in diffs {
        if diff.is_empty() {
            let _ = writeln!(out, "{}: no change", painter.paint(bold, &diff.env));
            continue;
        }
        let _ = writeln!(out, "{}: {}", painter.paint(bold, &diff.env), summary(&diff.changes));
        let apps = diff.apps();
        let width = apps.iter().map(|(app, _)| app.len()).max().unwrap_or(0);
        for (app, changes) in &apps {
            let _ = writeln!(out, "  {app:width$}  {}", summary(changes.iter().copied()));
        }
        for change in &diff.changes {
            for text in &change.warnings {
                let _ = writeln!(
                    out,
                    "{} {}/{}: {text}",
                    painter.paint(warning, "warning:"),
                    diff.env,
                    change.app
                );
            }
        }
        for bump in crate::review::distinct_bumps(&diff.changes) {
            let _ = match &bump.promoted_from {
                Some(from) => writeln!(out, "promoted: {from} → {}/{bump}", diff.env),
                None => writeln!(out, "image: {}/{bump}", diff.env),
            };
        }
        for edge in &diff.traffic.added {
            let _ = writeln!(out, "traffic: {}: can now call: {edge}", diff.env);
        }
        for edge in &diff.traffic.removed {
            let _ = writeln!(out, "traffic: {}: can no longer call: {edge}", diff.env);
        }
        for (app, changes) in &apps {
            let _ = writeln!(out, "\n{}", painter.paint(bold, &format!("── {}/{app} ──", diff.env)));
            for change in changes {
                let kind_style = match change.kind {
                    ChangeKind::Added => AnsiColor::Green.on_default(),
                    ChangeKind::Removed => AnsiColor::Red.on_default(),
                    ChangeKind::Changed | ChangeKind::Moved => AnsiColor::Yellow.on_default(),
                };
                let heading = format!("{} {} {}", sign(change.kind), change.kind.as_str(), change.key);
                let _ = writeln!(
                    out,
                    "{}  {}",
                    painter.paint(kind_style.bold(), &heading),
                    location(change)
                );
                for line in change.diff.iter().flat_map(|d| d.lines()) {
                    let _ = writeln!(out, "{}", painter.diff_line(line));
                }
            }
        }
    }
    out
}

/// The diff as a pull-request comment: a table per environment, warnings and image bumps
/// up front, and a collapsible section per app with its unified diffs. Above GitHub's size
/// limit the diff bodies are left out, with a note saying how to see them.
pub fn render_markdown(diffs: &[EnvDiff]) -> String {
    let full = markdown(diffs, true);
    if full.len() <= MARKDOWN_LIMIT {
        return full;
    }
    markdown(diffs, false)
}

fn markdown(diffs: &[EnvDiff], bodies: bool) -> String {
    let mut out = String::from("## kumiki diff\n");
    for diff in diffs {
        if diff.is_empty() {
            let _ = writeln!(out, "\n### {}: no change", diff.env);
            continue;
        }
        let _ = writeln!(out, "\n### {}: {}\n", diff.env, summary(&diff.changes));
        let _ = writeln!(
            out,
            "| app | added | removed | changed | moved |\n|---|--:|--:|--:|--:|"
        );
        let apps = diff.apps();
        for (app, changes) in &apps {
            let count = |kind| changes.iter().filter(|c| c.kind == kind).count();
            let _ = writeln!(
                out,
                "| `{app}` | {} | {} | {} | {} |",
                count(ChangeKind::Added),
                count(ChangeKind::Removed),
                count(ChangeKind::Changed),
                count(ChangeKind::Moved)
            );
        }
        let warnings: Vec<(&str, &String)> = (diff.changes.iter())
            .flat_map(|c| c.warnings.iter().map(move |w| (c.app.as_str(), w)))
            .collect();
        if !warnings.is_empty() {
            let _ = writeln!(out, "\n> [!WARNING]");
            for (app, text) in warnings {
                let _ = writeln!(out, "> - `{app}`: {text}");
            }
        }
        let (promotions, bumps): (Vec<&ImageBump>, Vec<&ImageBump>) = crate::review::distinct_bumps(&diff.changes)
            .into_iter()
            .partition(|bump| bump.promoted_from.is_some());
        if !promotions.is_empty() {
            let _ = writeln!(out, "\n**Promotions** (builds an earlier environment already runs)\n");
            for bump in promotions {
                let from = bump.promoted_from.as_deref().unwrap_or_default();
                let _ = writeln!(out, "- from {from}: {bump}");
            }
        }
        if !bumps.is_empty() {
            let _ = writeln!(out, "\n**Image bumps**\n");
            for bump in bumps {
                let _ = writeln!(out, "- {bump}");
            }
        }
        traffic_markdown(&diff.traffic, &mut out);
        if !bodies {
            let _ = writeln!(
                out,
                "\nThe diffs are too large for a comment: run `cargo xtask diff --env {}` to see them.",
                diff.env
            );
            continue;
        }
        for (app, changes) in &apps {
            let _ = writeln!(
                out,
                "\n<details><summary><b>{app}</b>: {}</summary>\n",
                summary(changes.iter().copied())
            );
            for change in changes {
                let _ = writeln!(
                    out,
                    "**{} {}** `{}` (`{}`)\n",
                    sign(change.kind),
                    change.kind.as_str(),
                    change.key,
                    location(change)
                );
                if let Some(body) = &change.diff {
                    // A fence longer than any backtick run inside, so YAML cannot close it.
                    let fence = "`".repeat(longest_backtick_run(body).max(2) + 1);
                    let _ = writeln!(out, "{fence}diff\n{}{fence}\n", with_final_newline(body));
                }
            }
            let _ = writeln!(out, "</details>");
        }
    }
    out
}

/// The "Traffic" section: the calls the change allows and stops allowing.
fn traffic_markdown(traffic: &crate::TrafficChange, out: &mut String) {
    if traffic.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\n**Traffic** (caller -> namespace/workload:port, as the rendered policies allow it)\n"
    );
    for edge in &traffic.added {
        let _ = writeln!(out, "- can now call: `{edge}`");
    }
    for edge in &traffic.removed {
        let _ = writeln!(out, "- can no longer call: `{edge}`");
    }
}

fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

fn with_final_newline(text: &str) -> String {
    if text.ends_with('\n') {
        text.to_owned()
    } else {
        format!("{text}\n")
    }
}
