//! One API server, spoken to over HTTP with the `kube` client: server-side apply (for real or
//! as a dry run, with strict field validation and kumiki's field manager), get and list, with
//! the server's warnings kept.

use std::collections::HashMap;
use std::path::Path;

use kube::Resource;
use kube::api::{ApiResource, DynamicObject, GroupVersionKind, ListParams, Patch, PatchParams};
use kube::client::Body;
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::core::Request;
use serde_json::Value;

use crate::Error;
use crate::release::ReleaseObject;

/// The field manager kumiki applies as.
pub const FIELD_MANAGER: &str = "kumiki";

/// What the server answered to one request.
#[derive(Debug)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The body: the object, or a `Status` saying why not.
    pub body: Value,
    /// The `Warning` headers' texts.
    pub warnings: Vec<String>,
}

impl Answer {
    /// Whether the server did (or, in a dry run, would do) what was asked.
    pub fn accepted(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The server's reason for a refusal: its `Status` message.
    pub fn refusal(&self) -> String {
        match self.body["message"].as_str() {
            Some(message) => message.to_owned(),
            None => format!("HTTP {}: {}", self.status, self.body),
        }
    }
}

/// Where a kind is served: its resource and whether it is namespaced.
#[derive(Clone, Debug)]
pub struct Served {
    /// The resource (group, version, plural).
    pub resource: ApiResource,
    /// Whether objects of it live in a namespace.
    pub namespaced: bool,
}

/// A connection to one API server, with what discovery found so far.
pub struct Server {
    client: kube::Client,
    url: http::Uri,
    kinds: HashMap<(String, String), Result<Served, String>>,
}

impl Server {
    /// Connects with `kubeconfig`, or as `kubectl` would (`KUBECONFIG`, `~/.kube/config`, its
    /// current context; in a pod, its service account).
    pub async fn connect(kubeconfig: Option<&Path>) -> Result<Server, Error> {
        let config = match kubeconfig {
            Some(path) => {
                let file = Kubeconfig::read_from(path)
                    .map_err(|error| Error(format!("{}: cannot read the kubeconfig: {error}", path.display())))?;
                kube::Config::from_custom_kubeconfig(file, &KubeConfigOptions::default())
                    .await
                    .map_err(|error| Error(format!("{}: {error}", path.display())))?
            }
            None => kube::Config::infer()
                .await
                .map_err(|error| Error(format!("no cluster to talk to: {error}")))?,
        };
        let url = config.cluster_url.clone();
        let client = kube::Client::try_from(config).map_err(|error| Error(format!("{url}: {error}")))?;
        let url: http::Uri = url;
        client
            .apiserver_version()
            .await
            .map_err(|error| Error(format!("{url}: the API server does not answer: {error}")))?;
        Ok(Server {
            client,
            url,
            kinds: HashMap::new(),
        })
    }

    /// Whether the server listens on this machine's loopback address only (the local control
    /// plane), the only kind of cluster kumiki applies to for real.
    pub fn is_loopback(&self) -> bool {
        matches!(self.url.host(), Some("127.0.0.1" | "localhost" | "[::1]"))
    }

    /// The server's URL.
    pub fn url(&self) -> String {
        self.url.to_string()
    }

    /// Forgets what discovery found (after CRDs were installed).
    pub fn rediscover(&mut self) {
        self.kinds.clear();
    }

    /// Where `object`'s kind is served, or why it is not.
    pub async fn served(&mut self, object: &ReleaseObject) -> Result<Served, String> {
        let key = (object.api_version().to_owned(), object.kind().to_owned());
        if let Some(known) = self.kinds.get(&key) {
            return known.clone();
        }
        let (group, version) = match key.0.split_once('/') {
            Some((group, version)) => (group, version),
            None => ("", key.0.as_str()),
        };
        let kind = GroupVersionKind::gvk(group, version, &key.1);
        let found = kube::discovery::pinned_kind(&self.client, &kind)
            .await
            .map(|(resource, capabilities)| Served {
                resource,
                namespaced: capabilities.scope == kube::discovery::Scope::Namespaced,
            })
            .map_err(|_| {
                format!(
                    "the server serves no kind {} in {} (is its CustomResourceDefinition installed?)",
                    key.1, key.0
                )
            });
        self.kinds.insert(key, found.clone());
        found
    }

