//! Start-up assembly: everything the application state is built from, loaded and checked
//! in one place, so that [`App`] itself depends on nothing above it.
//!
//! The help centre, the holiday calendar, the theme and the Content-Security-Policy are
//! read here (a broken file stops start-up with its reason), then handed to [`App::new`].
//! The server, the separate worker, the CLI and the tests all build their state through
//! [`assemble`].

use crate::app::{App, Loaded};
use crate::clock::Clock;
use crate::config::Config;
use crate::store::Db;

/// Loads what the state needs from files and the configuration, and builds it.
pub fn assemble(config: Config, db: Db, clock: Clock) -> anyhow::Result<App> {
    let help = match &config.help_dir {
        Some(dir) => crate::services::help::load(dir)?,
        None => huduma_domain::help::HelpCentre::default(),
    };
    let calendar = crate::services::back_office::sla::load_calendar(config.holidays.as_deref())?;
    let theme = crate::theme::Theme::load(config.theme_dir.as_deref())?;
    let csp = crate::web::security_headers::csp_for(config.pesapal.as_ref().map(|p| p.base_url.as_str()));
    App::new(config, db, clock, Loaded { help, calendar, theme, csp })
}
