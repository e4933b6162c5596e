//! The service graph: each declared call to each port, with what every layer of the rendered
//! release does with it (`graph` prints it).

use k8s_openapi::api::core::v1::Service;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::network::governs;
use super::{Layers, Resolved, caller_meshed, judge, peer_mode, policies_applying, resolve};
use crate::call::{Edge, Layer, Passage};
use crate::rules::index::Index;

/// Every declared call of the environment, one edge per port, sorted by caller, callee and
/// port. A call to a Service the release does not have has no edge (synth reports it).
pub(crate) fn edges(index: &Index) -> Vec<Edge> {
    let layers = Layers::read(index);
    let mut edges: Vec<Edge> = (index.calls.iter())
        .filter_map(|(origin, call)| resolve(index, origin.app, call).ok())
        .flat_map(|resolved| {
            (resolved.call.ports.iter())
                .map(|port| edge(&layers, index, &resolved, port))
                .collect::<Vec<Edge>>()
        })
        .collect();
    let key = |edge: &Edge| (edge.caller.clone(), edge.callee.clone(), edge.port, edge.target_port);
    edges.sort_by_key(key);
    edges.dedup_by(|a, b| key(a) == key(b));
    edges
}

fn edge(layers: &Layers, index: &Index, call: &Resolved, (number, name): &(u16, String)) -> Edge {
    let one_port = Resolved {
        call: call.call,
        ports: vec![(*number, name.clone())],
        service: call.service,
        callees: call.callees.clone(),
        callers: call.callers.clone(),
    };
    let layers_passage = (judge(layers, index, &one_port).into_iter())
        .map(|verdict| {
            let passage = match verdict.blocked {
                Some((_, reason)) => Passage::Blocked(reason),
                None if governed(layers, index, &one_port, verdict.layer) => Passage::Allowed,
                None => Passage::Ungoverned,
            };
            (verdict.layer, passage)
        })
        .collect();
    let (port, protocol) = service_port(&call.service.value, *number, name);
    Edge {
        caller: call.call.caller(),
        callee: call.call.callee(),
        port,
        target_port: *number,
        port_name: name.clone(),
        protocol,
        layers: layers_passage,
        declared_at: call.call.declared_at,
    }
}

/// Whether some object of `layer` decides `call` (rather than the layer not being there).
fn governed(layers: &Layers, index: &Index, call: &Resolved, layer: Layer) -> bool {
    match layer {
        Layer::Network => {
            let ingress = (call.callees.iter()).any(|pod| {
                (layers.network.iter()).any(|(_, policy)| governs(policy, "Ingress", pod.namespace(), &pod.labels))
            });
            let egress = (call.callers.iter()).any(|pod| {
                (layers.network.iter()).any(|(_, policy)| governs(policy, "Egress", pod.namespace(), &pod.labels))
            });
            ingress || egress
        }
        Layer::Visibility => caller_meshed(layers, call),
        Layer::Authorization => (call.callees.iter()).any(|pod| !policies_applying(layers, index, pod).is_empty()),
        Layer::Transport => (call.callees.iter())
            .any(|pod| (call.ports.iter()).any(|(number, _)| peer_mode(layers, pod, *number).is_some())),
    }
}

/// The Service port that targets container port `number` (named `name`), and its protocol.
fn service_port(service: &Service, number: u16, name: &str) -> (u16, String) {
    let ports = service.spec.as_ref().and_then(|spec| spec.ports.as_ref());
    let targeting = ports.into_iter().flatten().find(|port| match &port.target_port {
        Some(IntOrString::Int(target)) => *target == i32::from(number),
        Some(IntOrString::String(target)) => target == name,
        None => port.port == i32::from(number),
    });
    let Some(port) = targeting else {
        return (number, "tcp".to_owned());
    };
    let from_name = (port.name.as_deref()).map(|name| name.split('-').next().unwrap_or(name).to_owned());
    let known = |candidate: &String| {
        [
            "http", "http2", "https", "grpc", "grpc-web", "tcp", "tls", "mongo", "mysql", "redis",
        ]
        .contains(&candidate.as_str())
    };
    let protocol = (port.app_protocol.clone())
        .or_else(|| from_name.filter(known))
        .unwrap_or_else(|| "tcp".to_owned());
    (u16::try_from(port.port).unwrap_or(number), protocol)
}
