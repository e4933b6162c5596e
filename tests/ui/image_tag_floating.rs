use kumiki::prelude::*;

fn main() {
    let _image = Image::new(Registry::DockerHub, repository!("kennethreitz/httpbin"), tag!("main"));
}
