//! Least privilege across the layers: a workload of the release that can call a service crate's
//! Service, through every layer, though no call declares it, is an error. Each pair of a pod
//! template and a Service port is judged as if the call were declared; a call no layer stops
//! is open where it should not be.

use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use std::collections::HashSet;

use kumiki_core::Name;

use super::network::{governs, peer_admits};
use super::{Layers, Resolved, judge};
use crate::call::DeclaredCall;
use crate::facts::Owner;
use crate::rules::index::{Index, Of, PodTemplate, Rendered};
use crate::rules::{Problems, REACH_UNDECLARED};

/// The callers named in one error before the rest are counted.
const CALLERS_NAMED: usize = 5;

pub(super) fn check<'a>(layers: &Layers<'a>, index: &Index<'a>, problems: &mut Problems<'a>) {
    let declarations = Declarations::read(index);
    for service in &index.services {
        let origin = service.object.origin();
        if !matches!(origin.owner, Owner::Service(_)) {
            continue;
        }
        let callers = undeclared_callers(layers, index, &declarations, service);
        if callers.is_empty() {
            continue;
        }
        let mut named = callers
            .iter()
            .take(CALLERS_NAMED)
            .cloned()
            .collect::<Vec<String>>()
            .join("; ");
        if callers.len() > CALLERS_NAMED {
            named.push_str(&format!("; and {} more", callers.len() - CALLERS_NAMED));
        }
        let message = format!(
            "{} can be called by {named} though no call declares it: no layer (network, visibility, authorization, \
             transport) stops it. Declare the call (`allow_caller`), or narrow the policy that lets it through",
            service.object.describe()
        );
        problems.report_as(&REACH_UNDECLARED, origin, message);
    }
}

/// Each workload that reaches `service` through every layer without a declaration:
/// `Deployment tenant/buyer (ServiceAccount buyer) on port 8080`.
fn undeclared_callers<'a>(
    layers: &Layers<'a>,
    index: &Index<'a>,
    declarations: &Declarations,
    service: &Of<'a, k8s_openapi::api::core::v1::Service>,
) -> Vec<String> {
    let namespace = service.object.namespace_or_empty();
    let selector = (service.value.spec.as_ref())
        .and_then(|spec| spec.selector.clone())
        .unwrap_or_default();
    let callees = index.pods_matched_by(namespace, &selector);
    let ports = target_ports(service, &callees);
    if ports.is_empty() {
        return Vec::new();
    }
    // The NetworkPolicies governing the callees' ingress, once per Service: callers none of
    // them admits are denied (the common case) without judging every layer.
    let governing: Vec<&(&Rendered, NetworkPolicy)> = (layers.network.iter())
        .filter(|(_, policy)| (callees.iter()).any(|pod| governs(policy, "Ingress", pod.namespace(), &pod.labels)))
        .collect();
    let mut callers = Vec::new();
    for caller in index.pods() {
        if callees.iter().any(|callee| std::ptr::eq(*callee, caller))
            || !(governing.is_empty() || admits_some_port(layers, &governing, caller))
        {
            continue;
        }
        let undeclared: Vec<(u16, String)> = (ports.iter())
            .filter(|(number, _)| !declarations.cover(caller, &callees, *number))
            .cloned()
            .collect();
        let open = open_ports(layers, index, service, &callees, caller, &undeclared);
        if !open.is_empty() {
            callers.push(format!(
                "{} (ServiceAccount {}) on port {}",
                caller.describe(),
                service_account(caller),
                open.join(", ")
            ));
        }
    }
    callers
}

/// Whether one of `governing` admits `caller` on some port.
fn admits_some_port(layers: &Layers, governing: &[&(&Rendered, NetworkPolicy)], caller: &PodTemplate) -> bool {
    governing.iter().any(|(object, policy)| {
        let rules = policy.spec.as_ref().and_then(|spec| spec.ingress.as_ref());
        rules.into_iter().flatten().any(|rule| {
            rule.from.as_ref().is_none_or(|peers| {
                peers.is_empty()
                    || peers.iter().any(|peer| {
                        peer_admits(layers, peer, object.namespace_or_empty(), caller.namespace(), &[caller])
                    })
            })
        })
    })
}

