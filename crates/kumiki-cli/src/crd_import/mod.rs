//! `import-crd`: a typed Rust module for any custom resource a platform brings, generated from
//! its CRD by kopium (the kube-rs project's generator, a separate binary: its own build pulls
//! a Kubernetes client and an async runtime, so it stays out of the normal build graph).
//!
//! Per kind: the chosen version of the CRD, its `status` stripped (the operator's), goes
//! through `kopium --hide-kube`; the output is given a header naming the command, the source
//! file and its fingerprint, the generator's version and a fingerprint of the code (a hand edit
//! shows); a shape the schema repeats is one type, the copies aliases of it (`repeated`); its
//! structs derive `Serialize`, `Clone` and `Default` (see [`lighter_derives`]), its
//! `k8s_openapi` paths go through `kumiki::k8s_openapi`, and it ends with
//! `kumiki::crds::custom_resource!`, which makes the kind an object an `App` takes (group,
//! version, plural and scope from the CRD).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use heck::ToSnakeCase;
use serde_json::Value;

use crate::Failure;

mod names;
mod repeated;

/// The kopium release the modules are generated and checked with.
pub const KOPIUM_VERSION: &str = "0.24.1";

/// The options kopium runs with: no kube-derive (kumiki's macro makes the object), field
/// descriptions as docs, `PartialEq` on enums (a value can be compared with a variant) and
/// `Default` (where every field has one) so a spec is written with `..Default::default()`.
pub const KOPIUM_OPTIONS: [&str; 8] = [
    "--hide-kube",
    "--docs",
    "--derive",
    "@enum=PartialEq",
    "--derive",
    "Default",
    "--smart-derive-elision",
    "--filename",
];

/// The SDK path of a module generated for a platform's own crate.
pub const DEFAULT_SDK_PATH: &str = "kumiki";

/// What `import-crd` is asked for.
pub struct Import<'a> {
    /// A CRD file, or a directory of them (`*.yaml`, `*.yml`, `*.json`).
    pub source: &'a Path,
    /// Only these kinds (all when empty).
    pub kinds: &'a [String],
    /// This version (default: the storage version).
    pub version: Option<&'a str>,
    /// Where the modules go: below `root`.
    pub out: &'a Path,
    /// The workspace: modules are written only below it, never through a link.
    pub root: &'a Path,
    /// How users run the command, for the header (`cargo xtask`).
    pub command: &'a str,
    /// The path the module reaches the SDK by: `kumiki` (the facade) in a platform's crate;
    /// the crate of the SDK's own generated kinds names its own module of the same shape.
    pub sdk_path: &'a str,
    /// The generator to run: `kopium` (on the PATH) unless a test says otherwise.
    pub kopium: &'a str,
}

/// One module written.
#[derive(Debug, PartialEq, Eq)]
pub struct Imported {
    /// The kind.
    pub kind: String,
    /// The version generated.
    pub version: String,
    /// The module's file.
    pub path: PathBuf,
}

/// The crates a generated module needs in the crate that holds it.
pub const MODULE_DEPENDENCIES: &str =
    "kumiki (the SDK, or the path --sdk-path names) and serde with its `derive` feature";

