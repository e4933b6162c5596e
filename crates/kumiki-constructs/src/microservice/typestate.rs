//! The probe typestate every long-running workload builder shares (`build()` exists once
//! readiness and liveness are declared), and where a declaration was made.

use kumiki_core::SourceLocation;

use super::spec::At;

/// Typestate: no readiness probe declared yet.
pub struct NoReadiness;
/// Typestate: a readiness probe is declared.
pub struct HasReadiness;
/// Typestate: no liveness probe declared yet.
pub struct NoLiveness;
/// Typestate: a liveness probe is declared.
pub struct HasLiveness;

/// Implemented by [`HasReadiness`] only: `build()` requires it.
#[diagnostic::on_unimplemented(
    message = "this workload has no readiness probe",
    label = "`.build()` needs a readiness probe",
    note = "call `.readiness(Probe::http(\"/healthz\", &port))` (or `Probe::tcp`, `Probe::grpc`, `Probe::exec`) before `.build()`"
)]
pub trait ReadinessDeclared {}
impl ReadinessDeclared for HasReadiness {}

/// Implemented by [`HasLiveness`] only: `build()` requires it.
#[diagnostic::on_unimplemented(
    message = "this workload has no liveness probe",
    label = "`.build()` needs a liveness probe",
    note = "call `.liveness(Probe::tcp(&port))` (or `Probe::http`, `Probe::grpc`, `Probe::exec`) before `.build()`"
)]
pub trait LivenessDeclared {}
impl LivenessDeclared for HasLiveness {}

/// `value`, declared at the caller's caller (the builder method's call site).
#[track_caller]
pub(crate) fn at<T>(value: T) -> At<T> {
    At {
        value,
        at: SourceLocation::caller(),
    }
}
