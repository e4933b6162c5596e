//! Image versions as data: each service keeps the version of every container image, per
//! environment, in a small YAML file of its own (`services/<name>/images.yaml` in the
//! reference platform), so a CI bot bumps or promotes a version without touching Rust code and
//! without rebuilding anything: the file is read when the model is built.
//!
//! ```yaml
//! # yaml-language-server: $schema=../../schemas/image-versions.schema.json
//! gin:                 # a container of the service
//!   dev: latest        # floating: dev only
//!   stg: e5f6a7b       # a tag
//!   prd: "1.10@sha256:…" # a tag and its digest (quoted: YAML would read 1.10 as a number)
//! gin@canary:          # the image of canary version `canary` of the main container
//!   prd: f00ba47
//! ```
//!
//! The value of container `C` in environment `E` is at the YAML path `.C.E` (`."gin@v2".stg`
//! for a canary version). A service reads it through [`ImageVersions::of`] (or
//! [`ImageVersions::canary`]); every problem (a malformed tag or digest, a floating tag outside
//! dev, a missing environment, an entry no container asks for) is a synth error at the file's
//! line.

mod document;
mod edit;
mod policy;
mod schema;

use std::cell::RefCell;

use kumiki_core::{EnvId, LabelValue, Name, Rule, SourceLocation};
use kumiki_synth::App;

use crate::image::ImageVersion;
pub use document::{FileProblem, VersionsDocument};
pub use edit::set_version;
pub use policy::{Pinned, Promotion, ReleasePolicy, VersionPolicy};
pub use schema::{SCHEMA_FILE_NAME, json_schema};

/// The image versions of one service in one environment, read from its versions file: what
/// the service's code asks for its containers' versions. Each answer is recorded; what the
/// file holds for this environment but nobody asked for, and every problem found, go to the
/// service's app with [`ImageVersions::report_into`].
#[derive(Debug)]
pub struct ImageVersions {
    file: &'static str,
    env: EnvId,
    state: FileState,
    used: RefCell<Vec<bool>>,
    problems: RefCell<Vec<(SourceLocation, String)>>,
}

#[derive(Debug)]
enum FileState {
    Absent,
    Unreadable,
    Read(Vec<EnvEntry>),
}

/// One entry of the file, as this environment sees it.
#[derive(Debug)]
struct EnvEntry {
    key: String,
    line: u32,
    /// This environment's value and its line; `None` when the entry has none.
    value: Option<(u32, Option<ImageVersion>)>,
}

/// Stands in for a version that could not be read: synth fails on the recorded problem, so
/// it never reaches a file.
const PLACEHOLDER: kumiki_core::ImageTag = kumiki_core::tag!("unreadable-version");

impl ImageVersions {
    /// The versions of environment `env` (one of the platform's `envs`) in the file at `file`
    /// (a path relative to the workspace root, as errors name it) holding `text`; `None` when
    /// the file does not exist. Every value is held to the platform's `policy`.
    pub fn read(file: &str, text: Option<&str>, env: EnvId, envs: &[EnvId], policy: &VersionPolicy) -> ImageVersions {
        let file = SourceLocation::intern_file(file);
        let mut problems = Vec::new();
        let state = match text.map(VersionsDocument::parse) {
            None => FileState::Absent,
            Some(Err(problem)) => {
                problems.push((
                    SourceLocation {
                        file,
                        line: problem.line,
                    },
                    problem.message,
                ));
                FileState::Unreadable
            }
            Some(Ok(document)) => FileState::Read(entries(file, &document, (env, envs), policy, &mut problems)),
        };
        let entries = match &state {
            FileState::Read(entries) => entries.len(),
            _ => 0,
        };
        ImageVersions {
            file,
            env,
            state,
            used: RefCell::new(vec![false; entries]),
            problems: RefCell::new(problems),
        }
    }

