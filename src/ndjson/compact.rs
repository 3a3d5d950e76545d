//! Printing a JSON text without the white space between its tokens, every token as written.

/// Appends `text`, one valid JSON text, to `out` without the white space between its tokens:
/// every string, number and literal is copied byte for byte, so the record printed is the
/// record read, whatever `serde_json` would make of its numbers. (Hand-written because no
/// JSON crate copies a document's own tokens; strings are skipped with `memchr`.)
pub fn write_compact(text: &[u8], out: &mut Vec<u8>) {
    out.reserve(text.len());
    let (mut from, mut i) = (0, 0);
    while i < text.len() {
        match text[i] {
            b'"' => {
                i += 1;
                while let Some(j) = memchr::memchr2(b'"', b'\\', &text[i..]) {
                    i += j + 1;
                    if text[i - 1] == b'"' {
                        break;
                    }
                    i += 1; // the escaped character
                }
            }
            b' ' | b'\t' | b'\n' | b'\r' => {
                out.extend_from_slice(&text[from..i]);
                i += 1;
                from = i;
            }
            _ => i += 1,
        }
    }
    out.extend_from_slice(&text[from.min(text.len())..]);
}
