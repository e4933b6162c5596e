//! The server's verdict on a release: what it assumes exists is created, then every object is
//! server-side applied as a dry run (or for real, on the local control plane, and then dry-run
//! again to find what would stay OutOfSync).

use std::time::Duration;

use crate::release::ReleaseObject;
use crate::server::{Answer, Server};
use crate::{Error, Finding, FindingKind, Report};

/// Installs `crds` (and the release's own CRDs) and the release's Namespaces for real, as the
/// objects of a release assume: a dry run of a custom resource needs its kind served, of a
/// namespaced object its namespace. Waits until each CRD is established. Refusals are findings.
pub async fn prepare(
    server: &mut Server,
    crds: &[ReleaseObject],
    release: &[ReleaseObject],
) -> Result<Vec<Finding>, Error> {
    let mut findings = Vec::new();
    let release_crds = release.iter().filter(|object| object.is_crd());
    for crd in crds.iter().chain(release_crds) {
        let found = judge(crd, server.apply(crd, false).await?);
        let refused = found.iter().any(|finding| finding.kind.fails());
        findings.extend(found);
        if !refused {
            established(server, crd).await?;
        }
    }
    server.rediscover();
    for namespace in release.iter().filter(|object| object.is_namespace()) {
        findings.extend(judge(namespace, server.apply(namespace, false).await?));
    }
    Ok(findings)
}

/// Every object of `release` server-side applied as a dry run: what the server refuses, and
/// what Pod Security admission says the pods of a template would be refused for.
pub async fn dry_run(server: &mut Server, release: &[ReleaseObject]) -> Result<Report, Error> {
    let mut findings = Vec::new();
    for object in release {
        findings.extend(judge(object, server.apply(object, true).await?));
    }
    Ok(Report {
        objects: release.len(),
        findings,
    })
}

/// Every object of `release` server-side applied for real, then dry-run again: an object whose
/// stored form differs from its rendered form is reported, since Argo CD would show it
/// OutOfSync after every sync.
pub async fn apply(server: &mut Server, release: &[ReleaseObject]) -> Result<Report, Error> {
    let mut findings = Vec::new();
    for object in release {
        findings.extend(judge(object, server.apply(object, false).await?));
    }
    if findings.iter().all(|finding| !finding.kind.fails()) {
        for object in release {
            findings.extend(stability(object, server.apply(object, true).await?));
        }
    }
    Ok(Report {
        objects: release.len(),
        findings,
    })
}

fn stability(object: &ReleaseObject, answer: Result<Answer, String>) -> Option<Finding> {
    let answer = answer.ok().filter(Answer::accepted)?;
    let differences = crate::stable::differences(&object.value, &answer.body);
    let shown: Vec<String> = differences.iter().take(5).cloned().collect();
    let more = differences.len().saturating_sub(shown.len());
    (!differences.is_empty()).then(|| Finding {
        file: object.file.clone(),
        kind: FindingKind::Unstable,
        message: format!(
            "{}: the server stores it differently from the release, so Argo CD would show it OutOfSync after \
             every sync: {}{}; render the stored form, or declare the difference ignored in its Application",
            object.describe(),
            shown.join("; "),
            if more > 0 {
                format!(" (and {more} more)")
            } else {
                String::new()
            }
        ),
    })
}

/// The finding the server's answer makes, if any: a refusal, a Pod Security violation of the
/// pods a template would create, or another warning.
pub(crate) fn judge(object: &ReleaseObject, answer: Result<Answer, String>) -> Vec<Finding> {
    let finding = |kind, message: String| Finding {
        file: object.file.clone(),
        kind,
        message: format!("{}: {message}", object.describe()),
    };
    let answer = match answer {
        Ok(answer) => answer,
        Err(unserved) => return vec![finding(FindingKind::Refused, unserved)],
    };
    let mut findings: Vec<Finding> = (answer.warnings.iter())
        .map(|warning| {
            if warning.contains("violate PodSecurity") {
                let message = format!("Pod Security admission would refuse its pods: {warning}");
                finding(FindingKind::PodSecurity, message)
            } else {
                finding(FindingKind::Warning, format!("the API server warns: {warning}"))
            }
        })
        .collect();
    if !answer.accepted() {
        findings.push(finding(
            FindingKind::Refused,
            format!("the API server refuses it: {}", answer.refusal()),
        ));
    }
    findings
}

/// Waits until the server serves `crd`'s kind (its `Established` condition), up to 30 seconds.
async fn established(server: &mut Server, crd: &ReleaseObject) -> Result<(), Error> {
    for _ in 0..300 {
        let stored = server.get(crd).await?;
        let conditions = stored
            .as_ref()
            .and_then(|stored| stored["status"]["conditions"].as_array());
        let ready = conditions.is_some_and(|conditions| {
            conditions
                .iter()
                .any(|condition| condition["type"] == "Established" && condition["status"] == "True")
        });
        if ready {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(Error(format!("{}: not established after 30 s", crd.describe())))
}