    /// A file that exists but could not be read (`reason`): every request is answered with a
    /// placeholder and the reason is the one problem.
    pub fn unreadable(file: &str, reason: &str, env: EnvId) -> ImageVersions {
        let file = SourceLocation::intern_file(file);
        ImageVersions {
            file,
            env,
            state: FileState::Unreadable,
            used: RefCell::new(Vec::new()),
            problems: RefCell::new(vec![(
                SourceLocation { file, line: 0 },
                format!("cannot read: {reason}"),
            )]),
        }
    }

    /// The environment these versions are for.
    pub fn env(&self) -> EnvId {
        self.env
    }

    /// The version of container `container`'s image in this environment.
    #[track_caller]
    pub fn of(&self, container: &Name) -> ImageVersion {
        self.lookup(container.to_string(), SourceLocation::caller())
    }

    /// The version of container `container`'s image in canary version `version` (the file's
    /// entry `<container>@<version>`), for [`Version::with_image_version`](crate::Version::with_image_version).
    #[track_caller]
    pub fn canary(&self, container: &Name, version: &LabelValue) -> ImageVersion {
        self.lookup(format!("{container}@{version}"), SourceLocation::caller())
    }

    fn lookup(&self, key: String, asked_at: SourceLocation) -> ImageVersion {
        let placeholder = ImageVersion::tagged(PLACEHOLDER);
        let (env, file) = (self.env, self.file);
        let entries = match &self.state {
            FileState::Read(entries) => entries,
            FileState::Unreadable => return placeholder,
            FileState::Absent => {
                let message = format!(
                    "{file} does not exist; {asked_at} asks it for the version of `{key}`: create it with `{key}:` and one version per environment under it"
                );
                self.report(SourceLocation { file, line: 0 }, message);
                return placeholder;
            }
        };
        let Some(index) = entries.iter().position(|entry| entry.key == key) else {
            let message = format!(
                "has no entry `{key}`, which {asked_at} asks for: add `{key}:` with a version for {env} under it"
            );
            self.report(SourceLocation { file, line: 1 }, message);
            return placeholder;
        };
        self.used.borrow_mut()[index] = true;
        let entry = &entries[index];
        match &entry.value {
            Some((_, Some(version))) => version.clone(),
            Some((_, None)) => placeholder,
            None => {
                let message = format!("`{key}` has no {env} version: add `{env}: <tag>` under it");
                self.report(SourceLocation { file, line: entry.line }, message);
                placeholder
            }
        }
    }

    fn report(&self, location: SourceLocation, message: String) {
        let mut problems = self.problems.borrow_mut();
        if !problems.iter().any(|(at, known)| *at == location && *known == message) {
            problems.push((location, message));
        }
    }

    /// Hands every problem to `app` (the service's app), with one more for each entry that
    /// has a version for this environment nobody asked for: a stale entry would otherwise
    /// look like a version that runs.
    pub fn report_into(self, app: &mut App) {
        let env = self.env;
        if let FileState::Read(entries) = &self.state {
            for (entry, used) in entries.iter().zip(self.used.borrow().iter()) {
                if let (false, Some((line, _))) = (used, &entry.value) {
                    let message = format!(
                        "`{}` has a {env} version, but the service asks for no such container in {env}: remove the entry or its {env} version",
                        entry.key
                    );
                    self.report(
                        SourceLocation {
                            file: self.file,
                            line: *line,
                        },
                        message,
                    );
                }
            }
        }
        for (location, message) in self.problems.into_inner() {
            app.report(location, &crate::rules::IMAGES_FILE, message);
        }
    }
}

/// The file's entries as `env` sees them, recording what is wrong with them.
fn entries(
    file: &'static str,
    document: &VersionsDocument,
    (env, envs): (EnvId, &[EnvId]),
    policy: &VersionPolicy,
    problems: &mut Vec<(SourceLocation, String)>,
) -> Vec<EnvEntry> {
    let mut report = |line: u32, message: String| problems.push((SourceLocation { file, line }, message));
    let mut entries = Vec::new();
    for entry in &document.entries {
        if let Err(message) = check_key(&entry.key) {
            report(entry.line, message);
        }
        if entry.values.is_empty() {
            report(
                entry.line,
                format!("`{}` has no versions: add one per environment under it", entry.key),
            );
        }
        let mut value = None;
        for written in &entry.values {
            if !envs.iter().any(|known| known.as_str() == written.env) {
                let known: Vec<&str> = envs.iter().map(|env| env.as_str()).collect();
                report(
                    written.line,
                    format!("`{}` names no environment (expected {})", written.env, known.join(", ")),
                );
            }
            if written.env != env.as_str() {
                continue;
            }
            let version = match check_value(&WrittenVersion::from(written), env, policy) {
                Ok(version) => Some(version),
                Err(message) => {
                    report(written.line, format!("`{}` {env}: {message}", entry.key));
                    None
                }
            };
            value = Some((written.line, version));
        }
        entries.push(EnvEntry {
            key: entry.key.clone(),
            line: entry.line,
            value,
        });
    }
    entries
}

