#!/usr/bin/env bash
# Builds the local control plane the live checks use: kube-apiserver and etcd from Go sources
# at pinned versions, into a cache outside the checkout keyed by version, so later runs start
# in seconds. Prints the directory holding the two binaries.
#
#   build.sh            # build (or reuse) and print the directory
#
# KUMIKI_CACHE overrides the cache root (default: ${XDG_CACHE_HOME:-$HOME/.cache}/kumiki).
#
# Why from sources: k8s.io/kubernetes replaces its k8s.io/* staging modules with local paths,
# so `go install .../cmd/kube-apiserver@v1.X.Y` fails; a scratch module requiring it, with each
# staging module replaced by the published k8s.io/<name> v0.X.Y, builds it. etcd's server
# module builds from the version Kubernetes' own module graph pins.
set -euo pipefail

# The Kubernetes minor the platform targets (the schemas validate-manifests checks against).
KUBERNETES_VERSION=v1.37.2
ETCD_VERSION=v3.7.0 # the go.etcd.io/etcd/server/v3 version k8s.io/kubernetes v1.37.2 requires

cache_root="${KUMIKI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kumiki}"
out="$cache_root/control-plane/kubernetes-$KUBERNETES_VERSION-etcd-$ETCD_VERSION"
if [ -x "$out/kube-apiserver" ] && [ -x "$out/etcd" ] && [ -f "$out/SHA256SUMS" ] \
  && (cd "$out" && sha256sum --quiet -c SHA256SUMS); then
  echo "$out"
  exit 0
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/kumiki-control-plane.XXXXXX")"
trap 'rm -rf "$work"' EXIT
staging_minor="v0.${KUBERNETES_VERSION#v1.}"

# kube-apiserver: a scratch module that requires k8s.io/kubernetes, its staging modules replaced
# by the published ones of the matching v0.X.Y, and its godebug settings.
mkdir -p "$work/apiserver-module" "$work/bin"
(
  cd "$work/apiserver-module"
  go mod init kumiki.local/control-plane >/dev/null 2>&1
  kubernetes_mod="$(go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  {
    grep -E '^godebug ' "$kubernetes_mod" || true
    echo "require k8s.io/kubernetes $KUBERNETES_VERSION"
    sed -n 's#^\s*\(k8s.io/[a-z0-9-]*\) => ./staging/src/k8s.io/[a-z0-9-]*$#replace \1 => \1 '"$staging_minor"'#p' "$kubernetes_mod"
  } >> go.mod
  printf 'package main\n\nimport _ "k8s.io/kubernetes/cmd/kube-apiserver/app"\n\nfunc main() {}\n' > tools.go
  go mod tidy >/dev/null
  rm tools.go
  version_pkg=k8s.io/component-base/version
  ldflags="-s -w -X $version_pkg.gitVersion=$KUBERNETES_VERSION -X $version_pkg.gitMajor=1 \
-X $version_pkg.gitMinor=$(echo "$KUBERNETES_VERSION" | cut -d. -f2) -X $version_pkg.gitTreeState=clean"
  CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$work/bin/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
)

# etcd: the server module's own main.
mkdir -p "$work/etcd-module"
(
  cd "$work/etcd-module"
  go mod init kumiki.local/etcd >/dev/null 2>&1
  echo "require go.etcd.io/etcd/server/v3 $ETCD_VERSION" >> go.mod
  printf 'package main\n\nimport _ "go.etcd.io/etcd/server/v3/etcdmain"\n\nfunc main() {}\n' > tools.go
  go mod tidy >/dev/null
  rm tools.go
  CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$work/bin/etcd" go.etcd.io/etcd/server/v3
)

rm -rf "$out.new"
mkdir -p "$out.new"
mv "$work/bin/kube-apiserver" "$work/bin/etcd" "$out.new/"
(cd "$out.new" && sha256sum kube-apiserver etcd > SHA256SUMS)
rm -rf "$out"
mv "$out.new" "$out"
echo "$out"
