//! "I paid but it says unpaid": an unmatched M-Pesa message is found by its receipt
//! number through an index, on both databases, including messages stored before the
//! receipt had a column of its own.

use crate::both_databases;
use crate::helpers::{Backend, fresh_database, tempdir::TempDir};
use huduma::store::{Db, receipt_lookup};
use sqlx::Row;

both_databases!(unmatched_receipts_are_found_through_their_index, messages_stored_before_the_upgrade_get_their_receipt);

/// The migration that added `provider_messages.mpesa_receipt`.
const RECEIPT_MIGRATION: &str = "0011_message_receipts.sql";

async fn unmatched_receipts_are_found_through_their_index(backend: Backend) {
    let dir = TempDir::new();
    let db = Db::connect(&fresh_database(backend, &dir.0).await).await.expect("connect");
    db.migrate().await.expect("migrate");
    let mut conn = db.pool().acquire().await.expect("conn");
    if backend == Backend::Postgres {
        // Tiny test tables make a sequential scan look cheap; the question is whether the index can serve.
        sqlx::query("SET enable_seqscan = off").execute(&mut *conn).await.expect("set");
    }
    for (name, sql, values) in receipt_lookup::PLANNED {
        let plan = crate::helpers::query_plan(&mut conn, backend, sql, values).await;
        assert!(
            plan.iter().any(|line| line.contains("provider_messages_mpesa_receipt")),
            "{name} does not use the index on {backend:?}: {plan:#?}"
        );
        assert!(!plan.iter().any(|line| line.starts_with("SCAN ") || line.contains("Seq Scan")), "{name} scans on {backend:?}: {plan:#?}");
    }
    // And the statement finds what it should: unapplied messages only.
    for (receipt, outcome) in [("SUNMATCH01", "unknown_account"), ("SPAIDOK001", "settled")] {
        let id: i64 = sqlx::query(
            "INSERT INTO provider_messages (provider, kind, body, outcome, received_at) VALUES ('mpesa', 'c2b_confirmation', '{}', $1, 1) RETURNING id",
        )
        .bind(outcome)
        .fetch_one(&mut *conn)
        .await
        .expect("insert")
        .try_get(0)
        .expect("id");
        receipt_lookup::set_message_receipt(&mut conn, id, receipt).await.expect("receipt");
    }
    assert!(receipt_lookup::unmatched(&mut conn, "SUNMATCH01").await.expect("look up"));
    assert!(!receipt_lookup::unmatched(&mut conn, "SPAIDOK001").await.expect("look up"), "a settled message is not 'unmatched'");
    assert!(!receipt_lookup::unmatched(&mut conn, "SNOTHING01").await.expect("look up"));
}

async fn messages_stored_before_the_upgrade_get_their_receipt(backend: Backend) {
    let dir = TempDir::new();
    let url = fresh_database(backend, &dir.0).await;
    let db = Db::connect(&url).await.expect("connect");
    // The schema as it was before the receipt column: every earlier migration, from a copy.
    let tree = if backend == Backend::Sqlite { "sqlite" } else { "postgres" };
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(tree);
    let earlier = dir.0.join("earlier-migrations");
    std::fs::create_dir_all(&earlier).expect("dir");
    let mut names: Vec<String> =
        std::fs::read_dir(&source).expect("migrations").map(|e| e.expect("entry").file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    for name in names.iter().take_while(|name| name.as_str() < RECEIPT_MIGRATION) {
        std::fs::copy(source.join(name), earlier.join(name)).expect("copy");
    }
    sqlx::migrate::Migrator::new(earlier.as_path()).await.expect("earlier migrations").run(db.pool()).await.expect("migrate to before");
    let stk = r#"{"Body":{"stkCallback":{"MerchantRequestID":"1","CheckoutRequestID":"ws_CO_1","ResultCode":0,"ResultDesc":"ok",
        "CallbackMetadata":{"Item":[{"Name":"Amount","Value":1050},{"Name":"MpesaReceiptNumber","Value":"SLK7RT61SV"}]}}}}"#;
    let messages = [
        ("mpesa", "stk_callback", stk, Some("SLK7RT61SV")),
        ("mpesa", "c2b_confirmation", r#"{"TransID":"SUNMATCH01","BillRefNumber":"MYNAME"}"#, Some("SUNMATCH01")),
        ("mpesa", "stk_callback", r#"{"Body":{"stkCallback":{"ResultCode":1032,"ResultDesc":"Cancelled"}}}"#, None),
        ("mpesa", "stk_callback", "not JSON at all", None),
        ("mpesa", "c2b_validation", "[1, 2]", None),
        ("pesapal", "ipn", r#"{"TransID":"SNOTMPESA1"}"#, None),
    ];
    for (provider, kind, body, _) in messages {
        sqlx::query("INSERT INTO provider_messages (provider, kind, body, outcome, received_at) VALUES ($1, $2, $3, 'unknown_account', 1)")
            .bind(provider)
            .bind(kind)
            .bind(body)
            .execute(db.pool())
            .await
            .expect("old message");
    }
    db.migrate().await.expect("upgrade");
    let rows = sqlx::query("SELECT mpesa_receipt FROM provider_messages ORDER BY id").fetch_all(db.pool()).await.expect("rows");
    let receipts: Vec<Option<String>> = rows.iter().map(|r| r.try_get(0).expect("receipt")).collect();
    let expected: Vec<Option<String>> = messages.iter().map(|m| m.3.map(str::to_owned)).collect();
    assert_eq!(receipts, expected);
    // What the running portal writes for a new message is what the upgrade wrote for an old one.
    for (provider, kind, body, receipt) in messages {
        if provider == "mpesa" {
            assert_eq!(huduma::services::payments::lookup::receipt_in(kind, body).as_deref(), receipt, "{kind}: {body}");
        }
    }
}