/// Generates a module per kind of `import.source` into `import.out`. Every CRD is read and
/// checked first (its names, one storage version, where its module goes), so a refusal
/// writes nothing; each module is then written beside its file and renamed over it.
pub fn import(import: &Import<'_>) -> Result<Vec<Imported>, Failure> {
    names::check_rust_path(import.sdk_path).map_err(|problem| Failure::Refused(format!("--sdk-path {problem}")))?;
    let mut chosen = Vec::new();
    for file in crd_files(import.source)? {
        let text = fs::read_to_string(&file).map_err(|error| Failure::Io(file.clone(), error))?;
        let crd: Value = serde_saphyr::from_str(&text)
            .map_err(|error| Failure::Refused(format!("{}: not YAML: {error}", file.display())))?;
        let definition =
            Definition::read(&crd).map_err(|problem| Failure::Refused(format!("{}: {problem}", file.display())))?;
        if !import.kinds.is_empty() && !import.kinds.contains(&definition.kind) {
            continue;
        }
        let version = chosen_version(&definition, import.version)?;
        chosen.push((file, text, crd, definition, version));
    }
    if chosen.is_empty() {
        return Err(Failure::Refused(format!(
            "{} holds no CRD of the kinds asked for",
            import.source.display()
        )));
    }
    let definitions: Vec<&Definition> = chosen.iter().map(|(_, _, _, definition, _)| definition).collect();
    let paths: Vec<PathBuf> = (definitions.iter())
        .map(|definition| import.out.join(module_file(definition, &definitions)))
        .collect();
    for (path, definition) in paths.iter().zip(&definitions) {
        crate::files::refuse_links(import.root, path)?;
        refuse_overwriting_another(path, definition)?;
    }
    check_kopium(import.kopium)?;
    let mut imported = Vec::new();
    for ((file, text, crd, definition, version), path) in chosen.into_iter().zip(paths) {
        let generated = kopium(import.kopium, &spec_only(&crd, &version), &file)?;
        let module = module(import, &file, &text, &definition, &version, &generated);
        fs::create_dir_all(import.out).map_err(|error| Failure::Io(import.out.to_path_buf(), error))?;
        crate::files::replace(import.root, &path, module.as_bytes())?;
        imported.push(Imported {
            kind: definition.kind,
            version,
            path,
        });
    }
    Ok(imported)
}

/// The version to generate: the one asked for, or the CRD's one storage version.
fn chosen_version(definition: &Definition, asked: Option<&str>) -> Result<String, Failure> {
    match asked {
        Some(version) if definition.versions.iter().any(|known| known == version) => Ok(version.to_owned()),
        Some(version) => Err(Failure::Refused(format!(
            "{} has no version {version} (it has {})",
            definition.kind,
            definition.versions.join(", ")
        ))),
        None => match definition.storage.as_slice() {
            [one] => Ok(one.clone()),
            several => Err(Failure::Refused(format!(
                "{} has {} storage versions ({}): a CRD stores exactly one, so which to generate is unclear; pick one \
                 with --version",
                definition.kind,
                several.len(),
                several.join(", ")
            ))),
        },
    }
}

/// The module's file name: `<kind>.rs`, or `<group>_<kind>.rs` when another CRD imported with it
/// has the same kind in another group.
fn module_file(definition: &Definition, all: &[&Definition]) -> String {
    let kind = definition.kind.to_snake_case();
    let shared = (all.iter()).any(|other| other.kind == definition.kind && other.group != definition.group);
    if shared {
        format!("{}_{kind}.rs", definition.group.replace(['.', '-'], "_"))
    } else {
        format!("{kind}.rs")
    }
}

/// Refuses to replace a file at `path` that is not a module generated from the same CRD (the
/// same group and kind): a module of another CRD, or code written by hand.
fn refuse_overwriting_another(path: &Path, definition: &Definition) -> Result<(), Failure> {
    let Ok(existing) = fs::read_to_string(path) else {
        return Ok(());
    };
    let source = existing.lines().find(|line| line.starts_with("// Source: "));
    let same = source.is_some_and(|line| {
        line.contains(&format!(", {}/", definition.group))
            && line.contains(&format!(" {}, status stripped", definition.kind))
    });
    if same {
        return Ok(());
    }
    Err(Failure::Refused(format!(
        "{} exists and is not the module of {}/{}: {}; choose another --out, or remove it first",
        path.display(),
        definition.group,
        definition.kind,
        source.map_or_else(
            || "it was not generated by import-crd".to_owned(),
            |line| format!("it says `{line}`")
        )
    )))
}

/// What the module needs from a CRD, every name checked: they end up in Rust code.
struct Definition {
    group: String,
    kind: String,
    plural: String,
    namespaced: bool,
    versions: Vec<String>,
    /// The versions marked as stored (a valid CRD has exactly one).
    storage: Vec<String>,
}

