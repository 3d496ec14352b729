//! Repository behaviour that must hold on both databases.

use crate::both_databases;
use crate::helpers::{Backend, fresh_database, tempdir::TempDir};
use huduma::store::{Db, outbox, rate_limits, statements};

both_databases!(
    outbox_claims_each_job_once_and_backs_off,
    rate_limit_windows_count_and_reset,
    migrations_are_idempotent,
    hot_queries_never_scan_a_whole_table,
    every_registered_statement_prepares,
    a_corrupt_stored_state_is_an_error_not_a_default,
    a_corrupt_stored_id_or_status_is_an_error_not_a_default,
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
    let dir = TempDir::new();
    let db = db(backend, &dir).await;
    let mut conn = db.pool().acquire().await.expect("conn");
    if backend == Backend::Postgres {
        sqlx::query("SET enable_seqscan = off").execute(&mut *conn).await.expect("set");
    }
    for (name, sql, values) in huduma::store::applications::HOT_QUERIES {
        let plan = crate::helpers::query_plan(&mut conn, backend, sql, values).await;
        let scans: Vec<&String> = plan.iter().filter(|line| line.starts_with("SCAN ") || line.contains("Seq Scan")).collect();
        assert!(scans.is_empty(), "{name} scans a table on {backend:?}: {plan:#?}");
        assert!(!plan.is_empty(), "{name}: the plan was read");
    }
}

/// Every statement the store registers compiles against the migrated schema of this
/// engine: a typo, a dropped column or a dialect slip fails here, not when some scenario
/// first reaches the statement.
async fn every_registered_statement_prepares(backend: Backend) {
    use sqlx::Executor;
    let dir = TempDir::new();
    let db = db(backend, &dir).await;
    let mut conn = db.pool().acquire().await.expect("conn");
    let mut prepared = 0;
    let mut failed = Vec::new();
    for (module, list) in statements::ALL.iter().chain(statements::only_on(db.backend())) {
        for (name, sql) in *list {
            if let Err(e) = (&mut *conn).prepare(sqlx::SqlSafeStr::into_sql_str(*sql)).await {
                failed.push(format!("{module}::{name}: {e}\n    {sql}"));
            }
            prepared += 1;
        }
    }
    assert!(failed.is_empty(), "statements that do not prepare on {backend:?}:\n{}", failed.join("\n"));
    assert!(prepared >= 150, "the registry was read ({prepared} statements)");
}

/// A stored state the domain does not know (changed by hand, or by newer code) fails the
/// read with a decode error naming the column; it is never read as `requested` or `pending`.
async fn a_corrupt_stored_state_is_an_error_not_a_default(backend: Backend) {
    use huduma::store::{checkout, payments};
    use huduma_domain::payments::{AttemptState, InvoiceStatus};
    let dir = TempDir::new();
    let db = db(backend, &dir).await;
    let mut conn = db.pool().acquire().await.expect("conn");
    let invoice = payments::InvoiceRow {
        id: huduma::store::new_id(),
        number: "B7K3MX9PQ2".into(),
        account_id: None,
        application_id: None,
        currency: huduma_domain::Currency::Kes,
        total_minor: 1050,
        paid_minor: 0,
        status: InvoiceStatus::Pending,
        description: "Test".into(),
        created_at: 1000,
        expires_at: 2000,
        paid_at: None,
    };
    payments::insert_invoice(&mut conn, &invoice, &[], 1000).await.expect("invoice");
    let attempt = payments::AttemptRow::new(&invoice.id, "mpesa_stk", 1050, None, 1000);
    payments::insert_attempt(&mut conn, &attempt).await.expect("attempt");
    payments::attempt_requested(&mut conn, &attempt.id, "m-1", "ws_CO_1", 1001).await.expect("requested");

    let read = payments::attempt_by_checkout(&mut conn, "ws_CO_1").await.expect("a sound row reads").expect("found");
    assert_eq!(read.state, AttemptState::Requested);
    let (_, billed) = checkout::attempt_with_invoice(&mut conn, "ws_CO_1").await.expect("a sound row reads").expect("found");
    assert_eq!(billed.expect("invoice").0.status, InvoiceStatus::Pending);

    let column = |err: sqlx::Error| match err {
        sqlx::Error::ColumnDecode { index, .. } => index,
        other => panic!("expected a decode error, got {other:?}"),
    };
    sqlx::query("UPDATE payment_attempts SET state = 'requestd' WHERE id = $1")
        .bind(attempt.id.to_string())
        .execute(&mut *conn)
        .await
        .expect("corrupt");
    let err = payments::attempt_by_checkout(&mut conn, "ws_CO_1").await.expect_err("an unknown state is not read as a default");
    assert_eq!(column(err), "state");
    let err = checkout::attempt_with_invoice(&mut conn, "ws_CO_1").await.expect_err("the callback's read fails too");
    assert_eq!(column(err), "state");

    sqlx::query("UPDATE payment_attempts SET state = 'requested' WHERE id = $1")
        .bind(attempt.id.to_string())
        .execute(&mut *conn)
        .await
        .expect("repair");
    sqlx::query("UPDATE invoices SET status = 'bogus' WHERE id = $1")
        .bind(invoice.id.to_string())
        .execute(&mut *conn)
        .await
        .expect("corrupt");
    let err = payments::invoice_by_id(&mut conn, &invoice.id).await.expect_err("an unknown status is not read as pending");
    assert_eq!(column(err), "status");
    let err = checkout::attempt_with_invoice(&mut conn, "ws_CO_1").await.expect_err("the joined read fails too");
    assert_eq!(column(err), "i_status");
    let err = checkout::invoice_with_bill(&mut conn, &invoice.id).await.expect_err("settlement's read fails too");
    assert_eq!(column(err), "i_status");

    sqlx::query("UPDATE invoices SET status = 'pending', currency = 'XYZ' WHERE id = $1")
        .bind(invoice.id.to_string())
        .execute(&mut *conn)
        .await
        .expect("corrupt");
    let err = payments::invoice_by_id(&mut conn, &invoice.id).await.expect_err("an unknown currency is not read as shillings");
    assert_eq!(column(err), "currency");
}

