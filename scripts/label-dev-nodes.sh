#!/usr/bin/env bash
# Labels the nodes of a local dev cluster (minikube, kind) for the node groups dev declares
# (platform/src/lib.rs: `environment(Env::Dev)`, the `node_groups` constants): every pod is
# pinned to its group by a required node affinity, so on unlabelled nodes it stays Pending.
# stg and prd get their nodes, labelled and tainted, from Karpenter NodePools instead.
# Usage: scripts/label-dev-nodes.sh [kubectl context]; idempotent.
set -euo pipefail
context=(${1:+--context "$1"})

# dev runs everything on one machine: one group, `app`, untainted.
kubectl "${context[@]}" label nodes --all node.kubernetes.io/nodegroup=app --overwrite
