//! `cargo run --release --example defender_api`: a Defender for Endpoint style API over SQLite.
//!
//! Serves `GET /api/machineactions`, `/api/investigations`, `/api/machines`, `/api/alerts`
//! (with `$filter`, `$top`, `$skip`, `$orderby`, `$select`, `$count`, pushed down to SQLite),
//! single entities, `/$count`, and `POST /api/machines/{id}/collectInvestigationPackage`, behind
//! bearer tokens with per-token rate limits. At start it prints (on stderr) the line
//! `export TOKEN=<token>` for the curl lines of the README; `--demo-token <TOKEN>` fixes that
//! token. See `README.md` in this directory, and `--help`.

// The integration tests (tests/server.rs) include the same module and use items this binary
// does not, such as the re-exports for checking the generated data.
#[allow(dead_code, unused_imports)]
mod app;

use std::process::ExitCode;

/// Parses the command line, starts the server (see `app/cli.rs`) and serves until Ctrl-C.
#[tokio::main]
async fn main() -> ExitCode {
    let shutdown = async {
        // Without a signal handler, run until killed.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
        eprintln!("shutting down");
    };
    ExitCode::from(app::main(std::env::args_os(), shutdown).await)
}
