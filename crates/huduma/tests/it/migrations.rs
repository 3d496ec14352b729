//! The two migration trees (`migrations/sqlite`, `migrations/postgres`) must describe the
//! same schema: after migrating a fresh database of each engine, the tables, their columns
//! (name, type with the engines' spellings normalised, nullability) and their indexes
//! (columns, uniqueness, partial or not) are compared. One SQL text runs on both engines, so
//! a column or index present on one only is a bug waiting for the other engine.

use crate::helpers::{Backend, fresh_database, tempdir::TempDir};
use huduma::store::Db;
use sqlx::Row;
use std::collections::BTreeSet;

/// One line per table, column and index, comparable across engines.
type Schema = BTreeSet<String>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_migration_trees_describe_the_same_schema() {
    let dir = TempDir::new();
    let sqlite = migrated(Backend::Sqlite, &dir).await;
    let postgres = migrated(Backend::Postgres, &dir).await;
    let sqlite = sqlite_schema(&sqlite).await;
    let postgres = postgres_schema(&postgres).await;
    assert!(sqlite.iter().any(|l| l.starts_with("table invoices")), "the SQLite schema was read: {sqlite:#?}");
    assert!(postgres.iter().any(|l| l.starts_with("table invoices")), "the PostgreSQL schema was read: {postgres:#?}");
    let only_sqlite: Vec<&String> = sqlite.difference(&postgres).collect();
    let only_postgres: Vec<&String> = postgres.difference(&sqlite).collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "the migration trees drifted apart\nonly in SQLite: {only_sqlite:#?}\nonly in PostgreSQL: {only_postgres:#?}"
    );
}

#[test]
fn types_are_normalised_across_engines() {
    assert_eq!(normalised_type("INTEGER"), normalised_type("bigint"));
    assert_eq!(normalised_type("TEXT"), normalised_type("character varying"));
    assert_eq!(normalised_type("BLOB"), normalised_type("bytea"));
    assert_ne!(normalised_type("TEXT"), normalised_type("bigint"), "different types stay different");
}

async fn migrated(backend: Backend, dir: &TempDir) -> Db {
    let db = Db::connect(&fresh_database(backend, &dir.0).await).await.expect("connect");
    db.migrate().await.expect("migrate");
    db
}

/// The engines' spellings of one storage type, as one word.
fn normalised_type(declared: &str) -> String {
    let lower = declared.trim().to_ascii_lowercase();
    match lower.as_str() {
        "integer" | "int" | "bigint" | "smallint" | "int2" | "int4" | "int8" => "integer".into(),
        "text" | "character varying" | "varchar" | "character" | "char" => "text".into(),
        "blob" | "bytea" => "bytes".into(),
        "real" | "double precision" | "float8" | "float4" => "real".into(),
        _ => lower,
    }
}

fn column_line(table: &str, column: &str, declared: &str, not_null: bool) -> String {
    let null = if not_null { "not null" } else { "null" };
    format!("table {table} column {column} {} {null}", normalised_type(declared))
}

/// `name` is kept for indexes the migrations name; primary keys and `UNIQUE` constraints get
/// names each engine makes up, so they are compared by what they cover.
fn index_line(table: &str, name: &str, columns: &str, unique: bool, partial: bool) -> String {
    let unique = if unique { "unique " } else { "" };
    let partial = if partial { " partial" } else { "" };
    format!("table {table} {unique}index {name} ({columns}){partial}")
}

