//! Every SQL statement the store runs, by name. Each store module declares its statements
//! with [`statements!`] as `pub const`s plus an `ALL` list; this module collects them so one
//! test prepares every statement on both engines, and a source test refuses SQL that is
//! not registered here.

use super::Backend;

/// Declares a module's statements as `pub const`s and lists them, with their names, in the
/// module's `ALL` (statements that run on both engines).
macro_rules! statements {
    ($($(#[$doc:meta])* $name:ident = $sql:expr;)*) => {
        $($(#[$doc])* pub const $name: &str = $sql;)*
        /// This module's statements, by name; each runs on both engines.
        pub const ALL: &[(&str, &str)] = &[$((stringify!($name), $name)),*];
    };
}
pub(crate) use statements;

/// Checks the database answers (`/readyz`).
pub const PING: &str = "SELECT 1";

/// A store module's name and its statements.
pub type Module = (&'static str, &'static [(&'static str, &'static str)]);

/// The statements that run on both engines, by module.
pub const ALL: &[Module] = &[
    ("store", &[("PING", PING)]),
    ("accounts", super::accounts::ALL),
    ("applications", super::applications::ALL),
    ("audit", super::audit::ALL),
    ("catalogue", super::catalogue::ALL),
    ("certificates", super::certificates::ALL),
    ("checkout", super::checkout::ALL),
    ("codes", super::codes::ALL),
    ("dashboard", super::dashboard::ALL),
    ("documents", super::documents::ALL),
    ("flows", super::flows::ALL),
    ("gauges", super::gauges::ALL),
    ("outbox", super::outbox::ALL),
    ("payments", super::payments::ALL),
    ("periodic_jobs", super::periodic_jobs::ALL),
    ("queue", super::queue::ALL),
    ("rate_limits", super::rate_limits::ALL),
    ("receipt_lookup", super::receipt_lookup::ALL),
    ("sandbox_messages", super::sandbox_messages::ALL),
    ("sessions", super::sessions::ALL),
    ("staff", super::staff::ALL),
    ("status", super::status::ALL),
    ("stk_confirmations", super::stk_confirmations::ALL),
    ("tickets", super::tickets::ALL),
];

/// The statements only `backend` runs (where the dialects differ and code picks by
/// [`Backend`]).
pub fn only_on(backend: Backend) -> &'static [Module] {
    match backend {
        Backend::Sqlite => {
            &[("backup", super::backup::SQLITE_ONLY), ("outbox", super::outbox::SQLITE_ONLY), ("queue", super::queue::SQLITE_ONLY)]
        }
        Backend::Postgres => &[
            ("catalogue", super::catalogue::POSTGRES_ONLY),
            ("outbox", super::outbox::POSTGRES_ONLY),
            ("queue", super::queue::POSTGRES_ONLY),
        ],
    }
}

#[cfg(test)]
mod tests {
    /// The store's sources, checked for SQL that bypasses the registry.
    const SOURCES: &[(&str, &str)] = &[
        ("accounts.rs", include_str!("accounts.rs")),
        ("applications.rs", include_str!("applications.rs")),
        ("audit.rs", include_str!("audit.rs")),
        ("backup.rs", include_str!("backup.rs")),
        ("catalogue.rs", include_str!("catalogue.rs")),
        ("certificates.rs", include_str!("certificates.rs")),
        ("checkout.rs", include_str!("checkout.rs")),
        ("codes.rs", include_str!("codes.rs")),
        ("dashboard.rs", include_str!("dashboard.rs")),
        ("decode.rs", include_str!("decode.rs")),
        ("documents.rs", include_str!("documents.rs")),
        ("flows.rs", include_str!("flows.rs")),
        ("gauges.rs", include_str!("gauges.rs")),
        ("mod.rs", include_str!("mod.rs")),
        ("outbox.rs", include_str!("outbox.rs")),
        ("payments.rs", include_str!("payments.rs")),
        ("periodic_jobs.rs", include_str!("periodic_jobs.rs")),
        ("queue.rs", include_str!("queue.rs")),
        ("rate_limits.rs", include_str!("rate_limits.rs")),
        ("receipt_lookup.rs", include_str!("receipt_lookup.rs")),
        ("sandbox_messages.rs", include_str!("sandbox_messages.rs")),
        ("sessions.rs", include_str!("sessions.rs")),
        ("staff.rs", include_str!("staff.rs")),
        ("status.rs", include_str!("status.rs")),
        ("stk_confirmations.rs", include_str!("stk_confirmations.rs")),
        ("tickets.rs", include_str!("tickets.rs")),
        ("wal_sync.rs", include_str!("wal_sync.rs")),
    ];

    /// Modules whose statements are not registered yet (each still names its SQL inline).
    const NOT_YET_REGISTERED: &[&str] = &[];

    /// SQL built at run time on purpose: the connection's set-up pragmas (not data
    /// statements; `synchronous` depends on whether the database is a file), and the audit
    /// sealer's batches (one statement for N entries, N placeholders or N queue ids).
    const BUILT_ON_PURPOSE: &[(&str, &str)] = &[
        ("mod.rs", "sqlx::AssertSqlSafe(pragmas)"),
        ("audit.rs", "sqlx::AssertSqlSafe(sql)"),
        ("audit.rs", "sqlx::AssertSqlSafe(format!(\"DELETE FROM audit_pending"),
    ];

    /// What each call that runs SQL is given, in `source`: the text after its `(`.
    fn sql_arguments(source: &str) -> Vec<String> {
        let mut found = Vec::new();
        for call in ["sqlx::query", "sqlx::raw_sql", ".prepare("] {
            for (at, _) in source.match_indices(call) {
                let rest = &source[at + call.len()..];
                let Some(open) = rest.find('(') else { continue };
                found.push(rest[open + 1..].trim_start().chars().take(60).collect());
            }
        }
        found
    }

    /// A registered statement is named by a constant: `NAME`, `super::module::NAME`, or a
    /// `match` picking one per engine.
    fn names_a_constant(argument: &str) -> bool {
        let path_end = argument.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':')).unwrap_or(argument.len());
        let last = argument[..path_end].rsplit("::").next().unwrap_or("");
        (!last.is_empty() && last.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
            || argument.starts_with("match ")
    }

    #[test]
    fn the_store_runs_only_registered_statements() {
        let mut unregistered = Vec::new();
        for (file, source) in SOURCES {
            if NOT_YET_REGISTERED.contains(file) {
                continue;
            }
            let code = source.split("#[cfg(test)]").next().unwrap_or(source);
            let allowed: Vec<&str> = BUILT_ON_PURPOSE.iter().filter(|(f, _)| f == file).map(|(_, a)| *a).collect();
            for argument in sql_arguments(code) {
                if !names_a_constant(&argument) && !allowed.iter().any(|a| argument.starts_with(a)) {
                    unregistered.push(format!("{file}: {argument}"));
                }
            }
            assert_eq!(code.matches("AssertSqlSafe").count(), allowed.len(), "{file} builds SQL at run time");
        }
        assert!(unregistered.is_empty(), "SQL run without a registered constant: {unregistered:#?}");
    }

    #[test]
    fn every_store_file_is_checked() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/store");
        for entry in std::fs::read_dir(dir).expect("store sources") {
            let name = entry.expect("entry").file_name().to_string_lossy().into_owned();
            if name.ends_with(".rs") && name != "statements.rs" {
                assert!(SOURCES.iter().any(|(file, _)| *file == name), "store/{name} is not in SOURCES");
            }
        }
    }

    #[test]
    fn the_check_catches_inline_sql() {
        let inline = "sqlx::query(\"SELECT 1\").execute(conn)";
        let built = "sqlx::query(sqlx::AssertSqlSafe(sql))";
        let registered = "sqlx::query_as(ATTEMPT_OWNED).bind(id)";
        let elsewhere = "sqlx::query(super::payments::INVOICE_BY_ID)";
        assert!(sql_arguments(inline).iter().all(|a| !names_a_constant(a)));
        assert!(sql_arguments(built).iter().all(|a| !names_a_constant(a)));
        assert!(sql_arguments(registered).iter().all(|a| names_a_constant(a)));
        assert!(sql_arguments(elsewhere).iter().all(|a| names_a_constant(a)));
    }
}
