//! The async `tokio-postgres` helpers (`sql::tokio_postgres`) against a real PostgreSQL
//! (`ODATA_FILTER_PG_URL`, started by `bash scripts/test`): random queries over random records
//! select what the evaluator selects, in the reference's order, `query` parses the same
//! documents, and `count` counts as many (`sql_support::differential::generated`).
#![cfg(all(feature = "tokio-postgres", feature = "rusqlite"))]

mod sql_support;

use odata_filter::query::Query;
use odata_filter::schema::EntitySchema;
use odata_filter::sql::{self, Dialect, PostgresDialect};
use sql_support::differential::{cases, generated, Layout};
use sql_support::{drop_table_sql, fresh_name, parse_all, postgres_url, Backend};
use tokio::runtime::Runtime;

/// A client in a fresh schema, on its own runtime.
struct TokioPostgres {
    rt: Runtime,
    client: tokio_postgres::Client,
    namespace: String,
}

impl TokioPostgres {
    fn connect(test: &str) -> Option<TokioPostgres> {
        let url = postgres_url(test)?;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let namespace = fresh_name(test);
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

    fn dialect(&self) -> &'static dyn Dialect {
        &PostgresDialect
    }

    fn load(&mut self, schema: &EntitySchema, records: &[&str]) {
        let TokioPostgres { rt, client, .. } = self;
        rt.block_on(async {
            let drop = drop_table_sql(&PostgresDialect, schema.entity_set());
            client.batch_execute(&drop).await.unwrap();
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
        // `query` parses the same texts.
        let parsed = self
            .rt
            .block_on(sql::tokio_postgres::query(&self.client, schema, q))
            .unwrap();
        let lines: Vec<&str> = text.iter().map(String::as_str).collect();
        assert_eq!(parsed, parse_all(&lines));
        text
    }

    fn count(&mut self, schema: &EntitySchema, q: &Query) -> u64 {
        self.rt
            .block_on(sql::tokio_postgres::count(&self.client, schema, q))
            .unwrap_or_else(|e| panic!("tokio-postgres: {e}"))
    }
}

#[test]
fn generated_queries_agree_through_tokio_postgres() {
    let Some(mut db) = TokioPostgres::connect("tokio_generated") else {
        return;
    };
    generated(
        file!(),
        "tokio-postgres",
        &mut db,
        Layout::Default,
        cases(60),
    );
}