impl Definition {
    /// The definition of `crd`, or what makes it one kumiki does not import.
    fn read(crd: &Value) -> Result<Definition, String> {
        let not_a_crd = || "not a CustomResourceDefinition (apiextensions.k8s.io/v1)".to_owned();
        if crd["kind"] != "CustomResourceDefinition" {
            return Err(not_a_crd());
        }
        let spec = &crd["spec"];
        let text = |value: &Value| value.as_str().map(str::to_owned).ok_or_else(not_a_crd);
        let versions = spec["versions"].as_array().ok_or_else(not_a_crd)?;
        let definition = Definition {
            group: text(&spec["group"])?,
            kind: text(&spec["names"]["kind"])?,
            plural: text(&spec["names"]["plural"])?,
            namespaced: spec["scope"] == "Namespaced",
            versions: versions
                .iter()
                .map(|version| text(&version["name"]))
                .collect::<Result<_, _>>()?,
            storage: (versions.iter())
                .filter(|version| version["storage"] == true)
                .map(|version| text(&version["name"]))
                .collect::<Result<_, _>>()?,
        };
        names::check_group(&definition.group)?;
        names::check_kind(&definition.kind)?;
        names::check_label("plural", &definition.plural)?;
        for version in &definition.versions {
            names::check_label("version", version)?;
        }
        for version in versions {
            names::check_schema(&version["schema"]["openAPIV3Schema"], "openAPIV3Schema")?;
        }
        Ok(definition)
    }
}

/// `crd` with `version` alone and its `status` removed: the spec is the platform's to write.
fn spec_only(crd: &Value, version: &str) -> Value {
    let mut crd = crd.clone();
    if let Some(versions) = crd["spec"]["versions"].as_array_mut() {
        versions.retain(|candidate| candidate["name"] == version);
        for kept in versions {
            if let Some(properties) = kept
                .pointer_mut("/schema/openAPIV3Schema/properties")
                .and_then(Value::as_object_mut)
            {
                properties.remove("status");
            }
            if let Some(subresources) = kept.get_mut("subresources").and_then(Value::as_object_mut) {
                subresources.remove("status");
            }
        }
    }
    crd
}

fn check_kopium(program: &str) -> Result<(), Failure> {
    let refuse = || {
        Failure::Refused(format!(
            "import-crd runs kopium {KOPIUM_VERSION}, which is not installed here: `cargo install kopium --version {KOPIUM_VERSION} --locked` (about 3 minutes; the normal build and tests never need it)"
        ))
    };
    let output = Command::new(program).arg("--version").output().map_err(|_| refuse())?;
    let version = String::from_utf8_lossy(&output.stdout);
    if !version.contains(KOPIUM_VERSION) {
        return Err(Failure::Refused(format!(
            "import-crd is pinned to kopium {KOPIUM_VERSION}, and `kopium --version` says {}: `cargo install kopium --version {KOPIUM_VERSION} --locked --force`",
            version.trim()
        )));
    }
    Ok(())
}