/// An entry key is a container name, or a container name and a canary version label.
fn check_key(key: &str) -> Result<(), String> {
    let (container, version) = match key.split_once('@') {
        Some((container, version)) => (container, Some(version)),
        None => (key, None),
    };
    Rule::Name
        .validate(container)
        .map_err(|violation| format!("`{key}` is not a container: {violation}"))?;
    if let Some(version) = version {
        Rule::LabelValue
            .validate(version)
            .map_err(|violation| format!("`{key}` is not a canary version: {violation}"))?;
    }
    Ok(())
}

/// A version as written in a versions file, or given on the command line.
#[derive(Clone, Copy, Debug)]
pub struct WrittenVersion<'a> {
    /// The text of the version.
    pub text: &'a str,
    /// WrittenVersion without quotes (on the command line: as it will be written, plain).
    pub plain: bool,
    /// WrittenVersion with a YAML tag or anchor before it.
    pub decorated: bool,
}

impl<'a> From<&'a document::Value> for WrittenVersion<'a> {
    fn from(value: &'a document::Value) -> WrittenVersion<'a> {
        WrittenVersion {
            text: &value.text,
            plain: value.plain,
            decorated: value.decorated,
        }
    }
}

/// A written version: valid, allowed in `env` by the platform's `policy`, without a YAML tag,
/// and quoted where YAML would read a number.
pub fn check_value(written: &WrittenVersion<'_>, env: EnvId, policy: &VersionPolicy) -> Result<ImageVersion, String> {
    let text = written.text;
    if written.decorated {
        return Err(format!(
            "`{text}` is written with a YAML tag or anchor (`!!str`, `!!binary`, `&name`): readers disagree on what \
             it means; write the version alone, quoted"
        ));
    }
    let version: ImageVersion = text.parse().map_err(|violation| format!("{violation}"))?;
    if written.plain && reads_as_non_string(text) {
        return Err(format!(
            "write it quoted, \"{text}\": unquoted, YAML tools read it as a number or a boolean"
        ));
    }
    policy.check(&version, env)?;
    Ok(version)
}

/// Whether a plain scalar made of tag characters is read by YAML (1.1 or 1.2) as something
/// other than a string: a number (`1.10`, `690e11`, `0x1f`) or a boolean or null word.
pub(crate) fn reads_as_non_string(text: &str) -> bool {
    const WORDS: &[&str] = &["y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"];
    if WORDS.iter().any(|word| text.eq_ignore_ascii_case(word)) {
        return true;
    }
    let digits = text.replace('_', "");
    let all = |s: &str, f: fn(&u8) -> bool| !s.is_empty() && s.as_bytes().iter().all(f);
    for (prefix, digit) in [
        ("0x", u8::is_ascii_hexdigit as fn(&u8) -> bool),
        ("0o", |b: &u8| (b'0'..=b'7').contains(b)),
        ("0b", |b: &u8| matches!(b, b'0' | b'1')),
    ] {
        if let Some(rest) = digits.strip_prefix(prefix) {
            return all(rest, digit);
        }
    }
    let (mantissa, exponent) = match digits.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => (mantissa, Some(exponent)),
        None => (digits.as_str(), None),
    };
    let mantissa_is_number = mantissa.matches('.').count() <= 1 && all(&mantissa.replace('.', ""), u8::is_ascii_digit);
    let exponent_is_number = exponent.is_none_or(|exponent| {
        all(
            exponent.strip_prefix(['-', '+']).unwrap_or(exponent),
            u8::is_ascii_digit,
        )
    });
    mantissa_is_number && exponent_is_number
}

