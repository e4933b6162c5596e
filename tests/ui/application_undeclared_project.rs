// An Application's project is one of the platform's declared projects: a team cannot name a
// project that was never declared (the seed's children could name any string).
use kumiki::platform::Team;

fn main() {
    let _team = Team {
        project: &platform::gitops::projects::BILLING,
        apps: Vec::new(),
        charts: Vec::new(),
    };
}
