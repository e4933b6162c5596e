// Plaintext database credentials need the DevOnly proof, which only the dev arm of
// the platform's `Env::stage()` hands out: prd code has none to give.
use platform::{Env, Stage};
use kumiki::platform::DevCredentials;
use kumiki::values::DevOnly;

fn credentials(env: Env) -> Option<DevCredentials> {
    match env.stage() {
        Stage::Dev(dev) => Some(DevCredentials::new(dev, "dev_user", "dev_password")),
        Stage::Stg => None,
        Stage::Prd => Some(DevCredentials::new(DevOnly(()), "admin", "hunter2")),
    }
}

fn main() {
    let _ = credentials(Env::Prd);
}
