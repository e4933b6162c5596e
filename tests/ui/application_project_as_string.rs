// A project is a declared `Project`, not a string that may name nothing.
use kumiki::platform::Team;

fn main() {
    let _team = Team {
        project: "billing",
        apps: Vec::new(),
        charts: Vec::new(),
    };
}
