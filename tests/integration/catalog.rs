//! `cargo xtask catalog`: one row per container of every registered service, read from the
//! model, agreeing with the objects synth writes.

use platform::Env;

fn rows(env: Env) -> Vec<xtask::catalog::Row> {
    let services: Vec<&str> = xtask::SERVICES.iter().map(|service| service.name).collect();
    xtask::catalog::rows(&xtask::model(env).apps, &services)
}

#[test]
fn every_registered_service_is_listed_and_prd_images_come_from_ecr_pinned() {
    let rows = rows(Env::Prd);
    for service in xtask::SERVICES {
        assert!(
            rows.iter().any(|row| row.service == service.name),
            "{} missing",
            service.name
        );
    }
    let ecr = format!(
        "{}.dkr.ecr.{}.amazonaws.com/",
        platform::AWS_ACCOUNT,
        platform::AWS_REGION
    );
    let team_built = rows.iter().filter(|row| row.repository.starts_with(&ecr));
    assert!(team_built.clone().count() >= 5, "{rows:#?}");
    for row in team_built {
        assert!(row.repository.ends_with("-repository"), "{row:?}");
    }
    assert!(rows.iter().all(|row| row.tag != "latest"), "{rows:#?}");
    // No database pod outside dev.
    assert!(rows.iter().all(|row| !row.workload.ends_with("-db")), "{rows:#?}");
}

#[test]
fn a_listener_is_shown_on_the_container_its_service_port_reaches() {
    let rows = rows(Env::Dev);
    let customer = rows.iter().find(|row| row.workload == "customer").unwrap();
    assert_eq!(customer.ports, ["8000/http-customer"]);
    assert_eq!(customer.service_ports, ["customer:50001"]);
    assert_eq!(customer.listeners, ["customer:50001 (NodePort 30001)"]);
    assert_eq!(customer.node_group, "app");
    // The mesh-only service has a Service port and no listener; php-fpm has neither.
    let order: Vec<_> = rows.iter().filter(|row| row.workload == "order").collect();
    assert_eq!(order.len(), 2);
    assert_eq!(order[0].service_ports, ["order:50005"]);
    assert!(order[0].listeners.is_empty() && order[1].service_ports.is_empty());
    // dev's database pod is listed with both of its Services.
    let database = rows.iter().find(|row| row.workload == "account-db").unwrap();
    assert_eq!(database.service_ports, ["account-db-headless:3306", "account-db:3306"]);
}

#[test]
fn the_table_has_a_header_and_one_line_per_row() {
    let rows = rows(Env::Stg);
    let table = xtask::catalog::render(&rows);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), rows.len() + 1);
    assert!(lines[0].starts_with("SERVICE"));
    for (line, row) in lines[1..].iter().zip(&rows) {
        assert!(
            line.starts_with(&row.service) && line.contains(&row.repository),
            "{line}"
        );
    }
}

#[test]
fn json_holds_every_row_in_the_documented_shape() {
    let rows = rows(Env::Prd);
    let report = xtask::json::CatalogReport::new("prd", rows.clone());
    let json: serde_json::Value = serde_json::from_str(&xtask::json::to_json(&report)).unwrap();
    assert_eq!(json["format"], 1);
    assert_eq!(json["env"], "prd");
    let containers = json["containers"].as_array().unwrap();
    assert_eq!(containers.len(), rows.len());
    for (container, row) in containers.iter().zip(&rows) {
        assert_eq!(container["service"], row.service.as_str());
        assert_eq!(container["version"], row.tag.as_str());
        assert_eq!(container["repository"], row.repository.as_str());
        let node_group = (row.node_group != "-").then_some(row.node_group.as_str());
        assert_eq!(container["node_group"].as_str(), node_group);
    }
    // Every field the schema requires is there.
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(xtask::workspace_root().join("schemas/catalog.schema.json")).unwrap(),
    )
    .unwrap();
    for field in schema["$defs"]["CatalogContainer"]["required"].as_array().unwrap() {
        assert!(containers[0].get(field.as_str().unwrap()).is_some(), "{field}");
    }
}