async fn a_corrupt_stored_id_or_status_is_an_error_not_a_default(backend: Backend) {
    use huduma::store::{accounts, applications, staff};
    use huduma_domain::application::Status;
    use huduma_domain::workflow::StaffRole;
    use huduma_domain::{AccountId, AccountType, ApplicationId, Language, StaffId};
    let dir = TempDir::new();
    let db = db(backend, &dir).await;
    let mut conn = db.pool().acquire().await.expect("conn");
    let column = |err: sqlx::Error| match err {
        sqlx::Error::ColumnDecode { index, .. } => index,
        other => panic!("expected a decode error, got {other:?}"),
    };
    let corrupt = async |conn: &mut huduma::store::Conn, sql: &'static str, id: &str| {
        sqlx::query(sql).bind(id.to_owned()).execute(&mut *conn).await.expect("corrupt");
    };

    let account: AccountId = huduma::store::new_id();
    let new = accounts::NewAccount {
        account_type: AccountType::Citizen,
        document_kind: "national_id",
        document_number: "12345678",
        nationality: None,
        first_name: "Wanjiku",
        other_names: "",
        surname: "Kamau",
        date_of_birth: None,
        kra_pin: None,
        phone: "+254712345678",
        email: "wanjiku@example.com",
        password_hash: "x",
        language: Language::En,
    };
    accounts::insert(&mut conn, &account, &new, 1000).await.expect("account");
    let read = accounts::by_email(&mut conn, "wanjiku@example.com").await.expect("a sound row reads").expect("found");
    assert_eq!((&read.id, read.account_type), (&account, AccountType::Citizen));

    let version =
        huduma::store::catalogue::add_version(&mut conn, "certificate-of-good-conduct", "dci", "h", "", 1000).await.expect("version");
    let draft: ApplicationId = huduma::store::new_id();
    let d = applications::NewDraft {
        id: &draft,
        account_id: &account,
        service_code: "certificate-of-good-conduct",
        service_version: version,
        agency: "dci",
        answers: "{}",
        expires_at: 2000,
    };
    applications::create_draft(&mut conn, &d, 1000).await.expect("draft");
    assert_eq!(applications::find(&mut conn, &draft).await.expect("reads").expect("found").status, Status::Draft);
    // Workflow states are an open set, but an empty one is no state.
    corrupt(&mut conn, "UPDATE applications SET status = '' WHERE id = $1", draft.as_str()).await;
    let err = applications::find(&mut conn, &draft).await.expect_err("an empty status is not read as a draft");
    assert_eq!(column(err), "status");
    let err = applications::list_owned(&mut conn, &account, 10).await.expect_err("the list's read fails too");
    assert_eq!(column(err), "status");
    corrupt(&mut conn, "DELETE FROM applications WHERE id = $1", draft.as_str()).await;

    // A key that cannot be an id (edited by hand) fails the read, naming the column.
    corrupt(&mut conn, "UPDATE accounts SET id = 'not an id!' WHERE id = $1", account.as_str()).await;
    let err = accounts::by_email(&mut conn, "wanjiku@example.com").await.expect_err("a corrupt key is not read");
    assert_eq!(column(err), "id");

    let member = staff::StaffRow {
        id: huduma::store::new_id(),
        email: "officer@dci.example".into(),
        name: "Officer".into(),
        role: StaffRole::Officer,
        agency: Some("dci".into()),
        password_hash: "x".into(),
        totp_secret: None,
        totp_last_step: None,
        active: true,
        language: Language::En,
        created_at: 1000,
    };
    staff::insert(&mut conn, &member).await.expect("staff");
    let read = staff::by_id(&mut conn, &member.id).await.expect("a sound row reads").expect("found");
    assert_eq!(read.role, StaffRole::Officer);
    // The schema already refuses an unknown role or account type; the store's decoding is
    // the second guard (`huduma_domain::stored` tests it on its own).
    let refused = sqlx::query("UPDATE staff SET role = 'admin' WHERE id = $1").bind(member.id.to_string()).execute(&mut *conn).await;
    assert!(refused.is_err(), "the schema refuses an unknown role");
    let refused = sqlx::query("UPDATE accounts SET account_type = 'business'").execute(&mut *conn).await;
    assert!(refused.is_err(), "the schema refuses an unknown account type");
    corrupt(&mut conn, "UPDATE staff SET id = '' WHERE id = $1", member.id.as_str()).await;
    let err = staff::by_email(&mut conn, "officer@dci.example").await.expect_err("an empty key is not read");
    assert_eq!(column(err), "id");
    assert!(StaffId::parse("").is_none());
}
