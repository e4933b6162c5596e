use kumiki::prelude::*;

fn main() {
    let _name = name!("Account_Service");
}