async fn sqlite_schema(db: &Db) -> Schema {
    let mut schema = Schema::new();
    let pool = db.pool();
    let tables: Vec<String> = sqlx::query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
         AND name NOT LIKE '\\_sqlx%' ESCAPE '\\' ORDER BY name",
    )
    .fetch_all(pool)
    .await
    .expect("tables")
    .iter()
    .map(|r| r.try_get("name").expect("name"))
    .collect();
    for table in &tables {
        schema.insert(format!("table {table}"));
        let columns = sqlx::query("SELECT name, type, \"notnull\" AS not_null, pk FROM pragma_table_info($1) ORDER BY cid")
            .bind(table.clone())
            .fetch_all(pool)
            .await
            .expect("columns");
        let mut primary: Vec<(i64, String)> = Vec::new();
        for c in &columns {
            let name: String = c.try_get("name").expect("name");
            let pk: i64 = c.try_get("pk").expect("pk");
            // A primary key is never null on PostgreSQL; SQLite only enforces it for some.
            let not_null = c.try_get::<i64, _>("not_null").expect("notnull") != 0 || pk > 0;
            schema.insert(column_line(table, &name, &c.try_get::<String, _>("type").expect("type"), not_null));
            if pk > 0 {
                primary.push((pk, name));
            }
        }
        if !primary.is_empty() {
            primary.sort();
            let names: Vec<String> = primary.into_iter().map(|(_, n)| n).collect();
            schema.insert(index_line(table, "<primary key>", &names.join(","), true, false));
        }
        let indexes = sqlx::query("SELECT name, \"unique\" AS is_unique, origin, partial FROM pragma_index_list($1)")
            .bind(table.clone())
            .fetch_all(pool)
            .await
            .expect("indexes");
        for i in &indexes {
            let origin: String = i.try_get("origin").expect("origin");
            if origin == "pk" {
                continue;
            }
            let name: String = i.try_get("name").expect("name");
            let columns: Vec<String> = sqlx::query("SELECT name FROM pragma_index_info($1) ORDER BY seqno")
                .bind(name.clone())
                .fetch_all(pool)
                .await
                .expect("index columns")
                .iter()
                .map(|r| r.try_get::<Option<String>, _>("name").expect("column").unwrap_or_else(|| "<expression>".into()))
                .collect();
            let shown = if origin == "u" { "<unique constraint>".to_owned() } else { name };
            let unique = i.try_get::<i64, _>("is_unique").expect("unique") != 0;
            let partial = i.try_get::<i64, _>("partial").expect("partial") != 0;
            schema.insert(index_line(table, &shown, &columns.join(","), unique, partial));
        }
    }
    schema
}

async fn postgres_schema(db: &Db) -> Schema {
    let mut schema = Schema::new();
    let pool = db.pool();
    let tables = sqlx::query(
        "SELECT table_name::text AS name FROM information_schema.tables WHERE table_schema = 'public' \
         AND table_type = 'BASE TABLE' AND table_name NOT LIKE '\\_sqlx%'",
    )
    .fetch_all(pool)
    .await
    .expect("tables");
    for t in &tables {
        schema.insert(format!("table {}", t.try_get::<String, _>("name").expect("name")));
    }
    let columns = sqlx::query(
        "SELECT table_name::text AS table_name, column_name::text AS column_name, data_type::text AS data_type, \
         is_nullable::text AS is_nullable FROM information_schema.columns WHERE table_schema = 'public' \
         AND table_name NOT LIKE '\\_sqlx%'",
    )
    .fetch_all(pool)
    .await
    .expect("columns");
    for c in &columns {
        let not_null = c.try_get::<String, _>("is_nullable").expect("nullable") == "NO";
        schema.insert(column_line(
            &c.try_get::<String, _>("table_name").expect("table"),
            &c.try_get::<String, _>("column_name").expect("column"),
            &c.try_get::<String, _>("data_type").expect("type"),
            not_null,
        ));
    }
    let indexes = sqlx::query(
        "SELECT t.relname::text AS table_name, i.relname::text AS index_name, x.indisunique AS is_unique, \
         x.indisprimary AS is_primary, x.indpred IS NOT NULL AS partial, \
         EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid) AS from_constraint, \
         (SELECT string_agg(CASE WHEN k.attnum = 0 THEN '<expression>' ELSE a.attname::text END, ',' ORDER BY k.ord) \
            FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k (attnum, ord) \
            LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum) AS columns \
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace \
         WHERE n.nspname = 'public' AND t.relname NOT LIKE '\\_sqlx%'",
    )
    .fetch_all(pool)
    .await
    .expect("indexes");
    for i in &indexes {
        let table: String = i.try_get("table_name").expect("table");
        let name: String = i.try_get("index_name").expect("index");
        let shown = if i.try_get::<bool, _>("is_primary").expect("primary") {
            "<primary key>".to_owned()
        } else if i.try_get::<bool, _>("from_constraint").expect("constraint") {
            "<unique constraint>".to_owned()
        } else {
            name
        };
        let columns: String = i.try_get("columns").expect("columns");
        let unique = i.try_get::<bool, _>("is_unique").expect("unique");
        let partial = i.try_get::<bool, _>("partial").expect("partial");
        schema.insert(index_line(&table, &shown, &columns, unique, partial));
    }
    schema
}
