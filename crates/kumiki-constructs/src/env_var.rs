//! Environment variables of a container: public values, and references into Secrets.

/// An environment variable with a public value.
#[derive(Clone, Debug)]
pub(crate) struct EnvValue {
    pub(crate) name: String,
    pub(crate) value: String,
}

/// An environment variable read from a Secret.
#[derive(Clone, Debug)]
pub(crate) struct SecretEnv {
    pub(crate) variable: String,
    pub(crate) secret: String,
    pub(crate) key: String,
}
