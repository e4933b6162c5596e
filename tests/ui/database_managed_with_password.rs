// A managed (stg/prd) database holds only where its credentials are kept: there is no field
// a password could be written into.
use kumiki::prelude::*;
use kumiki::platform::ManagedMySql;

fn main() {
    let _ = ManagedMySql {
        endpoint: subdomain!("db.example.com"),
        store: name!("aws-secrets-manager"),
        key: "shop/prd/account-db".to_owned(),
        password: "hunter2".to_owned(),
    };
}
