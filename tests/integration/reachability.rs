//! Reachability: a call declared across namespaces is carried by every layer of the rendered
//! release (the callee's NetworkPolicy and AuthorizationPolicy, its routes' exportTo, the
//! caller namespace's Sidecar, mutual TLS), each layer that blocks it is an error at the object
//! that blocks it, and a meshed service no policy restricts is an error at its Service.

use kumiki::crds::istio::{
    AuthorizationPolicy, AuthorizationPolicyAction, AuthorizationPolicyRules, AuthorizationPolicyRulesFrom,
    AuthorizationPolicyRulesFromSource, AuthorizationPolicySpec, DestinationRule, Sidecar, VirtualService,
};
use kumiki::k8s_openapi::api::core::v1::Namespace;
use kumiki::k8s_openapi::api::networking::v1::NetworkPolicy;
use kumiki::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kumiki::platform::Exemption;
use kumiki::prelude::*;
use kumiki::rules::ARGOCD_APP_SYNCED;
use kumiki::synth::{DeclaredCall, Layer, Model};
use kumiki::values::SourceLocation;
use kumiki_tests::{app_mut, errors, find, meta, take, with_platform};
use platform::Env;

struct Shop;
impl ServiceId for Shop {
    const NAME: Name = name!("shop");
}

struct Buyer;
impl ServiceId for Buyer {
    const NAME: Name = name!("buyer");
}

const TENANT: Name = name!("tenant");

/// Shop in the services namespace, called by the buyer of namespace `tenant`; the line of the
/// declaration.
fn shop(env: Env) -> (App, u32) {
    let mut web = Container::<Shop>::new(
        name!("web"),
        Image::new(Registry::DockerHub, repository!("acme/shop"), tag!("1.0.0")),
    );
    let http = web.port(Protocol::Http, port_name!("web"), port!(8080));
    let service = Microservice::<Shop>::new(&platform::environment(env))
        .container(web)
        .readiness(Probe::http("/ready", &http))
        .liveness(Probe::tcp(&http))
        .expose(port!(80), &http);
    let line = line!() + 1;
    let app = service.allow_caller(&TENANT, &name!("buyer"), &[&http]).build();
    (app, line)
}

/// The tenant namespace, enrolled in the mesh or not, with its Sidecar (as the platform derives
/// it from `calls`) and the buyer's workload: the platform's app.
fn tenant(env: Env, enrolled: bool, calls: &[&kumiki::synth::DeclaredCall]) -> App {
    let mesh = platform::mesh();
    let mut app = App::new(name!("tenant"));
    let mut labels = platform::environment(env).labels();
    if enrolled {
        labels.extend(mesh.namespace_labels());
    }
    app.add(Namespace {
        metadata: ObjectMeta {
            name: Some(TENANT.to_string()),
            labels: Some(labels),
            ..Default::default()
        },
        ..Default::default()
    });
    app.add(mesh.sidecar(&TENANT, calls));
    let mut environment = platform::environment(env);
    environment.namespace = TENANT;
    let mut client = Container::<Buyer>::new(
        name!("client"),
        Image::new(Registry::DockerHub, repository!("acme/buyer"), tag!("1.0.0")),
    );
    let probe = client.port(Protocol::Http, port_name!("client"), port!(8080));
    let buyer = Microservice::<Buyer>::new(&environment)
        .container(client)
        .readiness(Probe::tcp(&probe))
        .liveness(Probe::tcp(&probe))
        .build();
    app.absorb(buyer);
    app
}

/// The reference platform with shop and the tenant, and shop's declaration line.
fn shop_and_tenant(env: Env, enrolled: bool, derive_sidecar: bool) -> (Model, u32) {
    let (shop, line) = shop(env);
    let calls: Vec<kumiki::synth::DeclaredCall> = shop.published::<kumiki::synth::DeclaredCall>().cloned().collect();
    let calls: Vec<&kumiki::synth::DeclaredCall> = if derive_sidecar {
        calls.iter().collect()
    } else {
        Vec::new()
    };
    let tenant = tenant(env, enrolled, &calls);
    let mut model = with_platform(env, vec![shop]);
    model.apps.push(tenant);
    model.facts.exemptions.push(tenant_synced_elsewhere());
    (model, line)
}

