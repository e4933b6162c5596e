//! kumiki's integration tests: one binary, one module per concern.

mod argocd;
mod catalog;
mod crds;
mod database;
mod diff;
mod guardrails;
mod images;
mod lowering;
mod mesh;
mod microservice;
mod node_pools;
mod repository;
mod scaffold;
mod synth;
mod telemetry;
mod write;
mod yaml;
