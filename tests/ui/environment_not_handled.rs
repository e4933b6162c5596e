// Per-environment settings are an exhaustive match: forgetting one does not compile.
use platform::Env;

fn replicas(env: Env) -> u16 {
    match env {
        Env::Dev => 1,
        Env::Prd => 3,
    }
}

fn main() {
    let _ = replicas(Env::Stg);
}
