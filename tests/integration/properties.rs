//! Property tests of the validity rules, on services generated at random (a fixed seed, so a
//! failure repeats): every valid service the construct can express synthesizes without an error
//! (no over-rejection: odd but valid tags, ports, variables, scratch directories), and each
//! class of invalid value, patched into any of them, is refused under its rule.

use kumiki::k8s_openapi::api::core::v1::{EnvVar, PodSpec, TopologySpreadConstraint, VolumeMount};
use kumiki::prelude::*;
use kumiki::values::ImageTag;
use platform::{Env, node_groups};

/// xorshift64*: enough randomness for test inputs, no dependency.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `range`.
    fn within(&mut self, range: std::ops::RangeInclusive<u64>) -> u64 {
        range.start() + self.next() % (range.end() - range.start() + 1)
    }

    fn char_of(&mut self, alphabet: &str) -> char {
        let chars: Vec<char> = alphabet.chars().collect();
        chars[self.within(0..=chars.len() as u64 - 1) as usize]
    }

    fn word(&mut self, first: &str, rest: &str, length: std::ops::RangeInclusive<u64>) -> String {
        let length = self.within(length);
        let mut word = String::from(self.char_of(first));
        (1..length).for_each(|_| word.push(self.char_of(rest)));
        word
    }
}

const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";
const DIGITS: &str = "0123456789";

/// A valid OCI tag: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`; many are no valid label value.
fn tag(random: &mut Random) -> ImageTag {
    let first = format!("{LOWER}ABCDEFGHIJKLMNOPQRSTUVWXYZ{DIGITS}_");
    let text = random.word(&first, &format!("{first}.-"), 1..=40);
    ImageTag::try_from(text.as_str()).unwrap_or_else(|error| panic!("generated tag {text}: {error}"))
}

/// A random valid service named `s<index>-…`, and its first port's number.
fn service(random: &mut Random, index: usize) -> (kumiki_tests::ReadyShop, u16) {
    let suffix = random.word(LOWER, &format!("{LOWER}{DIGITS}"), 1..=12);
    let name = Name::try_from(format!("s{index}-{suffix}").as_str()).unwrap();
    let image = Image::new(Registry::DockerHub, repository!("acme/shop"), tag(random));
    let mut web = Container::<kumiki_tests::Shop>::new(name!("web"), image);
    for variable in 0..random.within(0..=4) {
        let key = format!(
            "{}_{variable}",
            random.word(
                "ABCDEFGHIJKLMNOPQRSTUVWXYZ_",
                "ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789",
                1..=10
            )
        );
        let value = random.word(LOWER, &format!("{LOWER}{DIGITS} =:/-"), 0..=30);
        web = web.with_env(&key, &value);
    }
    for directory in 0..random.within(0..=2) {
        let path = format!("/var/lib/{}-{directory}", random.word(LOWER, LOWER, 1..=8));
        web = web.with_scratch(Name::try_from(format!("scratch-{directory}").as_str()).unwrap(), &path);
    }
    // Outside the band of Istio's sidecar ports (15000–15090).
    let mut numbers: Vec<u16> = Vec::new();
    while numbers.len() < random.within(1..=3) as usize {
        let number = random.within(1024..=60000) as u16;
        if !(15000..=15090).contains(&number) && !numbers.contains(&number) {
            numbers.push(number);
        }
    }
    let ports: Vec<PortRef<kumiki_tests::Shop>> = (numbers.iter().enumerate())
        .map(|(position, number)| {
            let name = PortName::try_from(format!("p{position}").as_str()).unwrap();
            web.port(Protocol::Http, name, PortNumber::new(*number).unwrap())
        })
        .collect();
    let service = Microservice::<kumiki_tests::Shop>::new(&platform::environment(Env::Prd))
        .named(name)
        .container(web)
        .pin_to(&node_groups::APP)
        .readiness(Probe::tcp(&ports[0]))
        .liveness(Probe::tcp(&ports[0]));
    let service = match random.within(0..=1) {
        0 => service.replicas(random.within(1..=5) as u16),
        _ => {
            let min = random.within(1..=3) as u16;
            service.autoscale(min, min + random.within(0..=5) as u16, random.within(10..=90) as u8)
        }
    };
    (service.expose(port!(80), &ports[0]), numbers[0])
}

