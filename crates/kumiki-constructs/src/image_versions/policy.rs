//! The platform's version policy: which environments may run a floating tag, and what a
//! version must look like everywhere else. Synth holds every versions file to it, and
//! `set-image` and `promote` refuse what it does not allow, quoting it. The promotion path says
//! which environment takes its versions from which.

use kumiki_core::EnvId;

use crate::image::ImageVersion;

/// What the platform accepts as an image version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VersionPolicy {
    /// Whether development environments may run a floating tag (`latest`): what was pushed
    /// last, for a developer's cluster.
    pub floating_in_development: bool,
    /// What a version must be in every environment that is not for development (and in
    /// development environments, a version that is not floating).
    pub pinned: Pinned,
}

/// What a pinned version must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pinned {
    /// Any tag that is not floating, or a digest.
    AnyTag,
    /// A release number (`1.10`, `v2.15.0`, `8.5.0-rc.1`) or a commit id (7 to 40 hex
    /// digits, `d74ac1c`), with or without a digest, or a digest alone: a word such as
    /// `stable-eu` or `prod` names no build, whoever pushed it last.
    VersionTag,
    /// A digest (`@sha256:…`), with or without a tag: the registry cannot move it.
    Digest,
}

impl VersionPolicy {
    /// Floating tags in development environments; elsewhere a release number, a commit id or
    /// a digest.
    pub const VERSIONS: VersionPolicy = VersionPolicy {
        floating_in_development: true,
        pinned: Pinned::VersionTag,
    };

    /// Refuses `version` in `env` unless the policy allows it, with the policy's text.
    pub fn check(&self, version: &ImageVersion, env: EnvId) -> Result<(), String> {
        if !version.is_pinned() {
            if env.is_development() && self.floating_in_development {
                return Ok(());
            }
            return Err(format!("`{version}` is floating; {}", self.describe(env)));
        }
        let allowed = match self.pinned {
            Pinned::AnyTag => true,
            Pinned::VersionTag => {
                version.digest().is_some() || version.tag().is_some_and(|tag| is_version_like(tag.as_str()))
            }
            Pinned::Digest => version.digest().is_some(),
        };
        if allowed || (env.is_development() && self.pinned != Pinned::Digest) {
            return Ok(());
        }
        Err(format!("`{version}` is not allowed: {}", self.describe(env)))
    }

    /// What the policy requires of a version in `env`.
    pub fn describe(&self, env: EnvId) -> String {
        let pinned = match self.pinned {
            Pinned::AnyTag => "a tag that is not floating, a digest (@sha256:…) or both",
            Pinned::VersionTag => {
                "a release number (1.10, v2.15.0, 8.5.0-rc.1) or a commit id (7 to 40 hex digits), with or \
                 without a digest (@sha256:…), or a digest alone"
            }
            Pinned::Digest => "a digest (@sha256:…), with or without a tag",
        };
        if env.is_development() && self.floating_in_development {
            format!("the platform's version policy lets {env} float (latest); otherwise it takes {pinned}")
        } else if env.is_development() && self.pinned != Pinned::Digest {
            format!("the platform's version policy requires a tag that is not floating in {env}")
        } else {
            format!("the platform's version policy requires {pinned} in {env}")
        }
    }
}

/// A release number (`v`, digits, dot-separated digits, then an optional `-` suffix) or a
/// commit id (7 to 40 lowercase hex digits).
fn is_version_like(tag: &str) -> bool {
    let commit = (7..=40).contains(&tag.len()) && tag.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    let number = tag.strip_prefix('v').unwrap_or(tag);
    let (number, suffix) = number.split_once('-').unwrap_or((number, ""));
    let release = !number.is_empty()
        && number
            .split('.')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
        && suffix
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
    commit || release
}

/// The platform's release policy.
#[derive(Clone, Copy, Debug)]
pub struct ReleasePolicy {
    /// The promotion path: each environment reached by promotion, from the one whose versions
    /// it takes (`stg -> prd`). An environment on no `to` side is set directly.
    pub promotions: &'static [Promotion],
    /// What an image version must look like in each environment.
    pub versions: VersionPolicy,
}

/// One step of the promotion path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Promotion {
    /// The environment whose versions are promoted.
    pub from: EnvId,
    /// The environment that takes them.
    pub to: EnvId,
}

impl ReleasePolicy {
    /// The environment `env` is promoted from, when it is reached by promotion.
    pub fn promoted_from(&self, env: EnvId) -> Option<EnvId> {
        (self.promotions.iter())
            .find(|promotion| promotion.to == env)
            .map(|promotion| promotion.from)
    }

    /// Refuses a policy that names an environment the workspace does not have, reaches one
    /// environment from two, or promotes an environment to itself.
    pub fn check(&self, envs: &[EnvId]) -> Result<(), String> {
        for (index, promotion) in self.promotions.iter().enumerate() {
            for env in [promotion.from, promotion.to] {
                if !envs.contains(&env) {
                    return Err(format!(
                        "the promotion {} -> {} names {env}, which is not an environment of the workspace",
                        promotion.from, promotion.to
                    ));
                }
            }
            if promotion.from == promotion.to {
                return Err(format!(
                    "the promotion {} -> {} promotes an environment to itself",
                    promotion.from, promotion.to
                ));
            }
            if let Some(other) = self.promotions[..index].iter().find(|other| other.to == promotion.to) {
                return Err(format!(
                    "{} is promoted from both {} and {}: an environment takes its versions from one",
                    promotion.to, other.from, promotion.from
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_like_tags_are_release_numbers_and_commit_ids() {
        for tag in [
            "1.10",
            "v2.15.0",
            "8.5.0",
            "8.5.0-rc.1",
            "d74ac1c",
            "00690e9",
            "2024.06.01",
            "7",
        ] {
            assert!(is_version_like(tag), "{tag}");
        }
        for tag in [
            "stable-eu",
            "prod",
            "release",
            "deadbee",
            "v",
            "1..2",
            "1.2_3",
            "abc1234x",
        ] {
            assert_eq!(is_version_like(tag), tag == "deadbee", "{tag}");
        }
    }

    #[test]
    fn the_policy_refuses_words_outside_development_with_its_text() {
        let prd = EnvId::production("prd");
        let dev = EnvId::development("dev");
        let policy = VersionPolicy::VERSIONS;
        let word: ImageVersion = "banana".parse().unwrap();
        let message = policy.check(&word, prd).unwrap_err();
        assert!(
            message.starts_with("`banana` is not allowed: the platform's version policy requires a release number"),
            "{message}"
        );
        assert!(message.ends_with("in prd"), "{message}");
        assert_eq!(policy.check(&word, dev), Ok(()));
        assert_eq!(policy.check(&"latest".parse().unwrap(), dev), Ok(()));
        assert!(
            policy
                .check(&"latest".parse().unwrap(), prd)
                .unwrap_err()
                .contains("is floating")
        );
        let digests = VersionPolicy {
            floating_in_development: false,
            pinned: Pinned::Digest,
        };
        assert!(digests.check(&"1.2.3".parse().unwrap(), prd).is_err());
        assert!(digests.check(&"latest".parse().unwrap(), dev).is_err());
        let digest = format!("1.2.3@sha256:{}", "a".repeat(64));
        assert_eq!(digests.check(&digest.parse().unwrap(), prd), Ok(()));
    }
}
