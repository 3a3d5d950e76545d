//! Writes deterministic, realistic Defender `MachineAction` records as NDJSON.
//!
//! ```text
//! cargo run --release --example gen_records -- 1000000 > /tmp/machineactions-1m.ndjson
//! cargo run --release --example gen_records -- 200000 /tmp/machineactions-200k.ndjson
//! ```
//!
//! The first argument is the number of records (default 1,000,000), the optional second a
//! file to write instead of standard output. Record `i` is the same in every run and every
//! file (see `benches/support/records.rs`), so a file of N records is a prefix of any larger
//! one. `benches/cli.sh` and `benches/eval.rs` use the same generator.

#[path = "../benches/support/records.rs"]
mod records;

use std::io::{self, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let count: u64 = match args.first().map(|s| s.replace('_', "").parse()) {
        None => 1_000_000,
        Some(Ok(n)) => n,
        Some(Err(_)) => {
            eprintln!("usage: gen_records [COUNT] [FILE]");
            return ExitCode::from(2);
        }
    };
    let result = match args.get(1) {
        Some(path) => std::fs::File::create(path).and_then(|f| write_records(count, f)),
        None => write_records(count, io::stdout().lock()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen_records: {e}");
            ExitCode::FAILURE
        }
    }
}

fn write_records(count: u64, out: impl Write) -> io::Result<()> {
    let mut out = io::BufWriter::with_capacity(1 << 20, out);
    let mut line = String::with_capacity(1024);
    for i in 0..count {
        line.clear();
        records::machine_action(i, &mut line);
        out.write_all(line.as_bytes())?;
    }
    out.flush()
}
