//! `import-yaml --constructs`: a Deployment and the Service that selects its pods, written as a
//! `Microservice` when every part of them has a place in one; otherwise the reason, and the
//! objects stay typed.
//!
//! Mapped: the one container (name, image, plain `env` values, named ports), its readiness and
//! liveness probes (HTTP GET or TCP), `replicas`, the node group it is pinned to, and the
//! Service's ports. Left to the platform's environment and policy (and reported): resources,
//! security contexts, lifecycle hooks, labels and annotations, the objects a Microservice adds.

use serde_json::Value;

/// A Deployment and its Service, written as a Microservice module.
pub struct Recognized {
    /// The module's name (the Deployment's, snake_case).
    pub module: String,
    /// The Rust source of the module.
    pub code: String,
    /// What the construct leaves to the platform.
    pub left: Vec<String>,
}

/// The container fields that have a place in a Microservice, or are the platform's to decide.
const MAPPED_CONTAINER_FIELDS: &[&str] = &[
    "name",
    "image",
    "imagePullPolicy",
    "ports",
    "env",
    "readinessProbe",
    "livenessProbe",
];
const POLICY_CONTAINER_FIELDS: &[&str] = &["resources", "securityContext", "lifecycle", "terminationMessagePolicy"];
const MAPPED_POD_FIELDS: &[&str] = &["containers", "nodeSelector", "affinity", "tolerations"];
const POLICY_POD_FIELDS: &[&str] = &[
    "securityContext",
    "serviceAccountName",
    "automountServiceAccountToken",
    "terminationGracePeriodSeconds",
    "restartPolicy",
    "dnsPolicy",
    "schedulerName",
];

/// The node-group label kumiki pins pods with.
const NODE_GROUP_LABEL: &str = "node.kubernetes.io/nodegroup";

/// `deployment` and `service` as a Microservice, or why not.
pub fn recognize(deployment: &Value, service: &Value) -> Result<Recognized, String> {
    let name = deployment["metadata"]["name"].as_str().unwrap_or_default();
    let pod = &deployment["spec"]["template"]["spec"];
    let mut left = Vec::new();
    for (key, _) in pod.as_object().into_iter().flatten() {
        if POLICY_POD_FIELDS.contains(&key.as_str()) {
            left.push(format!("pod {key}"));
        } else if !MAPPED_POD_FIELDS.contains(&key.as_str()) {
            return Err(format!("its pods set `{key}`, which a Microservice does not take"));
        }
    }
    let containers = pod["containers"].as_array().map(Vec::as_slice).unwrap_or_default();
    let [container] = containers else {
        return Err(format!(
            "{} containers (a Microservice written by import has one)",
            containers.len()
        ));
    };
    for (key, _) in container.as_object().into_iter().flatten() {
        if POLICY_CONTAINER_FIELDS.contains(&key.as_str()) {
            left.push(format!("container {key}"));
        } else if !MAPPED_CONTAINER_FIELDS.contains(&key.as_str()) {
            return Err(format!(
                "its container sets `{key}`, which a Microservice does not take"
            ));
        }
    }
    let ports = ports(container)?;
    let body = body(deployment, service, container, &ports)?;
    let code = MODULE
        .replace(
            "@NAMESPACE@",
            deployment["metadata"]["namespace"].as_str().unwrap_or("default"),
        )
        .replace("@NAME@", name)
        .replace("@MARKER@", &marker_type(name))
        .replace("@BODY@", &body);
    Ok(Recognized {
        module: name.replace('-', "_"),
        code,
        left,
    })
}

/// A recognized service's module; `@BODY@` is its `app` function's.
const MODULE: &str = "use kumiki::platform::Environment;
use kumiki::prelude::*;

/// Marks @NAME@'s handles.
pub struct @MARKER@;

