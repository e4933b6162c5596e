// Dev credentials cannot be written as a struct literal either: the fields are private, so
// `DevCredentials::new` and its DevOnly proof are the only way in.
use kumiki::platform::DevCredentials;

fn main() {
    let _ = DevCredentials {
        username: "admin".to_owned(),
        password: "hunter2".to_owned(),
    };
}
