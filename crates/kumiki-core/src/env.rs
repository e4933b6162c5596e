//! The environments a platform is synthesized for.

use std::fmt;
use std::str::FromStr;

/// One deployment environment. Per-environment settings are written as an exhaustive
/// `match` on this enum, so adding an environment fails compilation until every service
/// says what it wants there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Env {
    /// Development: local images and throw-away data are allowed.
    Dev,
    /// Staging: production-like; images must be pinned.
    Stg,
    /// Production.
    Prd,
}

impl Env {
    /// Every environment, in promotion order.
    pub const ALL: [Env; 3] = [Env::Dev, Env::Stg, Env::Prd];

    /// The short name used in paths and labels: `dev`, `stg`, `prd`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Env::Dev => "dev",
            Env::Stg => "stg",
            Env::Prd => "prd",
        }
    }

    /// The environment as a match that hands out, in dev only, the proof that plaintext
    /// throw-away values (a dev database password) may be written:
    /// `match env.stage() { Stage::Dev(dev) => .., Stage::Stg => .., Stage::Prd => .. }`.
    pub const fn stage(self) -> Stage {
        match self {
            Env::Dev => Stage::Dev(DevOnly(())),
            Env::Stg => Stage::Stg,
            Env::Prd => Stage::Prd,
        }
    }
}

/// [`Env`] with a [`DevOnly`] proof in its dev arm (see [`Env::stage`]).
#[derive(Debug)]
pub enum Stage {
    /// Development, with the proof that dev-only values may be written.
    Dev(DevOnly),
    /// Staging.
    Stg,
    /// Production.
    Prd,
}

/// Proof that the code holding it runs for the dev environment: types that write plaintext
/// values (such as dev database credentials) take one, so stg and prd code cannot build
/// them. Only [`Env::stage`] makes one; it is neither `Clone` nor constructible elsewhere.
#[derive(Debug)]
pub struct DevOnly(());

impl fmt::Display for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that names no environment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownEnv(pub String);

impl fmt::Display for UnknownEnv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown environment \"{}\" (expected dev, stg or prd)", self.0)
    }
}

impl std::error::Error for UnknownEnv {}

impl FromStr for Env {
    type Err = UnknownEnv;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Env::ALL
            .into_iter()
            .find(|env| env.as_str() == s)
            .ok_or_else(|| UnknownEnv(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_are_rejected() {
        for env in Env::ALL {
            assert_eq!(env.as_str().parse::<Env>(), Ok(env));
        }
        let error = "prod".parse::<Env>().unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown environment \"prod\" (expected dev, stg or prd)"
        );
    }
}
