// The seed shipped `.dkr.ecr..amazonaws.com/...`: an empty account id cannot be built.
use kumiki::prelude::*;

fn main() {
    let _registry = Registry::Ecr { account: aws_account_id!(""), region: aws_region!("ap-northeast-1") };
}