/// The tenant's app is no app of the reference platform's Argo CD tree.
fn tenant_synced_elsewhere() -> Exemption {
    Exemption::new(
        TENANT,
        &ARGOCD_APP_SYNCED,
        "the tenant stands for another team's platform, synced from its own repository",
    )
}

fn reach_errors(model: Model) -> Vec<String> {
    errors(model)
        .into_iter()
        .filter(|error| error.contains("[rule: reach."))
        .collect()
}

const FILE: &str = "tests/integration/reachability.rs";

#[test]
fn a_declared_cross_namespace_call_is_allowed_in_every_layer_by_what_the_constructs_derive() {
    let (model, _) = shop_and_tenant(Env::Prd, true, true);
    let shop = kumiki_tests::app(&model, "shop");
    let rule = find::<DestinationRule>(shop, "shop");
    assert_eq!(
        rule.spec.export_to.as_deref(),
        Some(&[".".to_owned(), "tenant".to_owned()][..])
    );
    let route = find::<VirtualService>(shop, "shop");
    assert_eq!(
        route.spec.export_to.as_deref(),
        Some(&[".".to_owned(), "tenant".to_owned()][..])
    );
    let policy = find::<NetworkPolicy>(shop, "shop");
    let peers = format!("{:?}", policy.spec.as_ref().unwrap().ingress);
    assert!(peers.contains("\"tenant\""), "{peers}");
    let authorization = find::<AuthorizationPolicy>(shop, "shop");
    let principals = kumiki::serde_json::to_string(&authorization.spec).unwrap();
    assert!(principals.contains("cluster.local/ns/tenant/sa/buyer"), "{principals}");
    let sidecar = find::<Sidecar>(kumiki_tests::app(&model, "tenant"), "default");
    let hosts = &sidecar.spec.egress.as_ref().unwrap()[0].hosts;
    assert!(
        hosts.contains(&"services/shop.services.svc.cluster.local".to_owned()),
        "{hosts:?}"
    );
    assert_eq!(reach_errors(model), Vec::<String>::new());
}

#[test]
fn a_sidecar_that_does_not_list_the_callee_blocks_the_call_at_the_sidecar() {
    let (model, line) = shop_and_tenant(Env::Prd, true, false);
    let errors = reach_errors(model);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].contains(&format!(
            ": prd/tenant: visibility layer: Sidecar tenant/default does not list services/shop.services.svc.cluster.local \
             (nor services/*) among its egress hosts, so tenant/buyer's proxy cannot send to it: the call from tenant/buyer \
             to services/shop:8080 declared at {FILE}:{line} cannot get through [rule: reach.blocked]"
        )),
        "{errors:#?}"
    );
}

#[test]
fn a_caller_outside_the_mesh_is_blocked_by_strict_mutual_tls() {
    let (model, line) = shop_and_tenant(Env::Prd, false, true);
    let errors = reach_errors(model);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].contains(
            ": prd/mesh: transport layer: PeerAuthentication istio-system/default requires mutual TLS on port 8080"
        ),
        "{errors:#?}"
    );
    assert!(
        errors[0].contains(&format!(
            "declared at {FILE}:{line} cannot get through [rule: reach.blocked]"
        )),
        "{errors:#?}"
    );
}

