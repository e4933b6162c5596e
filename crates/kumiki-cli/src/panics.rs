//! A service crate that panics while building its app is reported as a model error naming
//! the crate and the line that panicked, instead of aborting the whole synth.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

use kumiki::images::ImageVersions;
use kumiki::model::Owner;
use kumiki::prelude::App;
use kumiki::values::{EnvId, Name, SourceLocation};

use crate::Service;

thread_local! {
    /// Whether this thread is building a service's app (its panics become errors).
    static BUILDING: Cell<bool> = const { Cell::new(false) };
    /// Where the last such panic happened, recorded by the hook below.
    static LAST_PANIC: RefCell<Option<SourceLocation>> = const { RefCell::new(None) };
}

/// Installs (once per process) a panic hook that, while a service's app is being built,
/// records where a panic happened instead of printing it; any other panic goes to the hook
/// that was there before.
fn record_panic_locations() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !BUILDING.with(Cell::get) {
                return previous(info);
            }
            let location = info.location().map(|location| SourceLocation {
                // One short string per panic, in a process that reports and exits.
                file: Box::leak(location.file().to_owned().into_boxed_str()),
                line: location.line(),
            });
            LAST_PANIC.with(|last| *last.borrow_mut() = location);
        }));
    });
}

/// A service's app, or the app carrying the panic its code raised.
pub(crate) struct Built {
    pub(crate) app: App,
    pub(crate) panicked: bool,
}

/// The app of `service` in `env` given its image versions (whose problems it carries), or,
/// when its code panics, an empty app of the same name carrying the panic as a problem at the
/// panicking line.
pub(crate) fn build(service: &Service, env: EnvId, images: ImageVersions) -> Built {
    record_panic_locations();
    BUILDING.with(|building| building.set(true));
    let built = panic::catch_unwind(AssertUnwindSafe(|| (service.app)(env, &images)));
    BUILDING.with(|building| building.set(false));
    match built {
        Ok(mut app) => {
            images.report_into(&mut app);
            // Marked after the crate's code ran, so a service cannot pass for the platform.
            app.set_owner(Owner::Service(service.name));
            Built { app, panicked: false }
        }
        Err(payload) => {
            let location = LAST_PANIC
                .with(|last| last.borrow_mut().take())
                .unwrap_or(SourceLocation {
                    file: "<unknown>",
                    line: 0,
                });
            let name = Name::try_from(service.name).unwrap_or(kumiki::prelude::name!("unnamed"));
            let mut app = App::new_at(name, location);
            app.report(
                location,
                &kumiki::rules::APP_PANIC,
                format!(
                    "service crate `{}` panicked building its app for {env}: {}; no other check ran",
                    service.name,
                    message(payload.as_ref())
                ),
            );
            app.set_owner(Owner::Service(service.name));
            Built { app, panicked: true }
        }
    }
}

fn message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic without a message".to_owned()
    }
}
