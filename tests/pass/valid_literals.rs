//! Valid literals compile and keep their text.
use kumiki::prelude::*;

fn main() {
    assert_eq!(name!("account").as_str(), "account");
    assert_eq!(label!("app.kubernetes.io/name", "account").to_string(), "app.kubernetes.io/name=account");
    assert_eq!(label_value!("").as_str(), "");
    assert_eq!(port!(65535).get(), 65535);
    // Any OCI registry, by host: the image names it once, never as part of the repository.
    let ghcr = Registry::Host(registry!("ghcr.io/acme"));
    assert_eq!(Image::new(ghcr, repository!("web"), tag!("1.4.3")).to_string(), "ghcr.io/acme/web:1.4.3");
    let local = Registry::Host(registry!("localhost:5000"));
    assert_eq!(Image::new(local, repository!("team/web"), tag!("dev-1")).to_string(), "localhost:5000/team/web:dev-1");
}