#[test]
fn a_patched_network_policy_an_export_list_and_a_deny_policy_each_block_it_where_they_are() {
    // The NetworkPolicy, written again without the tenant's rule.
    let (mut model, line) = shop_and_tenant(Env::Prd, true, true);
    let shop = app_mut(&mut model, "shop");
    let mut policy = take::<NetworkPolicy>(shop, "shop");
    let spec = policy.spec.as_mut().unwrap();
    spec.ingress
        .as_mut()
        .unwrap()
        .retain(|rule| !format!("{:?}", rule.from).contains("\"tenant\""));
    let policy_line = line!() + 1;
    shop.add(policy);
    let errors = reach_errors(model);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].starts_with(&format!(
            "{FILE}:{policy_line}: prd/shop: network layer: NetworkPolicy services/shop admits no ingress from tenant/buyer on port 8080"
        )),
        "{errors:#?}"
    );
    assert!(errors[0].contains(&format!("declared at {FILE}:{line}")), "{errors:#?}");

    // The DestinationRule exported to its own namespace only.
    let (mut model, _) = shop_and_tenant(Env::Prd, true, true);
    let shop = app_mut(&mut model, "shop");
    let mut rule = take::<DestinationRule>(shop, "shop");
    rule.spec.export_to = Some(vec![".".to_owned()]);
    let rule_line = line!() + 1;
    shop.add(rule);
    let errors = reach_errors(model);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].starts_with(&format!(
            "{FILE}:{rule_line}: prd/shop: visibility layer: DestinationRule services/shop is exported to . only, not to tenant"
        )),
        "{errors:#?}"
    );

    // A DENY policy on the buyer's identity, added as a raw object.
    let (mut model, _) = shop_and_tenant(Env::Prd, true, true);
    let deny = AuthorizationPolicy {
        metadata: meta("no-buyers"),
        spec: AuthorizationPolicySpec {
            action: Some(AuthorizationPolicyAction::Deny),
            rules: Some(vec![AuthorizationPolicyRules {
                from: Some(vec![AuthorizationPolicyRulesFrom {
                    source: Some(AuthorizationPolicyRulesFromSource {
                        principals: Some(vec!["cluster.local/ns/tenant/sa/buyer".to_owned()]),
                        ..Default::default()
                    }),
                }]),
                ..Default::default()
            }]),
            ..Default::default()
        },
    };
    let deny_line = line!() + 1;
    app_mut(&mut model, "shop").add(deny);
    let errors = reach_errors(model);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].starts_with(&format!(
            "{FILE}:{deny_line}: prd/shop: authorization layer: AuthorizationPolicy services/no-buyers denies \
             cluster.local/ns/tenant/sa/buyer on port 8080"
        )),
        "{errors:#?}"
    );
}

#[test]
fn a_meshed_service_no_allow_policy_restricts_is_open_to_any_caller() {
    // The construct admits nobody until callers are declared: an ALLOW policy without rules.
    let mut web = Container::<Shop>::new(
        name!("web"),
        Image::new(Registry::DockerHub, repository!("acme/shop"), tag!("1.0.0")),
    );
    let http = web.port(Protocol::Http, port_name!("web"), port!(8080));
    let service = Microservice::<Shop>::new(&platform::environment(Env::Prd))
        .container(web)
        .readiness(Probe::http("/ready", &http))
        .liveness(Probe::tcp(&http))
        .allow_from(&platform::namespaces::SERVICES, &[&http]);
    let app = service.expose(port!(80), &http).build();
    let policy = find::<AuthorizationPolicy>(&app, "shop");
    assert!(policy.spec.rules.is_none(), "allow-nothing policy");
    assert_eq!(reach_errors(with_platform(Env::Prd, vec![app])), Vec::<String>::new());

    // Taken out (an escape hatch), the service is open to any mesh identity.
    let (open, line) = shop_open();
    let mut model = with_platform(Env::Prd, vec![open]);
    let _ = take::<AuthorizationPolicy>(app_mut(&mut model, "shop"), "shop");
    let errors = reach_errors(model);
    assert_eq!(
        errors,
        [format!(
            "{FILE}:{line}: prd/shop: Service services/shop reaches Deployment services/shop in the mesh, and no ALLOW \
             AuthorizationPolicy selects its pods: any workload with a mesh identity may call it. Declare its callers \
             (`allow_caller`), or the ingress listener that reaches it [rule: reach.open]"
        )]
    );
}

/// The shop without declared callers, and the line of its Service.
fn shop_open() -> (App, u32) {
    let mut web = Container::<Shop>::new(
        name!("web"),
        Image::new(Registry::DockerHub, repository!("acme/shop"), tag!("1.0.0")),
    );
    let http = web.port(Protocol::Http, port_name!("web"), port!(8080));
    let service = Microservice::<Shop>::new(&platform::environment(Env::Prd))
        .container(web)
        .readiness(Probe::http("/ready", &http))
        .liveness(Probe::tcp(&http));
    let line = line!() + 1;
    let app = service.expose(port!(80), &http).build();
    (app, line)
}

