//! Crash test of SQLite's durability: a writer process is killed at random moments and
//! every commit it acknowledged must be in the database afterwards, with the group commit
//! (`store::wal_sync`) and without it.
//!
//! The writer is this test binary run again with [`CHILD_DB`] set: it runs only
//! [`writer_child`], which commits rows from several tasks at once and prints `ack ID`
//! after each `commit` returned. Half the rounds pause before every WAL sync
//! (`HUDUMA_TEST_WAL_SYNC_PAUSE_MS`), so that most kills land between a `COMMIT` and the
//! sync that makes it durable. A `SIGKILL` keeps the operating system's page cache, so
//! this proves that no commit is acknowledged before SQLite has it and that recovery from
//! a WAL cut short works; it does not simulate a power loss.

use huduma::store::Db;
use sqlx::Row;
use std::collections::HashSet;
use std::io::BufRead;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, mpsc};
use std::time::Duration;

/// The database file the child writes to; unset in a normal test run.
const CHILD_DB: &str = "HUDUMA_CRASH_CHILD_DB";
/// The first id the child writes (ids never repeat across rounds).
const CHILD_FIRST_ID: &str = "HUDUMA_CRASH_CHILD_FIRST_ID";
/// `true` or `false`: the child's group commit.
const CHILD_GROUP_COMMIT: &str = "HUDUMA_CRASH_CHILD_GROUP_COMMIT";
/// Writers committing at once in the child.
const WRITERS: i64 = 4;
/// Rounds per durability setting.
const ROUNDS: u32 = 6;

/// Not a test of its own: the writer process of [`acknowledged_commits_survive_kills`],
/// which does nothing unless that test started it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writer_child() {
    let Ok(path) = std::env::var(CHILD_DB) else { return };
    let first: i64 = std::env::var(CHILD_FIRST_ID).expect("first id").parse().expect("number");
    let durability = match std::env::var(CHILD_GROUP_COMMIT).as_deref() {
        Ok("false") => huduma::store::Durability::EachCommit,
        _ => huduma::store::Durability::GroupCommit,
    };
    let db = Db::connect_with(&format!("sqlite://{path}?mode=rwc"), durability).await.expect("connect");
    sqlx::query("CREATE TABLE IF NOT EXISTS acked (id INTEGER PRIMARY KEY, pad TEXT NOT NULL) STRICT")
        .execute(db.pool())
        .await
        .expect("table");
    let next = Arc::new(AtomicI64::new(first));
    // Rows of 8 KB fill the WAL quickly, so checkpoints run (and get killed) too.
    let pad = "x".repeat(8192);
    for _ in 0..WRITERS {
        let (db, next, pad) = (db.clone(), next.clone(), pad.clone());
        tokio::spawn(async move {
            loop {
                let id = next.fetch_add(1, Ordering::SeqCst);
                if let Err(err) = commit_one(&db, id, &pad).await {
                    // The parent sees a writer that stopped by itself and fails the test.
                    eprintln!("commit {id} failed: {err}");
                    std::process::abort();
                }
                println!("ack {id}");
            }
        });
    }
    // Runs until the parent kills it.
    tokio::time::sleep(Duration::from_secs(600)).await;
}

async fn commit_one(db: &Db, id: i64, pad: &str) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    sqlx::query("INSERT INTO acked (id, pad) VALUES ($1, $2)").bind(id).bind(pad.to_owned()).execute(&mut **tx).await?;
    tx.commit().await
}

/// Every acknowledged commit survives a `SIGKILL` at a random moment, over several rounds
/// on the same file, with and without the group commit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_commits_survive_kills() {
    let dir = crate::helpers::tempdir::TempDir::new();
    for group_commit in [true, false] {
        let path = dir.0.join(format!("crash-{group_commit}.db"));
        let mut acked = HashSet::new();
        for round in 0..ROUNDS {
            let pause = group_commit && round % 2 == 1;
            let first = i64::from(round) * 10_000_000;
            let round_acks = kill_writer_once(&path, first, group_commit, pause);
            assert!(!round_acks.is_empty(), "round {round}: the writer acknowledged nothing before it was killed");
            acked.extend(round_acks);
            let present = stored_ids(&path).await;
            let lost: Vec<_> = acked.iter().filter(|id| !present.contains(id)).collect();
            assert!(
                lost.is_empty(),
                "group commit {group_commit}, round {round}: {} acknowledged commits lost, e.g. {:?}",
                lost.len(),
                lost.iter().take(5).collect::<Vec<_>>()
            );
        }
    }
}

/// Starts the writer, kills it at a random moment after its first acknowledgement, and
/// returns every id it acknowledged.
fn kill_writer_once(path: &std::path::Path, first: i64, group_commit: bool, pause: bool) -> Vec<i64> {
    let mut command = Command::new(std::env::current_exe().expect("test binary"));
    command
        .args(["crash::writer_child", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_DB, path)
        .env(CHILD_FIRST_ID, first.to_string())
        .env(CHILD_GROUP_COMMIT, group_commit.to_string())
        .env_remove("HUDUMA_TEST_WAL_SYNC_PAUSE_MS")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if pause {
        command.env("HUDUMA_TEST_WAL_SYNC_PAUSE_MS", "3");
    }
    let mut child = command.spawn().expect("start the writer");
    let stdout = child.stdout.take().expect("stdout");
    let (first_ack, started) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut ids = Vec::new();
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            // libtest's "test … ... " may share a line with the first acknowledgement.
            if let Some((_, id)) = line.rsplit_once("ack ") {
                ids.push(id.parse::<i64>().expect("acknowledged id"));
                if ids.len() == 1 {
                    let _ = first_ack.send(());
                }
            }
        }
        ids
    });
    started.recv_timeout(Duration::from_secs(30)).expect("the writer acknowledges a commit");
    std::thread::sleep(Duration::from_millis(rand::random_range(5..400)));
    assert!(child.try_wait().expect("status").is_none(), "the writer stopped by itself");
    child.kill().expect("SIGKILL the writer");
    child.wait().expect("reap the writer");
    reader.join().expect("reader")
}

/// The ids in the database, after SQLite's recovery, which also passes its integrity check.
async fn stored_ids(path: &std::path::Path) -> HashSet<i64> {
    let db = Db::connect(&format!("sqlite://{}", path.display())).await.expect("reopen");
    let check: String = sqlx::query("PRAGMA integrity_check").fetch_one(db.pool()).await.expect("check").try_get(0).expect("text");
    assert_eq!(check, "ok");
    let rows = sqlx::query("SELECT id FROM acked").fetch_all(db.pool()).await.expect("ids");
    let ids = rows.iter().map(|r| r.try_get::<i64, _>(0).expect("id")).collect();
    db.pool().close().await;
    ids
}