/// The environments of this module's tests.
#[cfg(test)]
pub(crate) mod test_envs {
    kumiki_core::environments! {
        /// Test environments.
        pub enum Env, stage Stage {
            /// Development.
            Dev = development("dev"),
            /// Staging.
            Stg = production("stg"),
            /// Production.
            Prd = production("prd"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::test_envs::Env;

    fn envs() -> Vec<EnvId> {
        Env::ALL.iter().map(|env| env.id()).collect()
    }

    #[test]
    fn number_like_scalars() {
        for number in [
            "1.10", "690e11", "1e-5", "0x1F", "0b101", "0o17", "123", "1_000", "yes", "Off", "1.",
        ] {
            assert!(reads_as_non_string(number), "{number}");
        }
        for string in ["d74ac1c", "00690e9a", "1.4.3", "v2", "e5", "1.0-rc1", "0xg"] {
            assert!(!reads_as_non_string(string), "{string}");
        }
    }

    fn problems(versions: ImageVersions) -> Vec<String> {
        let mut app = App::new(kumiki_core::name!("shop"));
        versions.report_into(&mut app);
        app.problems()
            .iter()
            .map(|problem| format!("{}: {}", problem.location, problem.message))
            .collect()
    }

    #[test]
    fn each_problem_names_the_line() {
        let text = "gin:\n  dev: latest\n  stg: latest\n  prd: \"1.10\"\nnginx:\n  stg: 1.10\n  prod: abc\nold:\n  stg: abc1234\n";
        let versions = ImageVersions::read(
            "services/shop/images.yaml",
            Some(text),
            Env::Stg.id(),
            &envs(),
            &VersionPolicy::VERSIONS,
        );
        let _ = versions.of(&kumiki_core::name!("gin"));
        let _ = versions.of(&kumiki_core::name!("nginx"));
        let _ = versions.of(&kumiki_core::name!("php"));
        let found = problems(versions);
        let expect = [
            "services/shop/images.yaml:3: `gin` stg: `latest` is floating",
            "services/shop/images.yaml:6: `nginx` stg: write it quoted, \"1.10\"",
            "services/shop/images.yaml:7: `prod` names no environment",
            "services/shop/images.yaml:1: has no entry `php`",
            "services/shop/images.yaml:9: `old` has a stg version, but the service asks for no such container",
        ];
        for expected in expect {
            assert!(
                found.iter().any(|problem| problem.starts_with(expected)),
                "{expected}\nin {found:#?}"
            );
        }
        assert_eq!(found.len(), expect.len(), "{found:#?}");
    }

    #[test]
    fn a_missing_environment_is_an_error_not_a_default() {
        let versions = ImageVersions::read(
            "images.yaml",
            Some("gin:\n  stg: abc\n"),
            Env::Prd.id(),
            &envs(),
            &VersionPolicy::VERSIONS,
        );
        let _ = versions.of(&kumiki_core::name!("gin"));
        assert_eq!(
            problems(versions),
            ["images.yaml:1: `gin` has no prd version: add `prd: <tag>` under it"]
        );
    }

    #[test]
    fn versions_and_digests_are_read() {
        let digest = format!("sha256:{}", "0a".repeat(32));
        let text = format!("gin:\n  prd: 1.4.3@{digest}\ngin@v2:\n  prd: '@{digest}'\n");
        let versions = ImageVersions::read(
            "images.yaml",
            Some(&text),
            Env::Prd.id(),
            &envs(),
            &VersionPolicy::VERSIONS,
        );
        let gin = kumiki_core::name!("gin");
        assert_eq!(versions.of(&gin).to_string(), format!("1.4.3@{digest}"));
        assert_eq!(
            versions.canary(&gin, &kumiki_core::label_value!("v2")).to_string(),
            format!("@{digest}")
        );
        assert_eq!(problems(versions), Vec::<String>::new());
    }
}
