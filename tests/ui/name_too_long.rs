use kumiki::prelude::*;

fn main() {
    let _name = name!("account-service-with-a-name-far-longer-than-kubernetes-allows-it");
}
