//! Whatever parses prints to canonical text that parses back to the same tree.
#![no_main]

use libfuzzer_sys::fuzz_target;
use odata_filter::syntax;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(tree) = syntax::parse(text) else {
        return;
    };
    let printed = tree.to_string();
    let back = syntax::parse(&printed)
        .unwrap_or_else(|e| panic!("canonical text does not parse: {printed:?}\n{e}"));
    assert_eq!(back, tree, "round trip changed the tree: {printed:?}");
    assert_eq!(back.to_string(), printed, "canonical text is not a fixed point");
});
