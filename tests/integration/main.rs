//! kumiki's integration tests: one binary, one module per concern.

mod api_server;
mod argocd;
mod authority;
mod catalog;
mod crds;
mod database;
mod diff;
mod images;
mod lowering;
mod mesh;
mod mesh_access;
mod microservice;
mod node_pools;
mod ownership;
mod pod_rules;
mod repository;
mod robustness;
mod rules;
mod scaffold;
mod secrets;
mod synth;
mod telemetry;
mod workers;
mod write;
mod yaml;
