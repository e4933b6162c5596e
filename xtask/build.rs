//! Generates the service registry from the crates under `services/`, and fails the build
//! when one of them is not a dependency of xtask, naming the line to add.

use std::path::Path;
use std::{env, fs};

#[path = "registration.rs"]
mod registration;

fn main() {
    let manifest_dir = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let services = Path::new(&manifest_dir).join("../services");
    println!("cargo:rerun-if-changed={}", services.display());
    println!("cargo:rerun-if-changed=Cargo.toml");

    let mut service_dirs: Vec<String> = fs::read_dir(&services)
        .expect("services/ exists")
        .map(|entry| entry.expect("services/ is readable"))
        .filter(|entry| entry.path().join("Cargo.toml").is_file())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    service_dirs.sort();

    let manifest = fs::read_to_string(Path::new(&manifest_dir).join("Cargo.toml")).expect("xtask/Cargo.toml");
    let unregistered = registration::unregistered(&service_dirs, &manifest);
    if !unregistered.is_empty() {
        panic!("{}", registration::unregistered_message(&unregistered));
    }
    let out = Path::new(&env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("registry.rs");
    fs::write(out, registration::registry_source(&service_dirs)).expect("OUT_DIR is writable");
}
