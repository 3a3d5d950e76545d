//! `cargo run --release --example defender_api`: a Defender for Endpoint style API over SQLite.
//!
//! Serves `GET /api/machineactions`, `/api/investigations`, `/api/machines`, `/api/alerts`
//! (with `$filter`, `$top`, `$skip`, `$orderby`, `$select`, `$count`, pushed down to SQLite),
//! single entities, `/$count`, and `POST /api/machines/{id}/collectInvestigationPackage`, behind
//! bearer tokens with per-token rate limits. See `README.md` in this directory, and `--help`.

// The integration tests (tests/server.rs) include the same module and use items this binary
// does not, such as the re-exports for checking the generated data.
#[allow(dead_code, unused_imports)]
mod app;

use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let config = app::Config::parse();
    match run(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("defender_api: error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Opens the database and tokens, prints what was done, and serves until Ctrl-C.
async fn run(config: app::Config) -> Result<(), app::BoxError> {
    let existed = config.db.exists();
    if !existed {
        eprintln!(
            "creating {} with {} generated machine actions ...",
            config.db.display(),
            config.seed_count
        );
    }
    let opened = {
        let config = config.clone();
        tokio::task::spawn_blocking(move || app::App::open(&config)).await?
    };
    let (app, startup) = opened?;
    for (kind, n) in &startup.seeded {
        eprintln!("  seeded {n} {}", kind.entity_set());
    }
    if existed && config.seed_count != app::DEFAULT_SEED_COUNT {
        eprintln!(
            "note: {} already exists; --seed-count applies only when it is created",
            config.db.display()
        );
    }
    for (kind, n) in &startup.imported {
        eprintln!("imported {n} {} from --data", kind.entity_set());
    }
    if startup.skipped > 0 {
        eprintln!(
            "skipped {} records of --data already stored",
            startup.skipped
        );
    }
    match &startup.demo_token {
        Some(token) => eprintln!(
            "created {} with a demo token holding every permission:\n\n    {token}\n",
            config.tokens.display()
        ),
        None => eprintln!("bearer tokens from {}", config.tokens.display()),
    }
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    eprintln!("listening on http://{}", listener.local_addr()?);
    app::serve(listener, app.router(), async {
        // Without a signal handler, run until killed.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
        eprintln!("shutting down");
    })
    .await?;
    Ok(())
}
