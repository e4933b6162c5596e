//! Compile-time rules, proven by trybuild: each `ui/*.rs` must fail to compile with the
//! message in its `.stderr`; each `pass/*.rs` must build (which also makes trybuild run
//! `cargo build`, so const evaluation errors are reached). Bless changed messages with
//! `TRYBUILD=overwrite cargo test -p kumiki-tests --test ui` and review the `.stderr` diff.

#[test]
fn compile_time_rules() {
    let cases = trybuild::TestCases::new();
    cases.pass("pass/*.rs");
    cases.compile_fail("ui/*.rs");
}
