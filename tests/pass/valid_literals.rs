//! Valid literals compile and keep their text.
use kumiki::prelude::*;

fn main() {
    assert_eq!(name!("account").as_str(), "account");
    assert_eq!(label!("app.kubernetes.io/name", "account").to_string(), "app.kubernetes.io/name=account");
    assert_eq!(label_value!("").as_str(), "");
    assert_eq!(port!(65535).get(), 65535);
}
