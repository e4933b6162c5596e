//! Container images as typed parts.

use std::fmt;
use std::str::FromStr;

use kumiki_core::{AwsAccountId, AwsRegion, ImageDigest, ImageTag, RegistryHost, Repository, Violation};

/// Where images are pulled from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Registry {
    /// Images built on the developer's machine and loaded into the dev cluster (dev only:
    /// synthesizing one for stg or prd is an error).
    Local,
    /// Docker Hub (`docker.io`).
    DockerHub,
    /// AWS ECR: `<account>.dkr.ecr.<region>.amazonaws.com`. Both parts are validated types,
    /// so an empty account id or region cannot be built.
    Ecr {
        /// The account id.
        account: AwsAccountId,
        /// The region.
        region: AwsRegion,
    },
    /// Any other OCI registry: a validated host with an optional port and path prefix
    /// (`Registry::Host(registry!("ghcr.io/acme"))`). A repository literal that starts with a
    /// host does not compile, so a registry is never taken for part of a path.
    Host(RegistryHost),
}

/// Which build of an image runs: a tag, a digest, or both (`1.4.3@sha256:…`, the tag kept for
/// people, the digest deciding). Neither is the floating `latest`, allowed in dev only.
///
/// Versions are data: a platform reads them from each service's image versions file
/// ([`ImageVersions`](crate::ImageVersions)), so a CI bot changes a version without touching
/// Rust code. The text form is what that file holds: `latest`, `<tag>`, `<tag>@<digest>` or
/// `@<digest>`.
///
/// ```
/// use kumiki_constructs::ImageVersion;
/// let digest = format!("sha256:{}", "ab".repeat(32));
/// let version: ImageVersion = format!("1.4.3@{digest}").parse().unwrap();
/// assert!(version.is_pinned());
/// assert_eq!(version.to_string(), format!("1.4.3@{digest}"));
/// assert!(!"latest".parse::<ImageVersion>().unwrap().is_pinned());
/// assert!("main".parse::<ImageVersion>().is_err());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImageVersion {
    tag: Option<ImageTag>,
    digest: Option<ImageDigest>,
}

impl ImageVersion {
    /// The floating `latest`: allowed in dev only.
    pub const fn latest() -> ImageVersion {
        ImageVersion {
            tag: None,
            digest: None,
        }
    }

    /// The build tagged `tag`.
    pub const fn tagged(tag: ImageTag) -> ImageVersion {
        ImageVersion {
            tag: Some(tag),
            digest: None,
        }
    }

    /// The build with content digest `digest`, keeping the tag (if any) for readers.
    pub fn with_digest(self, digest: ImageDigest) -> ImageVersion {
        ImageVersion {
            digest: Some(digest),
            ..self
        }
    }

    /// Whether the version names one build (a tag other than a floating one, or a digest).
    pub fn is_pinned(&self) -> bool {
        self.tag.is_some() || self.digest.is_some()
    }

    /// The tag, if any.
    pub fn tag(&self) -> Option<&ImageTag> {
        self.tag.as_ref()
    }

    /// The digest, if any.
    pub fn digest(&self) -> Option<&ImageDigest> {
        self.digest.as_ref()
    }

    /// The part of an image reference after the repository: `:tag`, `:tag@digest`, `@digest`
    /// or `:latest`.
    fn reference_suffix(&self) -> String {
        match (&self.tag, &self.digest) {
            (None, None) => ":latest".to_owned(),
            (Some(tag), None) => format!(":{tag}"),
            (Some(tag), Some(digest)) => format!(":{tag}@{digest}"),
            (None, Some(digest)) => format!("@{digest}"),
        }
    }
}

impl fmt::Display for ImageVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.tag, &self.digest) {
            (None, None) => f.write_str("latest"),
            (Some(tag), None) => write!(f, "{tag}"),
            (Some(tag), Some(digest)) => write!(f, "{tag}@{digest}"),
            (None, Some(digest)) => write!(f, "@{digest}"),
        }
    }
}

impl FromStr for ImageVersion {
    type Err = Violation;

    /// `latest`, `<tag>`, `<tag>@<digest>` or `@<digest>`, each part held to the OCI rules
    /// (a tag: `[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`, not floating; a digest: `sha256:` and 64
    /// lowercase hex digits).
    fn from_str(text: &str) -> Result<ImageVersion, Violation> {
        if text == "latest" {
            return Ok(ImageVersion::latest());
        }
        let (tag, digest) = match text.split_once('@') {
            Some((tag, digest)) => (tag, Some(ImageDigest::try_from(digest)?)),
            None => (text, None),
        };
        let tag = match (tag, &digest) {
            ("", Some(_)) => None,
            (tag, _) => Some(ImageTag::try_from(tag)?),
        };
        Ok(ImageVersion { tag, digest })
    }
}

/// A container image: registry, repository and version. A pinned tag is an [`ImageTag`]
/// (never floating); [`Image::latest`] builds a floating image, allowed in dev only.
///
/// ```
/// use kumiki_constructs::{Image, Registry};
/// use kumiki_core::{aws_account_id, aws_region, repository, tag};
/// let ecr = Registry::Ecr { account: aws_account_id!("123456789012"), region: aws_region!("ap-northeast-1") };
/// let image = Image::new(ecr, repository!("orchestrator-fastapi-repository"), tag!("00690e9"));
/// assert_eq!(image.to_string(), "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/orchestrator-fastapi-repository:00690e9");
///
/// let ghcr = Registry::Host(kumiki_core::registry!("ghcr.io/acme"));
/// assert_eq!(Image::new(ghcr, repository!("web"), tag!("1.4.3")).to_string(), "ghcr.io/acme/web:1.4.3");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Image {
    registry: Registry,
    repository: Repository,
    version: ImageVersion,
}

impl Image {
    /// An image pinned to `tag`.
    pub fn new(registry: Registry, repository: Repository, tag: ImageTag) -> Image {
        Image::at(registry, repository, ImageVersion::tagged(tag))
    }

    /// The floating `latest` image: allowed in dev only.
    pub fn latest(registry: Registry, repository: Repository) -> Image {
        Image::at(registry, repository, ImageVersion::latest())
    }

    /// The image at `version` (usually read from the service's image versions file).
    pub fn at(registry: Registry, repository: Repository, version: ImageVersion) -> Image {
        Image {
            registry,
            repository,
            version,
        }
    }

    /// The same repository at another version (another build of the same image).
    pub fn with_version(&self, version: ImageVersion) -> Image {
        Image {
            version,
            ..self.clone()
        }
    }

    /// Whether the image names a fixed build (a non-floating tag, or a digest).
    pub fn is_pinned(&self) -> bool {
        self.version.is_pinned()
    }

    /// Whether the image comes from the local (dev-only) registry.
    pub fn is_local(&self) -> bool {
        self.registry == Registry::Local
    }

    /// The version.
    pub fn version(&self) -> &ImageVersion {
        &self.version
    }

    /// The tag, `latest` for a floating image and empty for a digest alone.
    pub fn tag(&self) -> &str {
        match &self.version {
            ImageVersion { tag: Some(tag), .. } => tag.as_str(),
            ImageVersion { digest: Some(_), .. } => "",
            _ => "latest",
        }
    }
}

impl fmt::Display for Image {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.registry {
            Registry::Local => {}
            Registry::DockerHub => f.write_str("docker.io/")?,
            Registry::Ecr { account, region } => write!(f, "{account}.dkr.ecr.{region}.amazonaws.com/")?,
            Registry::Host(host) => write!(f, "{host}/")?,
        }
        write!(f, "{}{}", self.repository, self.version.reference_suffix())
    }
}
