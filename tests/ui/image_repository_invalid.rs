use kumiki::prelude::*;

fn main() {
    let _repository = repository!("Account-Gin");
}
