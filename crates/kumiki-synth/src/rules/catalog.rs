//! The built-in rules of synthesis: every error synth reports names one of these.

use crate::rule::Rule;

macro_rules! rules {
    ($($(#[$doc:meta])* $name:ident = $id:literal, $summary:literal, $explanation:literal;)*) => {
        $(
            $(#[$doc])*
            pub const $name: Rule = Rule { id: $id, summary: $summary, explanation: $explanation };
        )*
        /// Every built-in rule of synthesis, in id order.
        pub const SYNTH_RULES: &[&Rule] = &[$(&$name),*];
    };
}

rules! {
    /// App names are unique in an environment.
    APP_UNIQUE_NAME = "app.unique-name", "app names are unique in an environment",
        "An app is a directory of release/<env>/ and an Argo CD Application: two apps with one name \
         (two service crates with one name, say) would write each other's files. No other rule runs \
         until names are unique.\n\nFix: rename one crate (its directory and its `name!` in `App::new`).";
    /// A service crate's code panicked while building its app.
    APP_PANIC = "app.panic", "a service crate builds its app without panicking",
        "A panic while building an app is reported at the panicking line instead of aborting the \
         synth; what the other apps would derive from an incomplete model is not checked.\n\n\
         Fix: handle the case at that line (an `expect` on a setting absent in one environment, \
         say: `match env { .. }`).";
    /// A service crate writes only the kinds the platform allows services or grants it.
    AUTHORITY_KIND = "authority.kind", "a service crate writes only the kinds the platform allows services, or grants it",
        "Whatever route an object takes (a construct, a patch, a raw object, a type of the \
         service's own, a crate it depends on), the kind its YAML names decides: a service crate \
         writes the kinds of the platform's `Authority::kinds`, and a RoleBinding of a service \
         binds no ClusterRole. Anything else (cluster-scoped RBAC, node pools, Argo CD projects, \
         mesh-wide kinds such as EnvoyFilter or PeerAuthentication) is the platform's.\n\nFix: \
         write it from the platform, or have the platform grant it to this service with a reason: \
         `Grant::new(\"<service>\", Right::Kind(Kind::new(group, kind)), \"<why>\")`.";
    /// A service crate writes only into the namespaces services are given.
    AUTHORITY_NAMESPACE = "authority.namespace", "a service crate writes only into the namespaces the platform gives services",
        "An object of a service in another team's or the platform's namespace (istio-system, \
         argocd) acts there with that namespace's standing.\n\nFix: write it into a namespace of \
         `Authority::namespaces`, or have the platform grant the namespace to this service: \
         `Right::Namespace(name!(\"...\"))`.";
    /// Pods of a service stay off reserved node groups.
    AUTHORITY_NODE_GROUP = "authority.node-group", "a service's pods are not placed on node groups the platform reserves",
        "Node groups the platform reserves for its own components (`Authority::reserved_node_groups`) \
         keep their capacity and isolation only if no service schedules there, by a node \
         selector, a required affinity or a toleration of the group's taint.\n\nFix: pin the \
         service to an application group, or have the platform grant the group: \
         `Right::NodeGroup(label_value!(\"...\"))`.";
    /// A service's monitor scrapes its own pods as the platform's scraper.
    AUTHORITY_MONITOR = "authority.monitor", "a service's PodMonitor or ServiceMonitor scrapes only its own pods, without credentials or identity relabelings",
        "A monitor tells the platform's Prometheus what to scrape and how. From a service it may \
         look only in its own namespace at its own pods; it may not hand the scraper credentials \
         (bearer tokens, basic auth, OAuth2, TLS keys) or files of the scraper's disk outside the \
         mesh certificates the platform declares (`MetricsScraper::mesh_certificates`), nor \
         relabel `job`, `namespace`, `service`, `pod`, `instance`, `endpoint`, `container` or \
         `node`, honour the target's labels, or name the job by a label: its samples would arrive \
         as another service's.\n\nFix: `.metrics(&port, \"/metrics\")` on the construct writes \
         a monitor that does none of this.";
    /// A service claims only its own mesh hosts.
    AUTHORITY_MESH_HOST = "authority.mesh-host", "a service's routes and destination rules claim only hosts of the release or granted ones, no wildcards",
        "A VirtualService or DestinationRule applies to every client that sees it: a wildcard host \
         or a host that is no Service of the release (an external API, another team's domain) \
         takes that traffic from everyone. A route bound only to the service's own Gateway may \
         use a wildcard, which then covers that Gateway's own port.\n\nFix: name the Service's \
         host, or have the platform grant the host: `Right::Host(\"...\".into())`.";
    /// A service exports its mesh configuration only where allowed.
    AUTHORITY_EXPORT = "authority.export", "a service's routes and destination rules are exported to its namespace, its declared callers' and those the platform allows",
        "Without `exportTo` the mesh shows a route to every namespace; exported further than its \
         own namespace and the platform's `Authority::export_to` (the ingress gateway's), it \
         changes how other teams' workloads reach the host.\n\nFix: `exportTo: [\".\"]` (the \
         Microservice construct writes it).";
    /// A service's policies govern its own workloads and name their sources.
    AUTHORITY_POLICY = "authority.policy", "a service's NetworkPolicies, AuthorizationPolicies and Sidecars select its own pods, and admit named sources",
        "A policy without a selector governs every workload of the namespace (a DENY or a Sidecar \
         there changes other teams' pods); one that selects another app's pods governs them. An \
         ingress rule of a NetworkPolicy without sources, open to every namespace or to \
         0.0.0.0/0 admits everyone.\n\nFix: select the app's own pods and name the callers (the \
         construct's `.allow_from(...)`).";
    /// A service asks for tokens of its own ServiceAccounts only.
    AUTHORITY_TOKEN = "authority.token", "a service's token Secrets name its own ServiceAccounts",
        "A Secret of type `kubernetes.io/service-account-token` makes the cluster write that \
         ServiceAccount's token into it: naming another app's account hands its rights to this \
         service.\n\nFix: name a ServiceAccount the app declares.";
    /// Grants name service crates of the model.
    AUTHORITY_GRANT = "authority.grant", "every grant names a service crate of the model",
        "A grant to a service crate that builds no app grants nothing, and a misspelt name would \
         leave the intended service refused.\n\nFix: name the crate as its `Cargo.toml` does.";
    /// Counts within what the API server accepts.
    VALUE_COUNT = "value.count", "replicas, histories, deadlines, probe timings and autoscaler bounds are within their ranges",
        "The schema says \"integer\"; the API server refuses a negative replica count, history \
         limit, deadline or grace period, a probe period, timeout or threshold below 1 (and a \
         liveness or startup successThreshold other than 1), an autoscaler bound below 1 and a \
         topology spread maxSkew below 1.\n\nFix: the smallest valid value is named in the message.";
    /// Selector and topology keys are not empty.
    VALUE_SELECTOR = "value.selector", "affinity terms, pod selectors and topology constraints name a key",
        "An empty label key in an affinity term or a term's selector, or an empty topologyKey, \
         is refused by the API server (or, for a topologyKey, leaves the pod unschedulable).\n\n\
         Fix: name the key, e.g. `kubernetes.io/hostname`.";
    /// A claim asks for storage.
    VALUE_CLAIM_SIZE = "value.claim-size", "every PersistentVolumeClaim and volume claim template requests storage above zero",
        "A claim without `resources.requests.storage` is refused; one of zero bytes binds nothing \
         useful.\n\nFix: request a size, e.g. `10Gi`.";
    /// A probe targets a port its container declares.
    POD_PROBE_PORT = "pod.probe-port", "a probe's named port is one its container declares",
        "A probe naming a port the container does not declare can never succeed: the pod never \
         becomes ready, or is restarted forever.\n\nFix: `Probe::http(&port, ..)` on the construct \
         takes the port it declared.";
    /// Nothing is written twice where Kubernetes merges or refuses.
    OBJECT_DUPLICATES = "object.duplicates", "no environment variable, container port, mount path or Service port is written twice, no key is in a ConfigMap's or Secret's two maps",
        "The API server refuses two Service ports of one name or number and two mounts at one \
         path; it keeps the last of two variables of one name and lets `stringData` replace \
         `data` silently.\n\nFix: write each once.";
    /// Mounts land where they can.
    POD_MOUNT_PATH = "pod.mount-path", "a mount path is absolute, over no system directory and not inside another mount",
        "A volume mounted at `/`, `/etc`, `/proc`, `/usr` or over the ServiceAccount token \
         hides what the container needs there; a mount inside another is hidden by it or hides \
         part of it, depending on the order the kubelet mounts them.\n\nFix: mount each volume at \
         a directory of its own, such as `/config` or `/var/lib/<app>`.";
    /// Namespaces named exist.
    REFERENCE_NAMESPACE = "reference.namespace", "every namespace a policy, export or in-cluster address names exists in the release or the platform",
        "A NetworkPolicy or AuthorizationPolicy source, an `exportTo` entry or a \
         `<service>.<namespace>.svc` address in a ConfigMap or a variable that names a namespace \
         nothing creates matches nothing: the caller is refused, the route is hidden, the client \
         cannot resolve its server.\n\nFix: correct the name, or have the platform create the \
         namespace (or declare it as a provided service's).";
    /// The object names its kind.
    OBJECT_KIND = "object.kind", "every object writes its apiVersion and kind",
        "An object is what its YAML says: the checks, the output path and the API server take \
         the kind from `apiVersion` and `kind` as written, never from the Rust type that wrote \
         them.\n\nFix: serialize `apiVersion` and `kind` first (a k8s-openapi type, or a type \
         generated by `import-crd`, does).";
    /// The object has a valid name and labels.
    OBJECT_NAME = "object.name", "every object has a valid metadata.name and valid labels",
        "The API server refuses an object without a name, with a name that is not a DNS \
         subdomain, or with a label key or value that is not valid.\n\nFix: `name!(\"my-object\")` \
         checks a literal name at compile time; computed names go through `Name::try_from`.";
    /// Namespaced kinds have a namespace, cluster-scoped ones none.
    OBJECT_SCOPE = "object.scope", "namespaced objects name a namespace, cluster-scoped ones none",
        "The scope comes from the kind (Kubernetes' own kinds, the CRDs of the release, or the \
         custom type's declaration). A namespaced object without a namespace would land in \
         whatever namespace Argo CD applies it to; a cluster-scoped one with a namespace is \
         refused.\n\nFix: set `metadata.namespace` on namespaced objects only.";
    /// No two objects share an identity or a file.
    OBJECT_IDENTITY = "object.identity", "no two objects share group, kind, namespace and name, nor a file",
        "The API server sees two objects with one identity as one: the second overwrites the \
         first. Two kinds whose names differ only in group would share a file.\n\nFix: rename \
         one of them.";
    /// The object's JSON is what the rules read: one value per key.
    OBJECT_REPEATED_KEY = "object.repeated-key", "no mapping writes a key twice",
        "A type of the platform's own that writes a field and a flattened map naming the same key \
         writes it twice; the API server keeps one of them, silently.\n\nFix: remove the key from \
         the map, or the field.";
    /// The object has the shape of its kind's schema where the rules read it.
    OBJECT_SHAPE = "object.shape", "what the rules read of an object has its kind's schema shape",
        "The rules decode the fields they read from the rendered object with the types of \
         k8s-openapi or the CRD's schema. A field of the wrong shape (a string where the schema \
         has a list) is refused: the API server would refuse it too, and no rule could vouch for \
         it.\n\nFix: write the field as the schema says.";
    /// The object fits in what Argo CD applies.
    OBJECT_SIZE = "object.size", "an object's YAML stays under 256 KiB",
        "Argo CD's client-side apply stores the object in an annotation, and all annotations of \
         an object together may hold 256 KiB.\n\nFix: split it (one ConfigMap per file, say).";
    /// The object can be written as YAML.
    OBJECT_RENDER = "object.render", "every object serializes",
        "A custom `Serialize` that fails (a map with non-string keys, say) cannot be written.\n\n\
         Fix: serialize to JSON-compatible values.";
    /// Exemptions name apps of the model and each lifts something.
    PLATFORM_EXEMPTION = "platform.exemption", "an exemption names an app of the model",
        "An exemption lifts one rule for one app's objects, with a reason. One naming an app the \
         model does not have lifts nothing and hides a typo.\n\nFix: name the app as `App::new` \
         does, or remove the exemption.";
    /// A platform rule's id is not a built-in one.
    PLATFORM_RULE_ID = "platform.rule-id", "a platform's own rule ids are unique and not built-in ones",
        "Errors and exemptions name rules by id: two rules with one id could not be told \
         apart.\n\nFix: give the platform's rules a prefix of their own (`acme.owner-label`).";

    /// Workloads select their own pods.
    WORKLOAD_SELECTOR = "workload.selector", "a workload's selector matches its own pod template",
        "The API server refuses a Deployment, StatefulSet, DaemonSet, ReplicaSet or Job whose \
         `spec.selector` does not match `spec.template.metadata.labels`.\n\nFix: select the \
         labels the template carries (the Microservice does this for you).";
    /// Names inside a pod are unique and mounts resolve.
    POD_NAMES = "pod.names", "a pod repeats no container, port or volume name and mounts only its volumes",
        "Two containers, ports or volumes with one name are refused or merged; a mount of an \
         undeclared volume is refused.\n\nFix: rename the duplicate; declare the volume in \
         `spec.volumes` (or a StatefulSet's `volumeClaimTemplates`).";
    /// Requests do not exceed limits.
    POD_REQUESTS = "pod.requests", "a container's requests do not exceed its limits",
        "The API server refuses a request above its limit.\n\nFix: `Resources::guaranteed(cpu, \
         memory)` sets both equal.";
    /// A Service selects pods and its target ports exist.
    SERVICE_SELECTOR = "service.selector", "a Service's selector matches pods, whose containers declare its target ports",
        "A Service matching no pod has no endpoints: every call fails. A named targetPort the \
         pods do not declare is never reached.\n\nFix: select the workload through its port \
         handle (`.expose(port!(80), &http)`), or fix the selector's labels.";
    /// A StatefulSet names its headless Service.
    STATEFUL_SET_SERVICE = "workload.headless-service", "a StatefulSet's serviceName names a headless Service",
        "A StatefulSet's pods get their DNS names from the headless Service its `serviceName` \
         names; without it they have none.\n\nFix: `.stateful(..)` on a Microservice creates \
         `<name>-headless`; by hand, add a Service with `clusterIP: None`.";
    /// Disruption budgets select pods and allow an eviction.
    DISRUPTION_BUDGET = "workload.disruption-budget", "a PodDisruptionBudget selects pods and leaves one evictable",
        "A budget selecting no pods protects nothing; `minAvailable` at or above the replicas \
         blocks every node drain.\n\nFix: `.disruption_budget(DisruptionBudget::max_unavailable(1))`.";
    /// Autoscalers scale a workload that exists and has no fixed replicas.
    AUTOSCALER = "workload.autoscaler", "a HorizontalPodAutoscaler scales an existing workload without fixed replicas, min <= max",
        "An autoscaler of a missing workload does nothing; one of a workload that also sets \
         `replicas` fights every sync.\n\nFix: `.autoscale(min, max, cpu)` on the Microservice \
         leaves `replicas` out for you.";

    /// Restricted profile: host namespaces.
    POD_HOST_NAMESPACES = "pod.host-namespaces", "no pod shares the node's network, PID or IPC namespace",
        "Pod Security 'restricted'. A pod in the node's namespaces sees every other pod's \
         traffic or processes.\n\nFix: remove `hostNetwork`, `hostPID`, `hostIPC`; if a platform \
         component needs it, the platform exempts that app with a reason.";
    /// Restricted profile: volume types.
    POD_VOLUME_TYPES = "pod.volume-types", "pods use only the volume types the restricted profile allows",
        "Allowed: configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, \
         projected, secret. A hostPath volume reads or writes the node.\n\nFix: use a \
         PersistentVolumeClaim (`.stateful(VolumeClaim::new(..))`).";
    /// Restricted profile: non-root.
    POD_RUN_AS_NON_ROOT = "pod.run-as-non-root", "every container runs as non-root, never user 0",
        "Pod Security 'restricted'.\n\nFix: the platform's `SecurityPolicy` sets `runAsNonRoot: \
         true` and a UID; a patch must not undo it.";
    /// Restricted profile: seccomp.
    POD_SECCOMP = "pod.seccomp", "every container has a RuntimeDefault or Localhost seccomp profile",
        "Pod Security 'restricted'.\n\nFix: `Seccomp::RuntimeDefault` in the platform's \
         `SecurityPolicy`.";
    /// Restricted profile: privileged.
    POD_PRIVILEGED = "pod.privileged", "no container runs privileged",
        "A privileged container owns the node.\n\nFix: remove `privileged: true`; a platform \
         component that needs it is exempted by the platform with a reason.";
    /// Restricted profile: privilege escalation.
    POD_PRIVILEGE_ESCALATION = "pod.privilege-escalation", "every container sets allowPrivilegeEscalation: false",
        "Pod Security 'restricted'.\n\nFix: the platform's `SecurityPolicy` sets it; a patch \
         must not undo it.";
    /// Restricted profile: capabilities.
    POD_CAPABILITIES = "pod.capabilities", "every container drops ALL capabilities and adds none but NET_BIND_SERVICE",
        "Pod Security 'restricted'.\n\nFix: `drop_capabilities: &[\"ALL\"]` in the platform's \
         `SecurityPolicy`; add nothing else.";
    /// No host ports.
    POD_HOST_PORTS = "pod.host-ports", "no container binds a host port",
        "A host port ties the pod to one node and bypasses the Service.\n\nFix: expose the \
         port through a Service (`.expose(..)`).";
    /// Resources on every container.
    POD_RESOURCES = "pod.resources", "every container requests CPU and memory and limits memory",
        "Without requests the scheduler overcommits nodes; without a memory limit one pod can \
         take a node down.\n\nFix: the platform's `Policy::default_resources`, or \
         `Container::with_resources(..)`.";
    /// Probes on long-running containers.
    POD_PROBES = "pod.probes", "every long-running container has a readiness and a liveness probe",
        "Without readiness a pod gets traffic before it can serve; without liveness a hung \
         process is never restarted. Jobs and CronJobs are exempt by kind.\n\nFix: \
         `.readiness(Probe::tcp(&port)).liveness(Probe::http(&port, \"/healthz\"))`.";
    /// Valid, pinned images.
    POD_IMAGE = "pod.image", "every image is a valid reference, pinned outside development environments",
        "A floating tag (`latest`, `main`, ...) runs whatever was pushed last.\n\nFix: pin a \
         version in the service's images.yaml (`cargo xtask set-image`), or a digest.";
    /// The workload's own ServiceAccount.
    POD_SERVICE_ACCOUNT = "pod.service-account", "every pod runs as a ServiceAccount its own app declares",
        "A pod's ServiceAccount is its identity in the mesh and the API: running as the \
         namespace's default, or as another app's account, borrows someone else's \
         rights.\n\nFix: the Microservice creates one per workload; by hand, add a \
         ServiceAccount to the same app.";
    /// Placement on declared node groups.
    POD_PLACEMENT = "pod.placement", "pods are pinned to and tolerate only the platform's node groups",
        "A pod pinned to a node group the cluster does not have stays Pending; tolerating every \
         taint lets it onto nodes reserved for others.\n\nFix: `.pin_to(&platform::node_groups::APP)` \
         with a group the platform declares in its `PlatformFacts`.";

    /// Istio values in a form Envoy is configured with.
    MESH_DURATION = "mesh.duration", "Istio durations and retry policies are in the form Istio accepts",
        "Timeouts, retry timeouts, delays and intervals are Go durations of at least 1ms (`1.5s`, \
         `300ms`, `2m`); `retryOn` lists Envoy's policies (`5xx`, `gateway-error`, `reset`, \
         `connect-failure`, `retriable-4xx`, ...) or status codes. Anything else is refused by \
         Istio's validation or leaves the route without the intended behaviour.\n\nFix: write \
         the duration with its unit; name a policy from the list.";
    /// Pods of the mesh leave Istio's ports to its sidecar.
    MESH_RESERVED_PORT = "mesh.reserved-port", "no container of a pod in the mesh listens on a port Istio's sidecar takes",
        "Istio's sidecar listens on 15000, 15001, 15004, 15006, 15008, 15009, 15020, 15021, 15053 \
         and 15090 in every pod it joins: a container port among them collides with it.\n\nFix: \
         pick another port.";
    /// Routes land on existing Service ports.
    MESH_ROUTE_TARGET = "mesh.route-target", "every route lands on a port of an existing Service, provided service or ServiceEntry",
        "A VirtualService destination that names no Service (or a port it does not expose) \
         returns 503s.\n\nFix: route through a port handle (`.expose(..)`), or fix the host and \
         port.";
    /// Route weights add up to 100.
    MESH_ROUTE_WEIGHTS = "mesh.route-weights", "the weights of a split route add up to 100",
        "Istio refuses a split whose weights do not add up to 100.\n\nFix: `.versions(..)` \
         takes weights that add up to 100.";
    /// Subsets are declared and select pods.
    MESH_SUBSET = "mesh.subset", "a routed subset is declared by a DestinationRule and selects pods behind the Service",
        "A route to an undeclared subset, or to one whose labels match no pod, fails every \
         request.\n\nFix: declare the version with `.versions(..)`, which writes both.";
    /// Gateway bindings name Gateways that listen on the matched ports.
    MESH_GATEWAY_BINDING = "mesh.gateway-binding", "a route bound to a Gateway names one that exists, listens on its port and sees it",
        "A VirtualService bound to a missing Gateway, to a port the Gateway does not listen on, \
         or exported only to its own namespace (where no gateway proxy runs) is never \
         used.\n\nFix: bind with `.expose_on_ingress(..)`, which derives all three.";
    /// Gateways select a proxy that exposes their ports.
    MESH_GATEWAY_PROXY = "mesh.gateway-proxy", "a Gateway selects a gateway proxy whose Service exposes its ports",
        "A Gateway whose selector matches no proxy configures nothing; a listener on a port \
         the proxy's Service does not expose receives nothing.\n\nFix: declare the listener on \
         the Microservice (`.expose_on_ingress(..)`); the platform opens it on the proxy.";
    /// Gateway listeners do not collide.
    MESH_LISTENER_CONFLICT = "mesh.listener-conflict", "no two Gateways on one proxy claim a port or a port name twice",
        "Istio merges or drops conflicting listeners.\n\nFix: give each listener its own port \
         and name.";
    /// Principals name identities that exist.
    MESH_PRINCIPAL = "mesh.principal", "every principal an AuthorizationPolicy names is the identity of a ServiceAccount",
        "A misspelt principal matches nobody: the caller is denied (ALLOW) or not denied \
         (DENY).\n\nFix: `.allow_caller(&namespace, &name!(\"order\"), &[&port])` derives the \
         principal from the caller's ServiceAccount.";
    /// Only the owner of a Service routes or authorizes it.
    MESH_OWNERSHIP = "mesh.ownership", "only the app that owns a Service routes its host or authorizes calls to its pods",
        "Another team's VirtualService or AuthorizationPolicy for your Service would hijack or \
         open it.\n\nFix: ask the owning team to admit you (`.allow_caller(..)` in their crate).";
    /// ALLOW policies select pods and name sources.
    MESH_ALLOW = "mesh.allow", "an ALLOW AuthorizationPolicy selects its pods and every rule names its sources",
        "An ALLOW policy without a selector governs the whole namespace; a rule without a \
         source admits any caller.\n\nFix: select the app's own pods and name principals.";
    /// ServiceEntries of services name only registered hosts, in their own namespace.
    MESH_SERVICE_ENTRY = "mesh.service-entry", "a service's ServiceEntry names hosts the platform registers and stays in its namespace",
        "Calls out of the cluster go through the platform's egress: a service registering a \
         host itself, or exporting its entry to other namespaces, widens the cluster's outbound \
         surface.\n\nFix: ask the platform to declare the host (`PlatformFacts::registered_hosts`, \
         or an `ExternalHost` on the egress gateway); export it to \".\" only.";

    /// Applications sync exactly one checked source.
    ARGOCD_SOURCE = "argocd.source", "an Application syncs exactly one source, an app directory of this release",
        "kumiki checks what an Application syncs: several sources or a hydrator would sync what \
         no rule saw; a path that is not an app directory syncs nothing or something \
         else.\n\nFix: let `GitOps::tree` write the Applications.";
    /// Applications' projects allow them.
    ARGOCD_PROJECT = "argocd.project", "an Application's project exists and allows its repository and destination",
        "Argo CD refuses to sync an Application its AppProject does not allow.\n\nFix: declare \
         the project's `Boundary` with the namespace, or sync from the platform's repository.";
    /// Destinations are namespaces of the model.
    ARGOCD_DESTINATION = "argocd.destination", "an Application deploys to a Namespace of the model",
        "A destination namespace no app creates fails the sync (or lands in a namespace nobody \
         reviewed).\n\nFix: add the Namespace to the platform's `namespaces` app.";
    /// What an app writes lies in its project's boundary.
    ARGOCD_BOUNDARY = "argocd.boundary", "every object lies inside the boundary of the project that syncs it",
        "A project's `Boundary` says which namespaces and kinds its team may write; an object \
         outside it is refused at the line that added it, so a service cannot widen its own \
         rights by emitting more.\n\nFix: stay inside the boundary, or ask the platform team to \
         widen the project's `Boundary` (with a reason).";
    /// Every app directory is synced by one Application.
    ARGOCD_APP_SYNCED = "argocd.app-synced", "every app directory is synced by exactly one Application",
        "A directory synced by nothing never reaches the cluster; one synced twice is fought \
         over.\n\nFix: put the app into a `Team` of the tree (`GitOps::tree`).";

    /// No Secret values outside development.
    SECRET_VALUE = "secret.value", "outside development environments no Secret carries a value",
        "A value in git is a leaked credential.\n\nFix: read it from the secret store with an \
         ExternalSecret (`kumiki::platform::external_secret(..)`); only development \
         environments may use `DevCredentials`.";
    /// No literal credentials.
    SECRET_LITERAL = "secret.literal", "outside development environments no credential-looking key holds a literal",
        "A key or variable named like a credential (`password`, `token`, `api_key`, ...) with a \
         literal value in a ConfigMap or a container's environment is a secret in \
         git.\n\nFix: `secretKeyRef` to a Secret an ExternalSecret writes.";
    /// Secret references resolve.
    SECRET_REFERENCE = "secret.reference", "every secretKeyRef names a key some Secret or ExternalSecret provides",
        "A pod reading a missing Secret key does not start.\n\nFix: name the key the \
         ExternalSecret writes (`data[].secretKey`), or add it.";
    /// ExternalSecrets read a SecretStore of their namespace.
    SECRET_STORE = "secret.store", "every ExternalSecret reads a SecretStore of its own namespace",
        "A store that does not exist syncs nothing; a ClusterSecretStore can be read from any \
         namespace.\n\nFix: read the SecretStore the platform declares in the namespace.";

    /// Names fit their kind.
    STRUCTURE_NAME = "structure.name", "names fit their kind (DNS labels, length left for controllers)",
        "A Service's or Namespace's name becomes a DNS label; a StatefulSet's or CronJob's \
         controller appends to the name, which must stay a label (52 characters).\n\nFix: a \
         shorter name.";
    /// Labels in selectors and pod templates are valid.
    STRUCTURE_LABELS = "structure.labels", "selector and pod template labels are valid label keys and values",
        "The API server refuses them.\n\nFix: `label!(\"key\", \"value\")` checks a literal at \
         compile time.";
    /// ConfigMap, Secret and variable keys are valid.
    STRUCTURE_KEYS = "structure.keys", "ConfigMap and Secret keys and variable names are valid",
        "Keys: letters, digits, '-', '_', '.', at most 253. Variables: no leading digit.\n\nFix: \
         rename the key.";
    /// Quantities parse.
    STRUCTURE_QUANTITY = "structure.quantity", "resource requests and limits are quantities",
        "`100m`, `128Mi`, `1.5` are quantities; `lots` is refused.\n\nFix: `Resources::guaranteed(100, \
         128)` writes millicores and MiB.";
    /// Ports are in range.
    STRUCTURE_PORTS = "structure.ports", "ports are in 1..=65535 and NodePorts in 30000..=32767",
        "The API server refuses ports out of range.\n\nFix: `port!(8080)` and `node_port!(30001)` \
         are checked at compile time.";

    /// Prometheus can reach what it is told to scrape.
    TELEMETRY_SCRAPE_PATH = "telemetry.scrape-path", "every pod a PodMonitor or ServiceMonitor scrapes admits the platform's scraper",
        "A NetworkPolicy or ALLOW AuthorizationPolicy that keeps the scraper out leaves the \
         target down and the dashboards empty. A monitor in a release whose platform declares no \
         scraper (`PlatformFacts::scraper`) cannot be checked and is refused.\n\nFix: \
         `.metrics(&port, \"/metrics\")` admits the scraper for you.";
    /// Every declared call gets through every layer.
    REACH_BLOCKED = "reach.blocked", "every declared call gets through NetworkPolicy, Istio visibility, authorization and transport",
        "A call a service declares (`allow_caller`) must get through all four layers that decide \
         it: the NetworkPolicies of both ends, the caller's Sidecar egress hosts and the exportTo of \
         the callee's Service, VirtualServices and DestinationRules, the AuthorizationPolicies \
         selecting the callee, and mutual TLS (a STRICT PeerAuthentication needs a meshed caller; a \
         DestinationRule disabling TLS breaks it). Each layer is correct alone; a call fails at \
         runtime when one of them says no, with a 503 or a reset and nothing in release/ saying \
         why. The error is reported at the object that blocks the call.\n\nFix: change the object \
         named, or the declaration; the constructs derive the Sidecar hosts, exportTo and policies \
         from the declared calls.";
    /// No meshed service is open to any caller.
    REACH_OPEN = "reach.open", "a meshed Service of a service crate admits only declared callers",
        "Without an ALLOW AuthorizationPolicy selecting its pods, any workload with a mesh identity \
         may call a service, whatever its NetworkPolicy says about namespaces.\n\nFix: declare the \
         callers (`.allow_caller(&namespace, &service_account, &[&port])`) or the ingress listener \
         that reaches the service.";
    /// No workload reaches a service without a declared call.
    REACH_UNDECLARED = "reach.undeclared", "no workload of the release can call a service crate's Service without a declared call",
        "Least privilege holds in every layer: for every workload of the release and every port of \
         a service crate's Service, the call is judged as if it were declared; when no layer \
         (NetworkPolicy, Sidecar and exportTo, AuthorizationPolicy, mutual TLS) stops it and no \
         call (`allow_caller`) or namespace (`allow_from`) declares it, it is an error at the \
         Service. A namespace-wide NetworkPolicy rule and a policy patched open are the usual \
         causes.\n\nFix: declare the call, or narrow the policy that lets it through.";
    /// Node pools provide exactly the node groups.
    NODES_POOLS = "nodes.pools", "Karpenter NodePools provide exactly the platform's node groups and taints",
        "A pod pinned to a group no pool provides, or whose taint the pool's nodes lack or \
         exceed, stays Pending.\n\nFix: one NodePool per node group, labelled with the group and \
         carrying exactly its taint (`platform::node_pools`).";
}
