//! The async `tokio-postgres` helpers (`sql::tokio_postgres`) against a real PostgreSQL
//! (`ODATA_FILTER_PG_URL`, started by `bash scripts/test`): random queries over random records
//! select what the reference semantics selects, in its order, and `count` agrees.
#![cfg(all(feature = "tokio-postgres", feature = "rusqlite"))]

mod sql_support;

use odata_filter::query::Query;
use odata_filter::schema::EntitySchema;
use odata_filter::sql::{self, PostgresDialect};
use proptest::test_runner::{Config, TestRunner};
use sql_support::differential::check_one;
use sql_support::{gen, parse_all, reference, Backend};
use std::cell::RefCell;
use tokio::runtime::Runtime;

/// A client in a fresh schema, on its own runtime.
struct TokioPostgres {
    rt: Runtime,
    client: tokio_postgres::Client,
    namespace: String,
}

impl TokioPostgres {
    fn connect(test: &str) -> Option<TokioPostgres> {
        let Ok(url) = std::env::var("ODATA_FILTER_PG_URL") else {
            if std::env::var("ODATA_FILTER_REQUIRE_PG").as_deref() == Ok("1") {
                panic!("ODATA_FILTER_REQUIRE_PG=1 but ODATA_FILTER_PG_URL is not set");
            }
            eprintln!("skipping {test}: ODATA_FILTER_PG_URL is not set (run bash scripts/test)");
            return None;
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let namespace = format!("odf_tokio_{test}_{}", std::process::id());
        let client = rt.block_on(async {
            let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"));
            tokio::spawn(connection);
            client
                .batch_execute(&format!(
                    "CREATE SCHEMA {namespace}; SET search_path TO {namespace}"
                ))
                .await
                .unwrap();
            client
        });
        Some(TokioPostgres {
            rt,
            client,
            namespace,
        })
    }
}

impl Drop for TokioPostgres {
    fn drop(&mut self) {
        let drop = format!("DROP SCHEMA IF EXISTS {} CASCADE", self.namespace);
        let _ = self.rt.block_on(self.client.batch_execute(&drop));
    }
}

impl Backend for TokioPostgres {
    fn name(&self) -> &'static str {
        "tokio-postgres"
    }

    fn load(&mut self, schema: &EntitySchema, records: &[&str]) {
        let TokioPostgres { rt, client, .. } = self;
        rt.block_on(async {
            client
                .batch_execute("DROP TABLE IF EXISTS \"Things\"")
                .await
                .unwrap();
            sql::tokio_postgres::create_table(client, schema)
                .await
                .unwrap();
            let n = sql::tokio_postgres::insert_records(client, schema, records)
                .await
                .unwrap();
            assert_eq!(n, records.len());
        });
    }

    fn select(&mut self, schema: &EntitySchema, q: &Query) -> Vec<String> {
        let text = self
            .rt
            .block_on(sql::tokio_postgres::query_text(&self.client, schema, q))
            .unwrap_or_else(|e| panic!("tokio-postgres: {e}"));
        // `query` parses the same texts, and `count` counts what the filter matches.
        let parsed = self
            .rt
            .block_on(sql::tokio_postgres::query(&self.client, schema, q))
            .unwrap();
        let lines: Vec<&str> = text.iter().map(String::as_str).collect();
        assert_eq!(parsed, parse_all(&lines));
        text
    }
}

#[test]
fn generated_queries_agree_through_tokio_postgres() {
    let Some(db) = TokioPostgres::connect("generated") else {
        return;
    };
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(60);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let db = RefCell::new(db);
    let compared = RefCell::new(0);
    let strategy = (
        gen::records(10),
        proptest::collection::vec(gen::filter(), 1..5),
        gen::paging(),
    );
    let result = runner.run(&strategy, |(records, filters, paging)| {
        let mut db = db.borrow_mut();
        *compared.borrow_mut() += check_one(
            "tokio-postgres",
            &mut *db,
            &PostgresDialect,
            &records,
            &filters,
            &paging,
            &|_, q, schema, json| reference::select(q, schema, json),
        );
        // `count` ignores paging: it is the number of records the filter alone selects.
        let schema = gen::schema();
        let lines: Vec<&str> = records.iter().map(String::as_str).collect();
        let json = parse_all(&lines);
        for f in &filters {
            let Some(q) = gen::make_query(&schema, f, &(Vec::new(), 0, None)) else {
                continue;
            };
            let want = reference::select(&q, &schema, &json).len() as u64;
            let TokioPostgres { rt, client, .. } = &mut *db;
            match rt.block_on(sql::tokio_postgres::count(client, &schema, &q)) {
                Ok(n) => assert_eq!(n, want, "{f}"),
                Err(e) if matches!(e.kind(), sql::ErrorKind::Unsupported { .. }) => {}
                Err(e) => panic!("{f}: {e}"),
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let compared = compared.into_inner();
    assert!(compared >= 60, "only {compared} queries compared");
}
