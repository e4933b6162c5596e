// An external host must be a DNS name: a URL pasted in place of the host does not compile.
use kumiki::prelude::*;

const HTTPBIN: ExternalHost = ExternalHost {
    name: name!("httpbin-org"),
    host: subdomain!("http://httpbin.org"),
    port: port!(80),
    port_name: port_name!("httpbin"),
};

fn main() {
    let _ = HTTPBIN;
}
