#!/usr/bin/env bash
# The local control plane (etcd + kube-apiserver, no nodes, no controllers) for tests and demos:
#
#   cluster.sh up          # build or reuse the binaries, start, wait ready
#   cluster.sh status      # running or not, and where
#   cluster.sh kubeconfig  # the kubeconfig's path
#   cluster.sh down        # stop exactly what `up` started
#
# kumiki-live runs it (`cargo xtask cluster ...`), with KUMIKI_CLUSTER_DIR set to the workspace's
# target/control-plane. Everything listens on 127.0.0.1 only. Certificates, the admin token and
# the data live in that private directory (mode 700).
# Exit codes: 0 done, 1 failed (the log says why), 2 usage.
set -euo pipefail

dir="${KUMIKI_CLUSTER_DIR:?KUMIKI_CLUSTER_DIR must name the directory of the control plane}"
etcd_port="${KUMIKI_ETCD_PORT:-23790}"
api_port="${KUMIKI_API_PORT:-26443}"

running() { [ -f "$dir/$1.pid" ] && kill -0 "$(cat "$dir/$1.pid")" 2>/dev/null; }

secrets() {
  mkdir -p "$dir"
  chmod 700 "$dir"
  [ -f "$dir/sa.key" ] || openssl genrsa -out "$dir/sa.key" 2048 2>/dev/null
  [ -f "$dir/token" ] || head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$dir/token"
  printf '%s,admin,admin,system:masters\n' "$(cat "$dir/token")" > "$dir/tokens.csv"
  chmod 600 "$dir/sa.key" "$dir/token" "$dir/tokens.csv"
  cat > "$dir/kubeconfig" <<CONFIG
apiVersion: v1
kind: Config
clusters:
- name: kumiki-local
  cluster:
    server: https://127.0.0.1:$api_port
    certificate-authority: $dir/pki/apiserver.crt
users:
- name: admin
  user:
    tokenFile: $dir/token
contexts:
- name: kumiki-local
  context: {cluster: kumiki-local, user: admin}
current-context: kumiki-local
CONFIG
  chmod 600 "$dir/kubeconfig"
}

up() {
  if running kube-apiserver; then
    echo "already running: https://127.0.0.1:$api_port (kubeconfig $dir/kubeconfig)"
    return 0
  fi
  local bin
  bin="$(bash "$(dirname "$0")/build.sh" | tail -1)"
  secrets
  mkdir -p "$dir/pki"
  "$bin/etcd" --data-dir "$dir/etcd" --listen-client-urls "http://127.0.0.1:$etcd_port" \
    --advertise-client-urls "http://127.0.0.1:$etcd_port" --listen-peer-urls "http://127.0.0.1:$((etcd_port + 1))" \
    > "$dir/etcd.log" 2>&1 &
  echo $! > "$dir/etcd.pid"
  "$bin/kube-apiserver" --bind-address 127.0.0.1 --secure-port "$api_port" \
    --etcd-servers "http://127.0.0.1:$etcd_port" --cert-dir "$dir/pki" \
    --token-auth-file "$dir/tokens.csv" --authorization-mode RBAC \
    --service-account-issuer https://kubernetes.default.svc --service-account-key-file "$dir/sa.key" \
    --service-account-signing-key-file "$dir/sa.key" --service-cluster-ip-range 10.96.0.0/16 \
    --disable-admission-plugins ServiceAccount --allow-privileged=true \
    > "$dir/kube-apiserver.log" 2>&1 &
  echo $! > "$dir/kube-apiserver.pid"
  for _ in $(seq 1 120); do
    if curl -fsS --cacert "$dir/pki/apiserver.crt" -H "Authorization: Bearer $(cat "$dir/token")" \
      "https://127.0.0.1:$api_port/readyz" > /dev/null 2>&1; then
      echo "ready: https://127.0.0.1:$api_port (kubeconfig $dir/kubeconfig)"
      return 0
    fi
    running kube-apiserver || break
    sleep 0.5
  done
  echo "kube-apiserver did not become ready; see $dir/kube-apiserver.log and $dir/etcd.log" >&2
  down
  return 1
}

down() {
  for process in kube-apiserver etcd; do
    if running "$process"; then
      kill "$(cat "$dir/$process.pid")"
      for _ in $(seq 1 40); do running "$process" || break; sleep 0.25; done
    fi
    rm -f "$dir/$process.pid"
  done
  echo "stopped"
}

status() {
  if running kube-apiserver && running etcd; then
    echo "running: https://127.0.0.1:$api_port (kubeconfig $dir/kubeconfig)"
  else
    echo "not running"
    return 1
  fi
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  kubeconfig) echo "$dir/kubeconfig" ;;
  *) sed -n '2,11p' "$0" >&2; exit 2 ;;
esac