#[test]
fn every_generated_valid_service_synthesizes() {
    let mut random = Random(0x6b75_6d69_6b69);
    for batch in 0..10 {
        let apps: Vec<App> = (0..20)
            .map(|index| service(&mut random, batch * 20 + index).0.build())
            .collect();
        let errors = kumiki_tests::errors(kumiki_tests::with_platform(Env::Prd, apps));
        assert_eq!(errors, Vec::<String>::new(), "batch {batch}");
    }
}

/// Each class of invalid value, as a patch of a generated service's pod, and its rule.
type Breaks = fn(&mut PodSpec, u16);

fn negative_grace(pod: &mut PodSpec, _: u16) {
    pod.termination_grace_period_seconds = Some(-5);
}

fn empty_topology_key(pod: &mut PodSpec, _: u16) {
    pod.topology_spread_constraints = Some(vec![TopologySpreadConstraint {
        max_skew: 1,
        topology_key: String::new(),
        when_unsatisfiable: "DoNotSchedule".to_owned(),
        ..Default::default()
    }]);
}

fn variable_twice(pod: &mut PodSpec, _: u16) {
    let variable = EnvVar {
        name: "TWICE".to_owned(),
        value: Some("x".to_owned()),
        ..Default::default()
    };
    pod.containers[0]
        .env
        .get_or_insert_default()
        .extend([variable.clone(), variable]);
}

fn mount_over_proc(pod: &mut PodSpec, _: u16) {
    let scratch = pod
        .volumes
        .iter()
        .flatten()
        .next()
        .map(|volume| volume.name.clone())
        .unwrap_or("tmp".to_owned());
    pod.containers[0]
        .volume_mounts
        .get_or_insert_default()
        .push(VolumeMount {
            name: scratch,
            mount_path: "/proc".to_owned(),
            ..Default::default()
        });
}

fn sidecar_port(pod: &mut PodSpec, _: u16) {
    pod.containers[0]
        .ports
        .get_or_insert_default()
        .push(kumiki::k8s_openapi::api::core::v1::ContainerPort {
            container_port: 15021,
            ..Default::default()
        });
}

fn address_in_no_namespace(pod: &mut PodSpec, port: u16) {
    pod.containers[0].env.get_or_insert_default().push(EnvVar {
        name: "UPSTREAM".to_owned(),
        value: Some(format!("http://api.nowhere.svc.cluster.local:{port}")),
        ..Default::default()
    });
}

#[test]
fn every_class_of_invalid_value_is_refused_in_any_generated_service() {
    let classes: [(&str, Breaks); 6] = [
        ("[rule: value.count]", negative_grace),
        ("[rule: value.selector]", empty_topology_key),
        ("[rule: object.duplicates]", variable_twice),
        ("[rule: pod.mount-path]", mount_over_proc),
        ("[rule: mesh.reserved-port]", sidecar_port),
        ("[rule: reference.namespace]", address_in_no_namespace),
    ];
    let mut random = Random(0x7661_6c69_6469);
    for (tag, breaks) in classes {
        let apps: Vec<App> = (0..10)
            .map(|index| {
                let (service, port) = service(&mut random, index);
                service
                    .patch_deployment(move |deployment| {
                        breaks(deployment.spec.as_mut().unwrap().template.spec.as_mut().unwrap(), port);
                    })
                    .build()
            })
            .collect();
        let names: Vec<String> = apps.iter().map(|app| app.name().to_string()).collect();
        let errors = kumiki_tests::errors(kumiki_tests::with_platform(Env::Prd, apps));
        for name in names {
            let refused = (errors.iter()).any(|error| error.contains(&format!("prd/{name}: ")) && error.ends_with(tag));
            assert!(refused, "{name}: no error {tag} in {errors:#?}");
        }
    }
}