impl ServiceId for @MARKER@ {
    const NAME: Name = name!(\"@NAME@\");
}

/// @NAME@ in `environment` (whose namespace is the Deployment's, `@NAMESPACE@`).
pub fn app(environment: &Environment) -> App {
@BODY@}
";

/// The statements building the Microservice.
fn body(deployment: &Value, service: &Value, container: &Value, ports: &[Port]) -> Result<String, String> {
    let name = deployment["metadata"]["name"].as_str().unwrap_or_default();
    let marker = marker_type(name);
    let mut code = format!(
        "    let image = {};\n",
        image(container["image"].as_str().unwrap_or_default())?
    );
    code.push_str(&format!(
        "    let mut main = Container::<{marker}>::new(name!(\"{}\"), image){};\n",
        container["name"].as_str().unwrap_or(name),
        env(container)?
    ));
    for port in ports {
        code.push_str(&format!(
            "    let {} = main.port(Protocol::{}, port_name!(\"{}\"), port!({}));\n",
            port.handle, port.protocol, port.name, port.number
        ));
    }
    code.push_str(&format!(
        "    Microservice::<{marker}>::new(environment)\n        .container(main)\n"
    ));
    for probe in ["readiness", "liveness"] {
        let handle = probe_code(&container[format!("{probe}Probe")], ports)?;
        code.push_str(&format!("        .{probe}({handle})\n"));
    }
    code.push_str(&exposed(service, ports)?);
    if let Some(replicas) = deployment["spec"]["replicas"].as_u64() {
        code.push_str(&format!("        .replicas({replicas})\n"));
    }
    if let Some(group) = node_group(&deployment["spec"]["template"]["spec"]) {
        code.push_str(&format!(
            "        .pin_to(&NodeGroup::new(label_value!(\"{group}\")))\n"
        ));
    }
    code.push_str("        .build()\n");
    Ok(code)
}

/// One container port: its Rust handle, protocol, kumiki name (without the protocol prefix) and
/// number, and the name the YAML gave it.
struct Port {
    handle: String,
    protocol: &'static str,
    name: String,
    number: u64,
    yaml_name: String,
}

fn ports(container: &Value) -> Result<Vec<Port>, String> {
    let mut found = Vec::new();
    for port in container["ports"].as_array().into_iter().flatten() {
        let (Some(yaml_name), Some(number)) = (port["name"].as_str(), port["containerPort"].as_u64()) else {
            return Err("a container port without a name".to_owned());
        };
        let (protocol, name) = match yaml_name.split_once('-') {
            Some(("http", rest)) => ("Http", rest),
            Some(("grpc", rest)) => ("Grpc", rest),
            Some(("tcp", rest)) => ("Tcp", rest),
            _ => ("Tcp", yaml_name),
        };
        found.push(Port {
            handle: name.replace('-', "_"),
            protocol,
            name: name.to_owned(),
            number,
            yaml_name: yaml_name.to_owned(),
        });
    }
    if found.is_empty() {
        return Err("its container has no port".to_owned());
    }
    Ok(found)
}

/// The port a probe's or a Service's `port`/`targetPort` names (by name or number).
fn port_of<'a>(reference: &Value, ports: &'a [Port]) -> Option<&'a Port> {
    match reference {
        Value::String(name) => ports.iter().find(|port| port.yaml_name == *name),
        Value::Number(number) => ports.iter().find(|port| Some(port.number) == number.as_u64()),
        _ => None,
    }
}

fn probe_code(probe: &Value, ports: &[Port]) -> Result<String, String> {
    if let Some(get) = probe.get("httpGet") {
        let port = port_of(&get["port"], ports).ok_or("a probe on a port the container does not name")?;
        let path = get["path"].as_str().unwrap_or("/");
        return Ok(format!("Probe::http({path:?}, &{})", port.handle));
    }
    if let Some(tcp) = probe.get("tcpSocket") {
        let port = port_of(&tcp["port"], ports).ok_or("a probe on a port the container does not name")?;
        return Ok(format!("Probe::tcp(&{})", port.handle));
    }
    Err("a readiness or liveness probe that is neither an HTTP GET nor a TCP check (or none)".to_owned())
}

fn exposed(service: &Value, ports: &[Port]) -> Result<String, String> {
    let spec = &service["spec"];
    if spec["type"].as_str().is_some_and(|kind| kind != "ClusterIP") {
        return Err("its Service is not of type ClusterIP".to_owned());
    }
    let mut code = String::new();
    for port in spec["ports"].as_array().into_iter().flatten() {
        let number = port["port"].as_u64().ok_or("a Service port without a number")?;
        let target = port.get("targetPort").unwrap_or(&port["port"]);
        let container = port_of(target, ports).ok_or("a Service port whose target the container does not name")?;
        code.push_str(&format!("        .expose(port!({number}), &{})\n", container.handle));
    }
    Ok(code)
}

