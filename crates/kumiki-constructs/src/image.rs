//! Container images as typed parts.

use std::fmt;

use kumiki_core::{AwsAccountId, AwsRegion, ImageTag, RegistryHost, Repository};

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

/// A container image: registry, repository and tag. A pinned tag is an [`ImageTag`] (never
/// `latest`); [`Image::latest`] builds a floating image, allowed in dev only.
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
    tag: Option<ImageTag>,
}

impl Image {
    /// An image pinned to `tag`.
    pub fn new(registry: Registry, repository: Repository, tag: ImageTag) -> Image {
        Image {
            registry,
            repository,
            tag: Some(tag),
        }
    }

    /// The floating `latest` image: allowed in dev only.
    pub fn latest(registry: Registry, repository: Repository) -> Image {
        Image {
            registry,
            repository,
            tag: None,
        }
    }

    /// The same repository pinned to another tag (another version of the same build).
    pub fn with_tag(&self, tag: ImageTag) -> Image {
        Image {
            tag: Some(tag),
            ..self.clone()
        }
    }

    /// Whether the image names a fixed build (a tag other than `latest`).
    pub fn is_pinned(&self) -> bool {
        self.tag.is_some()
    }

    /// Whether the image comes from the local (dev-only) registry.
    pub fn is_local(&self) -> bool {
        self.registry == Registry::Local
    }

    /// The tag, `latest` for a floating image.
    pub fn tag(&self) -> &str {
        self.tag.as_ref().map_or("latest", ImageTag::as_str)
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
        write!(f, "{}:{}", self.repository, self.tag())
    }
}
