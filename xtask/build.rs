//! Generates the service registry from the service crates xtask depends on (its
//! `Cargo.toml`). It reads nothing under `services/`, so editing a service's data (its
//! `images.yaml`) rebuilds nothing; a crate under `services/` that is not a dependency is
//! reported when `cargo xtask` runs (`xtask::unregistered_services`).

use std::path::Path;
use std::{env, fs};

#[path = "registration.rs"]
#[allow(dead_code)] // the library uses the rest of the module
mod registration;

fn main() {
    let manifest_dir = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    println!("cargo:rerun-if-changed=Cargo.toml");
    let manifest = fs::read_to_string(Path::new(&manifest_dir).join("Cargo.toml")).expect("xtask/Cargo.toml");
    let out = Path::new(&env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("registry.rs");
    let services = registration::registered(&manifest);
    fs::write(out, registration::registry_source(&services)).expect("OUT_DIR is writable");
}
