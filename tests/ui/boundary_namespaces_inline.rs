// A project's boundary names its namespaces through a slice constant of their own: an inline
// `&[SHOP]` inside another constant cannot be built at compile time (E0493), since a `Name`
// may own its text and so has a destructor.
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
