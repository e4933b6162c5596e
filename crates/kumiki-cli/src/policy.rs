//! How versions reach the platform's environments: the promotion path and the version policy,
//! both declared by the platform. `promote` follows the path; `set-image` leaves the
//! environments that are reached by promotion to it.

use kumiki::images::ReleasePolicy;
use kumiki::values::EnvId;

use crate::Failure;

/// Why a command leaves the promotion path, as the user gave it (`--skip-promotion`).
pub type Reason<'a> = Option<&'a str>;

/// Refuses `promote --from from --to to` when the path does not promote `to` from `from`,
/// unless a reason is given.
pub fn check_promotion(
    policy: &ReleasePolicy,
    command: &str,
    from: EnvId,
    to: EnvId,
    reason: Reason<'_>,
) -> Result<(), Failure> {
    if reason.is_some() {
        return Ok(());
    }
    let path = match policy.promoted_from(to) {
        Some(before) if before == from => return Ok(()),
        Some(before) => format!("{to} is promoted from {before} (`{command} promote --from {before} --to {to}`)"),
        None => format!("{to} is reached by no promotion: its versions are set directly (`{command} set-image`)"),
    };
    Err(Failure::Refused(format!(
        "{from} -> {to} is not on the platform's promotion path: {path}, so {to} would run versions no earlier \
         environment ran as {to} expects. To do it anyway, say why: --skip-promotion \"<reason>\""
    )))
}

/// Refuses `set-image --env env` when `env` is reached by promotion, unless a reason is given.
pub fn check_direct_set(
    policy: &ReleasePolicy,
    command: &str,
    env: EnvId,
    service: &str,
    reason: Reason<'_>,
) -> Result<(), Failure> {
    match (policy.promoted_from(env), reason) {
        (Some(before), None) => Err(Failure::Refused(format!(
            "{env} is reached by promotion from {before} (`{command} promote --from {before} --to {env} {service}`): \
             setting it directly runs a version {before} never ran. To do it anyway, say why: \
             --skip-promotion \"<reason>\""
        ))),
        _ => Ok(()),
    }
}

/// Refuses a workspace whose environments share a name (one would be unreachable).
pub fn check_distinct(envs: &[EnvId]) -> Result<(), String> {
    for (index, env) in envs.iter().enumerate() {
        if envs[..index].iter().any(|earlier| earlier.as_str() == env.as_str()) {
            return Err(format!(
                "two environments of the workspace are named {env}: each needs a name of its own"
            ));
        }
    }
    Ok(())
}
