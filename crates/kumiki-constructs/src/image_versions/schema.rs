//! The JSON Schema of an image versions file, generated from these types, so that an editor
//! (yaml-language-server, through the `# yaml-language-server: $schema=…` first line) flags a
//! malformed entry before synth does.

use std::borrow::Cow;

use kumiki_core::{EnvId, FLOATING_TAGS};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

use crate::image::ImageVersion;

/// The name the schema is checked in under.
pub const SCHEMA_FILE_NAME: &str = "image-versions.schema.json";

/// The schema of a platform whose environments are `envs`, as the JSON text checked in
/// (pretty-printed, with a final newline): development environments may float (`latest`),
/// the others take pinned versions only.
pub fn json_schema(envs: &[EnvId]) -> String {
    let mut generator = SchemaGenerator::default();
    let mut environments = serde_json::Map::new();
    for env in envs {
        let version = if env.is_development() {
            generator.subschema_for::<ImageVersion>()
        } else {
            generator.subschema_for::<PinnedImageVersion>()
        };
        environments.insert(env.as_str().to_owned(), version.to_value());
    }
    let definitions = serde_json::Value::Object(generator.take_definitions(true));
    let schema = serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "kumiki image versions",
        "description": "The image version of each container of one service, per environment. The value of container C in environment E is at the path .C.E; a canary version V of the main container is the entry C@V.",
        "type": "object",
        "propertyNames": {
            "description": "A container name, or container@canary-version.",
            "pattern": "^[a-z]([-a-z0-9]{0,61}[a-z0-9])?(@[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$",
        },
        "additionalProperties": {
            "type": "object",
            "minProperties": 1,
            "properties": environments,
            "additionalProperties": false,
        },
        "$defs": definitions,
    });
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

const DIGEST: &str = "@sha256:[0-9a-f]{64}";

/// A tag (OCI: `[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`) that is not floating, optionally with a
/// digest; or a digest alone.
fn pinned_pattern() -> String {
    let floating = FLOATING_TAGS.join("|");
    format!("(?!(?:{floating})(?:@|$))[A-Za-z0-9_][A-Za-z0-9._-]{{0,127}}(?:{DIGEST})?|{DIGEST}")
}

/// A version outside dev: pinned.
struct PinnedImageVersion;

impl JsonSchema for PinnedImageVersion {
    fn schema_name() -> Cow<'static, str> {
        "PinnedImageVersion".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "A pinned version: a tag (not latest, stable, edge, nightly, main or master), a tag and its digest (1.4.3@sha256:…), or a digest alone (@sha256:…, quoted: `@` cannot start a plain YAML scalar). Quote a tag YAML would read as a number (\"1.10\").",
            "pattern": format!("^(?:{})$", pinned_pattern()),
        })
    }
}

impl JsonSchema for ImageVersion {
    fn schema_name() -> Cow<'static, str> {
        "ImageVersion".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "A version in dev: `latest` (floating), or a pinned version as outside dev.",
            "pattern": format!("^(?:latest|{})$", pinned_pattern()),
        })
    }
}
