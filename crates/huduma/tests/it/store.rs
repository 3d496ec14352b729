//! Repository behaviour that must hold on both databases.

use crate::both_databases;
use crate::helpers::{Backend, fresh_database, tempdir::TempDir};
use huduma::store::{Db, outbox, rate_limits};

both_databases!(
    outbox_claims_each_job_once_and_backs_off,
    rate_limit_windows_count_and_reset,
    migrations_are_idempotent,
    hot_queries_never_scan_a_whole_table,
);

async fn db(backend: Backend, dir: &TempDir) -> Db {
    let db = Db::connect(&fresh_database(backend, &dir.0).await).await.expect("connect");
    db.migrate().await.expect("migrate");
    db
}

async fn outbox_claims_each_job_once_and_backs_off(backend: Backend) {
    let dir = TempDir::new();
    let db = db(backend, &dir).await;
    let mut conn = db.pool().acquire().await.expect("conn");
    outbox::enqueue(&mut conn, "sms", "{\"to\":\"+254712345678\"}", 1000).await.expect("enqueue");
    outbox::enqueue(&mut conn, "email", "{}", 1001).await.expect("enqueue");
    drop(conn);

    let claim = |now: i64| {
        let db = db.clone();
        async move {
            let mut tx = db.begin().await.expect("tx");
            let job = outbox::claim(&mut tx, db.backend(), now, 120).await.expect("claim");
            tx.commit().await.expect("commit");
            job
        }
    };
    assert!(claim(999).await.is_none(), "nothing is due before its time");
    let first = claim(1001).await.expect("first job");
    let second = claim(1001).await.expect("second job");
    assert_ne!(first.id, second.id, "a claimed job is not handed out twice");
    assert!(claim(1001).await.is_none(), "both are leased");
    assert_eq!(first.attempts, 1);

    let mut conn = db.pool().acquire().await.expect("conn");
    outbox::complete(&mut conn, &first.id, 1002).await.expect("complete");
    outbox::fail(&mut conn, &second.id, "smtp down", Some(1060), 1002).await.expect("fail");
    drop(conn);
    assert!(claim(1059).await.is_none(), "retry waits for its backoff");
    let retried = claim(1060).await.expect("retried");
    assert_eq!((retried.id.as_str(), retried.attempts), (second.id.as_str(), 2));
    let mut conn = db.pool().acquire().await.expect("conn");
    outbox::fail(&mut conn, &retried.id, "gave up", None, 1061).await.expect("fail");
    assert_eq!(outbox::counts(&mut conn).await.expect("counts"), (0, 1, 1));
    drop(conn);
    assert!(claim(10_000_000).await.is_none(), "a failed job never runs again");

    // An expired lease is claimable again (a worker died mid-job).
    let mut conn = db.pool().acquire().await.expect("conn");
    outbox::enqueue(&mut conn, "sms", "{}", 2000).await.expect("enqueue");
    drop(conn);
    let leased = claim(2000).await.expect("leased");
    assert!(claim(2100).await.is_none());
    assert_eq!(claim(2121).await.map(|j| j.id), Some(leased.id));
}

async fn rate_limit_windows_count_and_reset(backend: Backend) {
    let dir = TempDir::new();
    let db = db(backend, &dir).await;
    let mut conn = db.pool().acquire().await.expect("conn");
    for expected in 1..=3 {
        assert_eq!(rate_limits::hit(&mut conn, "k", 60, 120).await.expect("hit"), expected);
    }
    assert_eq!(rate_limits::hit(&mut conn, "other", 60, 150).await.expect("hit"), 1, "keys are separate");
    assert_eq!(rate_limits::hit(&mut conn, "k", 60, 180).await.expect("hit"), 1, "a new window starts from zero");
    assert_eq!(rate_limits::purge(&mut conn, 180).await.expect("purge"), 2);
}

async fn migrations_are_idempotent(backend: Backend) {
    let dir = TempDir::new();
    let db = db(backend, &dir).await;
    db.migrate().await.expect("second run is a no-op");
    db.ping().await.expect("ping");
}

/// Every query run per page view or per job tick reaches its rows through an index: on
/// SQLite no `SCAN` step at all, on PostgreSQL no `Seq Scan` even when the planner is told
/// sequential scans are expensive (tiny test tables would otherwise make them look cheap).
async fn hot_queries_never_scan_a_whole_table(backend: Backend) {
    use sqlx::Row;
    let dir = TempDir::new();
    let db = db(backend, &dir).await;
    let mut conn = db.pool().acquire().await.expect("conn");
    if backend == Backend::Postgres {
        sqlx::query("SET enable_seqscan = off").execute(&mut *conn).await.expect("set");
    }
    for (name, sql, values) in huduma::store::applications::HOT_QUERIES {
        let mut literal = (*sql).to_owned();
        for (i, value) in values.iter().enumerate().rev() {
            literal = literal.replace(&format!("${}", i + 1), value);
        }
        let plan: Vec<String> = match backend {
            Backend::Sqlite => sqlx::query(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {literal}")))
                .fetch_all(&mut *conn)
                .await
                .expect("explain")
                .iter()
                .map(|r| r.try_get::<String, _>(3).expect("detail"))
                .collect(),
            Backend::Postgres => sqlx::query(sqlx::AssertSqlSafe(format!("EXPLAIN {literal}")))
                .fetch_all(&mut *conn)
                .await
                .expect("explain")
                .iter()
                .map(|r| r.try_get::<String, _>(0).expect("line"))
                .collect(),
        };
        let scans: Vec<&String> = plan.iter().filter(|line| line.starts_with("SCAN ") || line.contains("Seq Scan")).collect();
        assert!(scans.is_empty(), "{name} scans a table on {backend:?}: {plan:#?}");
        assert!(!plan.is_empty(), "{name}: the plan was read");
    }
}