#[test]
fn the_graph_draws_the_cross_namespace_call_with_the_layers_that_allow_it_in_every_format() {
    let (model, line) = shop_and_tenant(Env::Prd, true, true);
    let release = kumiki::synth::synthesize(model).unwrap();
    let [edge] = release.traffic.as_slice() else {
        panic!("one edge: {:#?}", release.traffic)
    };
    assert_eq!(
        (edge.caller.as_str(), edge.callee.as_str(), edge.port, edge.target_port),
        ("tenant/buyer", "services/shop", 80, 8080)
    );
    assert_eq!((edge.protocol.as_str(), edge.port_name.as_str()), ("http", "http-web"));
    assert_eq!(edge.allowed_by(), kumiki::synth::Layer::ALL);
    assert_eq!(edge.declared_at.to_string(), format!("{FILE}:{line}"));

    let edges = &release.traffic;
    let text = xtask::graph::render_text(edges);
    let row = text.lines().nth(1).unwrap();
    let cells: Vec<&str> = row.split("  ").map(str::trim).filter(|cell| !cell.is_empty()).collect();
    assert_eq!(
        cells,
        [
            "tenant/buyer",
            "services/shop:80",
            "http",
            "network, visibility, authorization, transport",
            &format!("{FILE}:{line}")
        ]
    );
    let mermaid = xtask::graph::render_mermaid(edges);
    assert!(mermaid.starts_with("flowchart LR\n"), "{mermaid}");
    assert!(
        mermaid.contains("n0[\"services/shop\"]")
            && mermaid.contains("n1[\"tenant/buyer\"]")
            && mermaid.contains("n1 -->|\"80 http: network, visibility, authorization, transport\"| n0"),
        "{mermaid}"
    );
    let dot = xtask::graph::render_dot(edges);
    assert!(
        dot.contains(
            "\"tenant/buyer\" -> \"services/shop\" [label=\"80 http: network, visibility, authorization, transport\"];"
        ),
        "{dot}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&xtask::json::to_json(&xtask::json::GraphReport::new("prd", edges))).unwrap();
    assert_eq!(json["edges"][0]["caller"], "tenant/buyer");
    assert_eq!(json["edges"][0]["target_port"], 8080);
    assert_eq!(json["edges"][0]["allowed_by"].as_array().unwrap().len(), 4);
    assert_eq!(json["edges"][0]["blocked"], serde_json::json!([]));
}

#[test]
fn the_diff_shows_the_calls_a_change_allows_and_stops_allowing() {
    let declared = kumiki::synth::synthesize(shop_and_tenant(Env::Prd, true, true).0).unwrap();
    let (open, _) = shop_open();
    let mut undeclared = with_platform(Env::Prd, vec![open]);
    undeclared.apps.push(tenant(Env::Prd, true, &[]));
    undeclared.facts.exemptions.push(tenant_synced_elsewhere());
    let undeclared = kumiki::synth::synthesize(undeclared).unwrap();
    let allowed = [
        "tenant/buyer -> services/shop:8080 (authorization)",
        "tenant/{app.kubernetes.io/name=buyer} -> services/shop:http-web (network)",
    ];

    let diff = kumiki_diff::compare("prd", &undeclared.files, &declared.files).unwrap();
    assert_eq!(diff.traffic.added, allowed);
    assert!(diff.traffic.removed.is_empty());
    let markdown = kumiki_diff::render_markdown(std::slice::from_ref(&diff));
    for edge in allowed {
        assert!(markdown.contains(&format!("- can now call: `{edge}`")), "{markdown}");
    }
    let text = kumiki_diff::render_text(std::slice::from_ref(&diff), false);
    assert!(
        text.contains(&format!("traffic: prd: can now call: {}", allowed[1])),
        "{text}"
    );

    let back = kumiki_diff::compare("prd", &declared.files, &undeclared.files).unwrap();
    assert_eq!(back.traffic.removed, allowed);
    let json: serde_json::Value =
        serde_json::from_str(&xtask::json::to_json(&xtask::json::DiffReport::new(&[back]))).unwrap();
    assert_eq!(json["environments"][0]["traffic"]["removed"][0], allowed[0]);
}

/// The errors of `reach.undeclared` with shop declaring no caller and the tenant's buyer
/// calling it, the layers named in `open` opened to any caller by escape hatches: network (the
/// NetworkPolicy admits everyone), visibility (the tenant's Sidecar lists shop; shop's routes
/// are exported to the tenant) and authorization (an ALLOW rule matching everyone).
fn undeclared_errors(open: &[Layer]) -> Vec<String> {
    let (declaring, _) = shop(Env::Prd);
    let sees_shop: Vec<DeclaredCall> = declaring.published::<DeclaredCall>().cloned().collect();
    let (shop, _) = shop_open();
    let mut model = with_platform(Env::Prd, vec![shop]);
    let sidecar_calls: Vec<&DeclaredCall> = match open.contains(&Layer::Visibility) {
        true => sees_shop.iter().collect(),
        false => Vec::new(),
    };
    model.apps.push(tenant(Env::Prd, true, &sidecar_calls));
    model.facts.exemptions.push(tenant_synced_elsewhere());
    let shop = app_mut(&mut model, "shop");
    if open.contains(&Layer::Network) {
        let mut policy = take::<NetworkPolicy>(shop, "shop");
        policy.spec.as_mut().unwrap().ingress = Some(vec![Default::default()]);
        shop.add(policy);
    }
    if open.contains(&Layer::Visibility) {
        let mut rule = take::<DestinationRule>(shop, "shop");
        rule.spec.export_to = Some(vec![".".to_owned(), TENANT.to_string()]);
        shop.add(rule);
        let mut route = take::<VirtualService>(shop, "shop");
        route.spec.export_to = Some(vec![".".to_owned(), TENANT.to_string()]);
        shop.add(route);
    }
    if open.contains(&Layer::Authorization) {
        let mut policy = take::<AuthorizationPolicy>(shop, "shop");
        policy.spec.rules = Some(vec![AuthorizationPolicyRules::default()]);
        shop.add(policy);
    }
    errors(model)
        .into_iter()
        .filter(|error| error.contains("[rule: reach.undeclared]"))
        .collect()
}

#[test]
fn an_undeclared_caller_is_denied_by_network_visibility_and_authorization_each_alone() {
    let opened = [Layer::Network, Layer::Visibility, Layer::Authorization];
    assert_eq!(undeclared_errors(&[]), Vec::<String>::new());
    for closed in opened {
        let others: Vec<Layer> = opened.into_iter().filter(|layer| *layer != closed).collect();
        assert_eq!(
            undeclared_errors(&others),
            Vec::<String>::new(),
            "{} alone denies the undeclared call",
            closed.as_str()
        );
    }
    let (_, line) = shop_open();
    assert_eq!(
        undeclared_errors(&opened),
        [format!(
            "{FILE}:{line}: prd/shop: Service services/shop can be called by Deployment tenant/buyer (ServiceAccount \
             buyer) on port 8080 though no call declares it: no layer (network, visibility, authorization, transport) \
             stops it. Declare the call (`allow_caller`), or narrow the policy that lets it through [rule: \
             reach.undeclared]"
        )]
    );
}

#[test]
fn only_the_app_that_owns_a_service_declares_its_callers() {
    let (errors, line) = kumiki_tests::with_intruder(Env::Prd, |app| {
        let line = line!() + 1;
        let declared_at = SourceLocation::caller();
        app.publish(DeclaredCall {
            caller_namespace: platform::namespaces::SERVICES,
            caller_service_account: name!("intruder"),
            service_namespace: platform::namespaces::SERVICES,
            service: name!("account"),
            ports: vec![(8080, "http-account".to_owned())],
            declared_at,
        });
        line
    });
    let reach: Vec<&String> = errors.iter().filter(|error| error.contains("[rule: reach.")).collect();
    assert_eq!(
        reach,
        [&format!(
            "{FILE}:{line}: prd/intruder: a call to Service services/account is declared by app intruder, but app \
             account owns that Service: only the app that owns a Service declares its callers [rule: reach.blocked]"
        )]
    );
}
