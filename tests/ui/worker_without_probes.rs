// A Worker runs until stopped, like a Microservice: `build()` needs its probes.
use kumiki::prelude::*;

struct Mailer;
impl ServiceId for Mailer {
    const NAME: Name = name!("mailer");
}

fn main() {
    let _ = Worker::<Mailer>::new(&platform::environment(platform::Env::Prd)).build();
}
