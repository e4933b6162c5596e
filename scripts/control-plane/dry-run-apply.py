"""Server-side apply dry run of a release directory against the local control plane.

    scripts/control-plane/cluster.sh up
    python3 scripts/control-plane/dry-run-apply.py <release/ENV> [CRD_DIR ...]

Applies the CRDs found under each CRD_DIR and the release's Namespaces for real, then every
object of the release with dryRun=All, fieldValidation=Strict and field manager `kumiki`.
Prints each refusal and warning; exit 1 when any object is refused. Needs PyYAML. An interim
tool until `cargo xtask verify` does this in Rust.
"""
import json, os, ssl, sys, glob, urllib.request, yaml, time
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
D = os.environ.get("KUMIKI_CLUSTER_DIR", os.path.join(ROOT, "target/control-plane"))
TOKEN = open(f"{D}/token").read().strip()
A = "https://127.0.0.1:" + os.environ.get("KUMIKI_API_PORT", "26443")
ctx = ssl.create_default_context(cafile=f"{D}/pki/apiserver.crt")
def req(method, path, body=None, ctype="application/json"):
    r = urllib.request.Request(A + path, data=body, method=method, headers={"Authorization": "Bearer " + TOKEN, "Content-Type": ctype})
    try:
        with urllib.request.urlopen(r, context=ctx) as resp:
            return resp.status, json.loads(resp.read() or b"{}"), resp.headers.get_all("Warning") or []
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}"), e.headers.get_all("Warning") or []
def resources():
    m = {}
    groups = [("", "/api/v1")]
    for g in req("GET", "/apis")[1]["groups"]:
        for v in g["versions"]:
            groups.append((g["name"], f"/apis/{v['groupVersion']}"))
    for group, path in groups:
        st, body, _ = req("GET", path)
        if st != 200: continue
        for r in body["resources"]:
            if "/" in r["name"]: continue
            m[(body["groupVersion"], r["kind"])] = (path, r["name"], r["namespaced"])
    return m
def apply(text, dry):
    obj = yaml.safe_load(text)
    gv, kind = obj["apiVersion"], obj["kind"]
    path, plural, namespaced = RES[(gv, kind)]
    ns = obj["metadata"].get("namespace")
    url = f"{path}/namespaces/{ns}/{plural}/{obj['metadata']['name']}" if namespaced else f"{path}/{plural}/{obj['metadata']['name']}"
    url += "?fieldManager=kumiki&fieldValidation=Strict" + ("&dryRun=All" if dry else "")
    return req("PATCH", url, text.encode(), "application/apply-patch+yaml")
t = time.time()
RES = resources()
release = sys.argv[1].rstrip("/")
crd_files = [f for d in sys.argv[2:] for f in sorted(glob.glob(f"{d}/**/*.yaml", recursive=True))]
for f in crd_files:
    for doc in yaml.safe_load_all(open(f)):
        if doc and doc.get("kind") == "CustomResourceDefinition":
            st, b, _ = apply(yaml.safe_dump(doc), False)
            if st >= 300: print("CRD", f, st, b.get("message", "")[:200])
time.sleep(3)  # the new kinds are served a moment after their CRDs are stored
RES = resources()
print("crds", round(time.time() - t, 1), "s")
files = sorted(glob.glob(f"{release}/**/*.yaml", recursive=True))
for f in files:
    if ".namespace." in f:
        apply(open(f).read(), False)
ok = bad = 0
for f in files:
    text = open(f).read()
    try:
        st, b, w = apply(text, True)
    except KeyError as e:
        print("UNKNOWN KIND", f, e); bad += 1; continue
    if st >= 300:
        bad += 1; print("REFUSED", os.path.relpath(f, release), st, b.get("message", "")[:300])
    else:
        ok += 1
        for x in w: print("WARNING", os.path.relpath(f, release), x[:200])
print(release, "accepted", ok, "refused", bad, round(time.time() - t, 1), "s")
sys.exit(1 if bad else 0)
