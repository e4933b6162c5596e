use kumiki::prelude::*;

fn main() {
    let _registry = Registry::Ecr { account: aws_account_id!("123456789012"), region: aws_region!("tokyo") };
}