/// The container ports (number, name) of `callees` the Service's ports forward to.
fn target_ports(service: &Of<k8s_openapi::api::core::v1::Service>, callees: &[&PodTemplate]) -> Vec<(u16, String)> {
    let container_ports: Vec<(u16, String)> = (callees.iter())
        .flat_map(|pod| &pod.spec.containers)
        .flat_map(|container| container.ports.iter().flatten())
        .filter_map(|port| {
            let number = u16::try_from(port.container_port).ok()?;
            Some((number, port.name.clone().unwrap_or_default()))
        })
        .collect();
    let service_ports = service.value.spec.as_ref().and_then(|spec| spec.ports.as_ref());
    let mut targets: Vec<(u16, String)> = (service_ports.into_iter().flatten())
        .filter_map(|port| {
            (container_ports.iter())
                .find(|(number, name)| match &port.target_port {
                    Some(IntOrString::Int(target)) => *target == i32::from(*number),
                    Some(IntOrString::String(target)) => target == name,
                    None => port.port == i32::from(*number),
                })
                .cloned()
        })
        .collect();
    targets.sort();
    targets.dedup();
    targets
}

fn service_account<'p>(pod: &'p PodTemplate) -> &'p str {
    pod.spec.service_account_name.as_deref().unwrap_or("default")
}

/// The ports of `ports` (none of them declared) that `caller` reaches through every layer.
fn open_ports<'a>(
    layers: &Layers<'a>,
    index: &Index<'a>,
    service: &Of<'a, k8s_openapi::api::core::v1::Service>,
    callees: &[&PodTemplate<'a>],
    caller: &PodTemplate<'a>,
    ports: &[(u16, String)],
) -> Vec<String> {
    if ports.is_empty() {
        return Vec::new();
    }
    let (Ok(caller_namespace), Ok(caller_service_account), Ok(service_namespace), Ok(service_name)) = (
        Name::try_from(caller.namespace()),
        Name::try_from(service_account(caller)),
        Name::try_from(service.object.namespace_or_empty()),
        Name::try_from(service.object.name()),
    ) else {
        return Vec::new();
    };
    let mut open = Vec::new();
    for port in ports {
        let call = DeclaredCall {
            caller_namespace: caller_namespace.clone(),
            caller_service_account: caller_service_account.clone(),
            service_namespace: service_namespace.clone(),
            service: service_name.clone(),
            ports: vec![port.clone()],
            declared_at: service.object.origin().location,
        };
        let resolved = Resolved {
            call: &call,
            ports: call.ports.clone(),
            service,
            callees: callees.to_vec(),
            callers: vec![caller],
        };
        if judge(layers, index, &resolved)
            .iter()
            .all(|verdict| verdict.blocked.is_none())
        {
            open.push(port.0.to_string());
        }
    }
    open
}

/// The calls the apps declare, by the pods they reach (a call to a Service covers another
/// Service in front of the same pods, such as a StatefulSet's headless Service): who may call
/// which pod template on which container port.
struct Declarations<'i> {
    /// (caller namespace, caller ServiceAccount, pod template, port).
    calls: HashSet<(&'i str, &'i str, *const PodTemplate<'i>, u16)>,
    /// (caller namespace, pod template, port).
    namespaces: HashSet<(&'i str, *const PodTemplate<'i>, u16)>,
}

impl<'i> Declarations<'i> {
    fn read(index: &'i Index<'i>) -> Declarations<'i> {
        // The pods behind a Service, when `app` owns it: a declaration of another app's Service
        // covers nothing (reach.blocked refuses it).
        let pods = |app: &str, namespace: &str, service: &str| {
            let service = index
                .service(namespace, service)
                .filter(|service| service.object.origin().app == app);
            let selector = (service.and_then(|service| service.value.spec.as_ref()))
                .and_then(|spec| spec.selector.clone())
                .unwrap_or_default();
            index.pods_matched_by(namespace, &selector)
        };
        let mut declarations = Declarations {
            calls: HashSet::new(),
            namespaces: HashSet::new(),
        };
        for (origin, call) in &index.calls {
            for pod in pods(origin.app, call.service_namespace.as_str(), call.service.as_str()) {
                for (port, _) in &call.ports {
                    let caller = (call.caller_namespace.as_str(), call.caller_service_account.as_str());
                    declarations
                        .calls
                        .insert((caller.0, caller.1, std::ptr::from_ref(pod), *port));
                }
            }
        }
        for (origin, declared) in &index.declared_namespaces {
            for pod in pods(
                origin.app,
                declared.service_namespace.as_str(),
                declared.service.as_str(),
            ) {
                for (port, _) in &declared.ports {
                    (declarations.namespaces).insert((declared.namespace.as_str(), std::ptr::from_ref(pod), *port));
                }
            }
        }
        declarations
    }

    /// Whether `caller` may call one of `callees` on container port `number`.
    fn cover(&self, caller: &PodTemplate, callees: &[&PodTemplate<'i>], number: u16) -> bool {
        callees.iter().any(|callee| {
            let callee = std::ptr::from_ref(*callee);
            self.calls
                .contains(&(caller.namespace(), service_account(caller), callee, number))
                || self.namespaces.contains(&(caller.namespace(), callee, number))
        })
    }
}
