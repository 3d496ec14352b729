//! Backups and a restore rehearsal: a copy taken while the portal runs brings back every
//! account as it was, and the audit chain in it verifies. SQLite through `huduma admin
//! backup`; PostgreSQL through its own `pg_dump` and `pg_restore`, as docs/deployment.md
//! tells an operator to.

use crate::both_databases;
use crate::helpers::{BRIAN as AFTER, Backend, Options, WANJIKU, register_api, spawn, spawn_with};
use serde_json::json;
use std::process::Command;

both_databases!(a_backup_taken_while_running_restores_every_account);

async fn a_backup_taken_while_running_restores_every_account(backend: Backend) {
    let t = spawn(backend).await;
    register_api(&t, &WANJIKU).await;
    let url = t.app.config.database_url.expose().to_owned();
    let restored_url = match backend {
        Backend::Sqlite => {
            let copy = t.dir.0.join("backup.db");
            let backup = || {
                Command::new(env!("CARGO_BIN_EXE_huduma"))
                    .args(["admin", "backup"])
                    .arg(&copy)
                    .env("DATABASE_URL", &url)
                    .env("HUDUMA_DATA_DIR", &t.dir.0)
                    .output()
                    .expect("huduma admin backup")
            };
            let output = backup();
            assert!(output.status.success(), "backup failed: {}", String::from_utf8_lossy(&output.stderr));
            assert!(String::from_utf8_lossy(&output.stdout).contains("backed up to"));
            // A second backup to the same file is refused, never overwritten.
            let again = backup();
            assert!(!again.status.success() && String::from_utf8_lossy(&again.stderr).contains("already exists"));
            format!("sqlite://{}", copy.display())
        }
        Backend::Postgres => {
            let dump = t.dir.0.join("backup.dump");
            let status =
                Command::new("pg_dump").args(["--format=custom", "--no-owner", "--file"]).arg(&dump).arg(&url).status().expect("pg_dump");
            assert!(status.success(), "pg_dump failed");
            let restored = crate::helpers::fresh_database(backend, &t.dir.0).await;
            let status = Command::new("pg_restore")
                .args(["--no-owner", "--exit-on-error", "--dbname"])
                .arg(&restored)
                .arg(&dump)
                .status()
                .expect("pg_restore");
            assert!(status.success(), "pg_restore failed");
            restored
        }
    };
    // Life goes on after the backup: Brian registers…
    register_api(&t, &AFTER).await;

    // …and the restored copy is the portal as it was at the backup.
    let restored = spawn_with(backend, Options { database_url: Some(restored_url.clone()), ..Options::default() }).await;
    let (status, started) = restored.post_json("/api/v1/sign-in", json!({"identifier": WANJIKU.id, "password": WANJIKU.password})).await;
    assert_eq!((status, started["next"].as_str()), (200, Some("second_factor")), "the password kept in the copy: {started}");
    let token = started["sign_in_token"].clone();
    let (status, _) = restored.post_json("/api/v1/sign-in/code", json!({"sign_in_token": token, "channel": "sms"})).await;
    assert_eq!(status, 202);
    let code = restored.code_for(WANJIKU.phone).await;
    let (status, session) = restored.post_json("/api/v1/sign-in/verify", json!({"sign_in_token": token, "code": code})).await;
    assert_eq!(status, 200, "{session}");
    let (status, body) = restored.post_json("/api/v1/sign-in", json!({"identifier": AFTER.id, "password": AFTER.password})).await;
    assert_eq!(status, 422, "an account made after the backup is not in it: {body}");
    let verify = Command::new(env!("CARGO_BIN_EXE_huduma"))
        .args(["audit", "verify"])
        .env("DATABASE_URL", &restored_url)
        .env("HUDUMA_DATA_DIR", &restored.dir.0)
        .output()
        .expect("huduma audit verify");
    assert!(verify.status.success(), "audit chain of the copy: {}", String::from_utf8_lossy(&verify.stderr));
}
