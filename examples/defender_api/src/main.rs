//! `cargo run --release -p defender-api`: a Defender for Endpoint style API over SQLite.
//!
//! Serves `GET /api/machineactions`, `/api/investigations`, `/api/machines`, `/api/alerts`
//! (with `$filter`, `$top`, `$skip`, `$orderby`, `$select`, `$count`, pushed down to SQLite),
//! single entities, `/$count`, and `POST /api/machines/{id}/collectInvestigationPackage`, behind
//! bearer tokens with per-token rate limits. It parses the command line, opens the server,
//! prints the startup messages (on stderr, with the line `export TOKEN=<token>` for the curl
//! lines of the README; `--demo-token <TOKEN>` fixes that token) and serves until Ctrl-C. See
//! `README.md` in this package, and `--help`.

#![forbid(unsafe_code)]

use std::future::Future;
use std::process::ExitCode;

use clap::Parser;
use defender_api::{App, BoxError, Config, DemoToken, Startup, DEFAULT_SEED_COUNT};

/// Parses the command line and serves until Ctrl-C. Exits with 0, 1 on an error (printed), or
/// 2 on a command-line error (printed by clap; `--help` prints and exits with 0).
#[tokio::main]
async fn main() -> ExitCode {
    let config = match Config::try_parse() {
        Ok(config) => config,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    let shutdown = async {
        // Without a signal handler, run until killed.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
        eprintln!("shutting down");
    };
    match run(config, shutdown).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("defender-api: error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Opens the database and tokens, prints what was done, and serves until `shutdown`.
async fn run(
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), BoxError> {
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
        tokio::task::spawn_blocking(move || App::open(&config)).await?
    };
    let (app, startup) = opened?;
    for (kind, n) in &startup.seeded {
        eprintln!("  seeded {n} {}", kind.entity_set());
    }
    if existed && config.seed_count != DEFAULT_SEED_COUNT {
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
    eprint!("{}", token_messages(&config, &startup));
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    eprintln!("listening on http://{}", listener.local_addr()?);
    defender_api::serve(listener, app.router(), app.limits(), shutdown).await?;
    Ok(())
}

/// The startup messages about bearer tokens: the demo token as a line of its own,
/// `export TOKEN=<token>`, to paste into the shell of the README's curl lines, and how many
/// other tokens are accepted (never the tokens themselves).
fn token_messages(config: &Config, startup: &Startup) -> String {
    let file = config.tokens.display();
    let others = match startup.other_tokens {
        0 => String::new(),
        1 => format!("also accepted: 1 other token of {file} (not printed)\n"),
        n => format!("also accepted: {n} other tokens of {file} (not printed)\n"),
    };
    let Some(demo) = &startup.demo_token else {
        let n = startup.other_tokens;
        return format!(
            "bearer tokens from {file}: {n} token{}, none of them the demo token; for the \
             README's curl lines, export TOKEN=<one of them> or start with --demo-token <TOKEN>\n",
            if n == 1 { "" } else { "s" }
        );
    };
    let origin = match demo {
        DemoToken::Created(_) => {
            format!("created {file} with a random demo token holding every permission")
        }
        DemoToken::Reused(_) => {
            format!("bearer tokens from {file}; its demo token holds every permission")
        }
        DemoToken::Fixed(_) => format!(
            "--demo-token holds every permission, for this run only (not written to {file})"
        ),
    };
    let mut text = format!(
        "{origin}; paste this line into the shell of the README's curl lines:\n\n\
         export TOKEN={}\n\n{others}",
        demo.token()
    );
    if matches!(demo, DemoToken::Fixed(_)) && !config.listen.ip().is_loopback() {
        text.push_str(&format!(
            "warning: --listen {} is not a loopback address: whoever reaches it and knows the \
             --demo-token can call every endpoint\n",
            config.listen
        ));
    }
    text
}