/// kopium's module for `crd` (written to a temporary file beside nothing the user owns).
fn kopium(program: &str, crd: &Value, source: &Path) -> Result<String, Failure> {
    let temporary = std::env::temp_dir().join(format!("kumiki-import-{}.json", std::process::id()));
    let json = serde_json::to_string(crd).unwrap_or_default();
    fs::write(&temporary, json).map_err(|error| Failure::Io(temporary.clone(), error))?;
    let output = Command::new(program).args(KOPIUM_OPTIONS).arg(&temporary).output();
    let _ = fs::remove_file(&temporary);
    let output = output.map_err(|error| Failure::Io(PathBuf::from("kopium"), error))?;
    if !output.status.success() {
        return Err(Failure::Refused(format!(
            "kopium failed on {}: {}",
            source.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// FNV-1a, 64 bits: a fingerprint of the source, so a test can tell a stale module.
pub fn fingerprint(bytes: &[u8]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// The line of a generated module that names its source's fingerprint.
pub const FINGERPRINT_PREFIX: &str = "// Source fingerprint (FNV-1a 64): ";

/// The line of a generated module that names the fingerprint of the code below the header,
/// so a hand edit shows as well as a changed source.
pub const CODE_FINGERPRINT_PREFIX: &str = "// Code fingerprint (FNV-1a 64): ";

/// The code of a generated module below its header, which [`CODE_FINGERPRINT_PREFIX`]'s line
/// fingerprints; `None` when the module has no such line.
pub fn generated_code(module: &str) -> Option<&str> {
    let at = module.find(CODE_FINGERPRINT_PREFIX)?;
    let line_end = module[at..].find('\n')?;
    Some(&module[at + line_end + 1..])
}

/// The command that regenerates a module, as its header states it.
fn regenerate_command(import: &Import<'_>, file: &Path) -> String {
    // A path is shown escaped: a line break in a file name must not end the comment.
    let mut command = format!(
        "{} import-crd {}",
        import.command,
        file.display().to_string().escape_debug()
    );
    if let Some(version) = import.version {
        command.push_str(&format!(" --version {version}"));
    }
    if import.sdk_path != DEFAULT_SDK_PATH {
        command.push_str(&format!(" --sdk-path {}", import.sdk_path));
    }
    command
}

fn module(
    import: &Import<'_>,
    file: &Path,
    text: &str,
    definition: &Definition,
    version: &str,
    generated: &str,
) -> String {
    let sdk = import.sdk_path;
    let body: Vec<&str> = (generated.lines())
        .skip_while(|line| line.starts_with("// ") || line.is_empty())
        .collect();
    let body = repeated::merge_repeated_types(&lighter_derives(&body))
        .replace("k8s_openapi::", &format!("{sdk}::k8s_openapi::"));
    let scope = if definition.namespaced {
        "NamespaceResourceScope"
    } else {
        "ClusterResourceScope"
    };
    let kind = &definition.kind;
    // kopium names the spec after the kind in its own casing (`EC2NodeClass` → `Ec2NodeClassSpec`).
    let spec = spec_type(&body, kind);
    let code = format!(
        "#![allow(missing_docs, dead_code, clippy::all)]\n\n\
         {body}\n\n\
         {sdk}::crds::custom_resource! {{\n    \
             /// A {kind} ({group}/{version}), as the CRD defines it.\n    \
             #[derive(Clone)]\n    \
             {kind}({spec}): group = {group:?}, version = {version:?}, plural = {plural:?},\n    \
             scope = {sdk}::k8s_openapi::{scope}\n\
         }}\n",
        group = definition.group,
        plural = definition.plural,
    );
    let options = KOPIUM_OPTIONS[..KOPIUM_OPTIONS.len() - 1].join(" ");
    format!(
        "// Generated by `{command}` with kopium {KOPIUM_VERSION} (`{options}`).\n\
         // Source: {source}, {group}/{version} {kind}, status stripped, repeated shapes merged into one type; structs derive Serialize, Clone and Default where they can. Do not edit: import again.\n\
         {FINGERPRINT_PREFIX}{source_fingerprint}\n\
         {CODE_FINGERPRINT_PREFIX}{code_fingerprint}\n\
         {code}",
        command = regenerate_command(import, file),
        source = file.display().to_string().escape_debug(),
        group = definition.group,
        source_fingerprint = fingerprint(text.as_bytes()),
        code_fingerprint = fingerprint(code.as_bytes()),
    )
}

/// The name of the spec struct of `kind` in kopium's `module`.
fn spec_type(module: &str, kind: &str) -> String {
    let wanted = format!("{kind}spec").to_lowercase();
    (module.lines())
        .filter_map(|line| line.strip_prefix("pub struct ")?.strip_suffix(" {"))
        .find(|name| name.to_lowercase() == wanted)
        .map_or_else(|| format!("{kind}Spec"), str::to_owned)
}

/// kopium's module with the derives kumiki needs: `Serialize` without `Deserialize` (kumiki
/// writes these objects and never reads them back), and no `Debug` on structs. A large
/// schema has hundreds of structs, and those two derives were two thirds of its compile time,
/// which every platform pays on a clean build. Enums keep `Debug` and `PartialEq`.
fn lighter_derives(lines: &[&str]) -> String {
    let mut out = Vec::with_capacity(lines.len());
    for (at, line) in lines.iter().enumerate() {
        let Some(derives) = line.strip_prefix("#[derive(").and_then(|rest| rest.strip_suffix(")]")) else {
            out.push(line.replace("pub use serde::{Serialize, Deserialize};", "pub use serde::Serialize;"));
            continue;
        };
        let item = lines[at + 1..].iter().find(|next| !next.starts_with("#["));
        let is_struct = item.is_some_and(|item| item.starts_with("pub struct "));
        let kept: Vec<&str> = (derives.split(", "))
            .filter(|derive| *derive != "Deserialize" && !(is_struct && *derive == "Debug"))
            .collect();
        out.push(format!("#[derive({})]", kept.join(", ")));
    }
    out.join("\n")
}

/// The CRD files of `source`: itself, or the YAML and JSON files of a directory, sorted.
fn crd_files(source: &Path) -> Result<Vec<PathBuf>, Failure> {
    if source.is_file() {
        return Ok(vec![source.to_path_buf()]);
    }
    let entries = fs::read_dir(source).map_err(|error| Failure::Io(source.to_path_buf(), error))?;
    let mut files: Vec<PathBuf> = (entries.flatten())
        .map(|entry| entry.path())
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| ["yaml", "yml", "json"].contains(&extension.to_string_lossy().as_ref()))
        })
        .collect();
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_and_other_versions_are_stripped() {
        let crd = serde_json::json!({
            "kind": "CustomResourceDefinition",
            "spec": {
                "group": "example.com",
                "names": { "kind": "Widget", "plural": "widgets" },
                "scope": "Cluster",
                "versions": [
                    { "name": "v1", "storage": true, "subresources": { "status": {} },
                      "schema": { "openAPIV3Schema": { "properties": { "spec": {}, "status": {} } } } },
                    { "name": "v1beta1", "schema": { "openAPIV3Schema": { "properties": { "spec": {} } } } },
                ],
            },
        });
        let definition = Definition::read(&crd).unwrap();
        assert_eq!(
            (
                definition.kind.as_str(),
                definition.storage.join(","),
                definition.namespaced
            ),
            ("Widget", "v1".to_owned(), false)
        );
        let stripped = spec_only(&crd, "v1");
        let versions = stripped["spec"]["versions"].as_array().unwrap();
        assert_eq!(versions.len(), 1);
        assert!(
            versions[0]["schema"]["openAPIV3Schema"]["properties"]
                .get("status")
                .is_none()
        );
        assert!(versions[0]["subresources"].get("status").is_none());
        assert_ne!(fingerprint(b"a"), fingerprint(b"b"));
    }

    #[test]
    fn structs_lose_deserialize_and_debug_enums_keep_debug() {
        let module = [
            "mod prelude {",
            "    pub use serde::{Serialize, Deserialize};",
            "}",
            "/// A spec.",
            "#[derive(Serialize, Deserialize, Clone, Debug, Default)]",
            "pub struct WidgetSpec {",
            "}",
            "#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]",
            "#[serde(untagged)]",
            "pub enum WidgetMode {",
            "}",
        ];
        let lighter = lighter_derives(&module);
        assert!(lighter.contains("pub use serde::Serialize;"), "{lighter}");
        assert!(
            lighter.contains("#[derive(Serialize, Clone, Default)]\npub struct WidgetSpec"),
            "{lighter}"
        );
        assert!(
            lighter.contains("#[derive(Serialize, Clone, Debug, PartialEq)]\n#[serde(untagged)]\npub enum"),
            "{lighter}"
        );
    }

    #[test]
    fn the_spec_type_is_found_in_kopiums_casing() {
        let module = "pub struct Ec2NodeClassSpec {\n}\npub struct Ec2NodeClassKubelet {\n}";
        assert_eq!(spec_type(module, "EC2NodeClass"), "Ec2NodeClassSpec");
        assert_eq!(spec_type("", "Widget"), "WidgetSpec");
    }
}