    /// Server-side applies `object` as kumiki's field manager, forcing conflicts (the release
    /// owns its fields), with strict field validation; a dry run when `dry_run`.
    pub async fn apply(&mut self, object: &ReleaseObject, dry_run: bool) -> Result<Result<Answer, String>, Error> {
        let served = match self.served(object).await {
            Ok(served) => served,
            Err(why) => return Ok(Err(why)),
        };
        let mut params = PatchParams::apply(FIELD_MANAGER).force().validation_strict();
        if dry_run {
            params = params.dry_run();
        }
        let request = Request::new(url_path(&served, object.namespace()))
            .patch(object.name(), &params, &Patch::Apply(&object.value))
            .map_err(|error| Error(format!("{}: {error}", object.describe())))?;
        self.send(request).await.map(Ok)
    }

    /// The stored form of `object`, or `None` when the server has none.
    pub async fn get(&mut self, object: &ReleaseObject) -> Result<Option<Value>, Error> {
        let Ok(served) = self.served(object).await else {
            return Ok(None);
        };
        let request = Request::new(url_path(&served, object.namespace()))
            .get(object.name(), &Default::default())
            .map_err(|error| Error(format!("{}: {error}", object.describe())))?;
        let answer = self.send(request).await?;
        match answer.status {
            200 => Ok(Some(answer.body)),
            404 => Ok(None),
            _ => Err(Error(format!("{}: {}", object.describe(), answer.refusal()))),
        }
    }

    /// Every object of `resource` (in all namespaces) whose labels match `selector`.
    pub async fn list(&self, resource: &ApiResource, selector: &str) -> Result<Vec<Value>, Error> {
        let params = ListParams::default().labels(selector);
        let request = Request::new(DynamicObject::url_path(resource, None))
            .list(&params)
            .map_err(|error| Error(format!("{}: {error}", resource.plural)))?;
        let answer = self.send(request).await?;
        if !answer.accepted() {
            return Err(Error(format!("listing {}: {}", resource.plural, answer.refusal())));
        }
        let mut items = match answer.body.get("items") {
            Some(Value::Array(items)) => items.clone(),
            _ => Vec::new(),
        };
        // A list's items omit their apiVersion and kind.
        for item in &mut items {
            item["apiVersion"] = Value::from(resource.api_version.clone());
            item["kind"] = Value::from(resource.kind.clone());
        }
        Ok(items)
    }

    /// Every resource the server serves that can be listed, by discovery.
    pub async fn listable(&self) -> Result<Vec<ApiResource>, Error> {
        let discovery = kube::Discovery::new(self.client.clone())
            .run()
            .await
            .map_err(|error| Error(format!("discovery: {error}")))?;
        let mut found = Vec::new();
        for group in discovery.groups() {
            for (resource, capabilities) in group.recommended_resources() {
                if capabilities.supports_operation(kube::discovery::verbs::LIST) {
                    found.push(resource);
                }
            }
        }
        Ok(found)
    }

    async fn send(&self, request: http::Request<Vec<u8>>) -> Result<Answer, Error> {
        let uri = request.uri().to_string();
        let response = self
            .client
            .send(request.map(Body::from))
            .await
            .map_err(|error| Error(format!("{uri}: {error}")))?;
        let status = response.status().as_u16();
        let warnings = (response.headers().get_all("warning").iter())
            .filter_map(|value| value.to_str().ok())
            .map(warning_text)
            .collect();
        let bytes = (response.into_body().collect_bytes().await).map_err(|error| Error(format!("{uri}: {error}")))?;
        let body = serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::from(String::from_utf8_lossy(&bytes)));
        Ok(Answer { status, body, warnings })
    }
}

fn url_path(served: &Served, namespace: Option<&str>) -> String {
    DynamicObject::url_path(&served.resource, namespace.filter(|_| served.namespaced))
}

/// The text of a `Warning` header: `299 - "text"` (RFC 7234) → `text`.
fn warning_text(header: &str) -> String {
    let text = header.strip_prefix("299 - ").unwrap_or(header);
    let text = text
        .strip_prefix('"')
        .and_then(|text| text.strip_suffix('"'))
        .unwrap_or(text);
    text.replace("\\\"", "\"")
}

#[cfg(test)]
mod tests {
    use super::warning_text;

    #[test]
    fn a_warning_header_is_read_as_its_text() {
        assert_eq!(
            warning_text(r#"299 - "would violate PodSecurity \"restricted:latest\": runAsNonRoot != true""#),
            r#"would violate PodSecurity "restricted:latest": runAsNonRoot != true"#
        );
        assert_eq!(warning_text("plain"), "plain");
    }
}
