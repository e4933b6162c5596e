//! The objects of a release directory (or of a directory of CRDs), as their files say.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::Error;

/// One object: the file it was read from (relative to the directory read, `/` separators) and
/// its content.
#[derive(Clone, Debug, PartialEq)]
pub struct ReleaseObject {
    /// The file, relative to the directory read.
    pub file: String,
    /// The object as its YAML says.
    pub value: Value,
}

impl ReleaseObject {
    /// `apiVersion`, or empty.
    pub fn api_version(&self) -> &str {
        self.value["apiVersion"].as_str().unwrap_or_default()
    }

    /// `kind`, or empty.
    pub fn kind(&self) -> &str {
        self.value["kind"].as_str().unwrap_or_default()
    }

    /// `metadata.name`, or empty.
    pub fn name(&self) -> &str {
        self.value["metadata"]["name"].as_str().unwrap_or_default()
    }

    /// `metadata.namespace`, when it has one.
    pub fn namespace(&self) -> Option<&str> {
        self.value["metadata"]["namespace"].as_str()
    }

    /// `Kind namespace/name`, as messages name it.
    pub fn describe(&self) -> String {
        match self.namespace() {
            Some(namespace) => format!("{} {namespace}/{}", self.kind(), self.name()),
            None => format!("{} {}", self.kind(), self.name()),
        }
    }

    /// Whether it is a CustomResourceDefinition.
    pub fn is_crd(&self) -> bool {
        self.kind() == "CustomResourceDefinition" && self.api_version().starts_with("apiextensions.k8s.io/")
    }

    /// Whether it is a Namespace.
    pub fn is_namespace(&self) -> bool {
        self.kind() == "Namespace" && self.api_version() == "v1"
    }
}

/// Every `*.yaml` file below `dir`, one object each, sorted by file.
pub fn read_release(dir: &Path) -> Result<Vec<ReleaseObject>, Error> {
    let mut files = Vec::new();
    yaml_files(dir, &mut files)?;
    files.sort();
    let mut objects = Vec::with_capacity(files.len());
    for path in files {
        let text = std::fs::read_to_string(&path).map_err(|error| Error::io(&path, &error))?;
        let value: Value = serde_saphyr::from_str(&text)
            .map_err(|error| Error(format!("{}: is not one YAML object: {error}", path.display())))?;
        let file = path
            .strip_prefix(dir)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        objects.push(ReleaseObject { file, value });
    }
    Ok(objects)
}

/// The CustomResourceDefinitions in the `*.yaml` files below each of `dirs` (other objects and
/// other files are left alone).
pub fn read_crds(dirs: &[PathBuf]) -> Result<Vec<ReleaseObject>, Error> {
    let mut crds = Vec::new();
    for dir in dirs {
        crds.extend(read_release(dir)?.into_iter().filter(ReleaseObject::is_crd));
    }
    Ok(crds)
}

fn yaml_files(dir: &Path, found: &mut Vec<PathBuf>) -> Result<(), Error> {
    let entries = std::fs::read_dir(dir).map_err(|error| Error::io(dir, &error))?;
    for entry in entries {
        let entry = entry.map_err(|error| Error::io(dir, &error))?;
        let path = entry.path();
        let kind = entry.file_type().map_err(|error| Error::io(&path, &error))?;
        if kind.is_dir() {
            yaml_files(&path, found)?;
        } else if kind.is_file() && path.extension().is_some_and(|extension| extension == "yaml") {
            found.push(path);
        }
    }
    Ok(())
}
