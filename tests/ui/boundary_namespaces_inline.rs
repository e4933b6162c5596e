// A project's boundary built by `Boundary::services_without_mesh` in a constant takes a slice
// constant of its own: an inline `&[SHOP]` argument cannot be built at compile time (E0493),
// since a `Name` may own its text and a function argument's temporary is dropped after the call.
use kumiki::platform::{Boundary, Project};
use kumiki::prelude::*;

const SHOP: Name = name!("shop");

const SERVICES: Project = Project {
    name: name!("services"),
    description: "The shop's services",
    boundary: Boundary::services_without_mesh(&[SHOP]),
};

fn main() {
    let _ = SERVICES;
}