/// `Image::new(..)` for `image` (`[registry/]repository:tag`), or why it cannot be one.
fn image(image: &str) -> Result<String, String> {
    let (path, tag) = image
        .rsplit_once(':')
        .filter(|(_, tag)| !tag.contains('/'))
        .ok_or_else(|| format!("image {image:?} has no tag"))?;
    let (registry, repository) = match path.split_once('/') {
        Some((host, rest)) if host.contains('.') || host.contains(':') => {
            let (registry_path, repository) = rest.rsplit_once('/').map_or(("", rest), |(dir, last)| (dir, last));
            let registry = if registry_path.is_empty() {
                host.to_owned()
            } else {
                format!("{host}/{registry_path}")
            };
            (format!("Registry::Host(registry!({registry:?}))"), repository)
        }
        _ => ("Registry::DockerHub".to_owned(), path),
    };
    Ok(format!(
        "Image::new({registry}, repository!({repository:?}), tag!({tag:?}))"
    ))
}

fn env(container: &Value) -> Result<String, String> {
    let mut calls = String::new();
    for variable in container["env"].as_array().into_iter().flatten() {
        let (Some(name), Some(value)) = (variable["name"].as_str(), variable["value"].as_str()) else {
            return Err("an environment variable taken from elsewhere (valueFrom)".to_owned());
        };
        calls.push_str(&format!(".with_env({name:?}, {value:?})"));
    }
    Ok(calls)
}

fn node_group(pod: &Value) -> Option<&str> {
    if let Some(group) = pod["nodeSelector"][NODE_GROUP_LABEL].as_str() {
        return Some(group);
    }
    let terms = pod["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
        .as_array()?;
    (terms.iter())
        .flat_map(|term| term["matchExpressions"].as_array().into_iter().flatten())
        .find(|expression| expression["key"] == NODE_GROUP_LABEL)
        .and_then(|expression| expression["values"][0].as_str())
}

fn marker_type(name: &str) -> String {
    use heck::ToUpperCamelCase;
    name.to_upper_camel_case()
}

/// Whether `service` selects the pods of `deployment` (same namespace, every selector label on
/// the pod template).
pub fn selects(service: &Value, deployment: &Value) -> bool {
    let namespace = |object: &Value| object["metadata"]["namespace"].as_str().map(str::to_owned);
    let Some(selector) = service["spec"]["selector"]
        .as_object()
        .filter(|selector| !selector.is_empty())
    else {
        return false;
    };
    let labels = &deployment["spec"]["template"]["metadata"]["labels"];
    namespace(service) == namespace(deployment) && selector.iter().all(|(key, value)| &labels[key] == value)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{image, recognize};

    #[test]
    fn images_are_split_into_registry_repository_and_tag() {
        assert_eq!(
            image("ghcr.io/acme/web:1.2.3").unwrap(),
            "Image::new(Registry::Host(registry!(\"ghcr.io/acme\")), repository!(\"web\"), tag!(\"1.2.3\"))"
        );
        assert_eq!(
            image("paulbouwer/hello-kubernetes:1.10").unwrap(),
            "Image::new(Registry::DockerHub, repository!(\"paulbouwer/hello-kubernetes\"), tag!(\"1.10\"))"
        );
        assert!(image("nginx").is_err());
    }

    #[test]
    fn a_container_with_more_than_a_microservice_takes_is_not_recognized() {
        let deployment = json!({"metadata": {"name": "web"}, "spec": {"template": {"spec": {
            "containers": [{"name": "web", "image": "web:1", "volumeMounts": []}]}}}});
        let service = json!({"spec": {"ports": [{"port": 80}]}});
        let refused = recognize(&deployment, &service).err().unwrap();
        assert_eq!(
            refused,
            "its container sets `volumeMounts`, which a Microservice does not take"
        );
    }
}
