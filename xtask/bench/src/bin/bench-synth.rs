//! One measured benchmark run, started by `cargo xtask bench` as its own process so that its
//! peak RSS is the run's and its wall time is timed from exec to exit:
//! `bench-synth <services> <peer-parity|full> <out> [<variant>]` (a variant above 0 edits one
//! service, for incremental runs into the previous output). Prints one line,
//! `objects=… bytes=… wall_us=… rss_kib=… model_us=… synth_us=…` (the last two: building the
//! model, and checking + rendering; the rest of the wall time is writing).

use std::path::Path;
use std::process::ExitCode;

use xtask_bench::bench::{self, Profile};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (services, profile, out, variant) = match args.as_slice() {
        [services, profile, out] => (services, profile, out, "0"),
        [services, profile, out, variant] => (services, profile, out, variant.as_str()),
        _ => {
            eprintln!("usage: bench-synth <services> <peer-parity|full> <out> [<variant>]");
            return ExitCode::from(2);
        }
    };
    let Ok(variant) = variant.parse::<u32>() else {
        eprintln!("variant: not a number: {variant}");
        return ExitCode::from(2);
    };
    let Ok(services) = services.parse::<usize>() else {
        eprintln!("services: not a number: {services}");
        return ExitCode::from(2);
    };
    let profile = match profile.as_str() {
        "peer-parity" => Profile::PeerParity,
        "full" => Profile::Full,
        other => {
            eprintln!("profile: expected peer-parity or full, got {other}");
            return ExitCode::from(2);
        }
    };
    match bench::run(services, profile, Path::new(out), variant) {
        Ok((figures, leftovers)) => {
            // The process ends here: the operating system reclaims the model at once.
            std::mem::forget(leftovers);
            println!(
                "objects={} bytes={} wall_us={} rss_kib={} model_us={} synth_us={}",
                figures.objects,
                figures.bytes,
                figures.wall.as_micros(),
                bench::peak_rss_kib(),
                figures.model.as_micros(),
                figures.synth.as_micros()
            );
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}
