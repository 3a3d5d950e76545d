//! Any bytes through the parser: no panic, and every error renders.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        match odata_filter::syntax::parse(text) {
            Ok(tree) => drop(tree.to_string()),
            Err(e) => drop(e.to_string()),
        }
    }
});
