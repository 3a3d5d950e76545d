//! A record given as the raw JSON text of the top-level members a filter reads, as the
//! scanner located them: the [`Record`] the evaluator reads NDJSON lines through.

use crate::eval::{Key, Read, Record, Scalar};
use serde_json::Value as Json;
use std::borrow::Cow;
use std::cell::{Cell, OnceCell};

/// One line's members: slot `i` holds the text of the filter's `keys[i]` (`None`: absent).
///
/// Strings without escapes are borrowed from the line, numbers and literals are read in
/// place; paths into members and lambdas read an object holding just the located members,
/// built once, when first needed. Values are read exactly as from the parsed record, with one
/// exception: an Edm.Decimal member is read from its digits as written
/// (`1.00000000000000000001` stays that), where the parsed record holds the float
/// `serde_json` rounded it to (see [`Value::from_json`](crate::value::Value::from_json)).
pub(super) struct Slots<'a, 's> {
    pub(super) keys: &'s [Box<str>],
    pub(super) slots: &'s [Option<&'a str>],
    /// No slot has a `\`.
    pub(super) no_escapes: bool,
    full: OnceCell<Json>,
    /// Set when a slot's text is not the JSON the scanner promised (never, for a correct
    /// scanner): the caller must then parse the record instead.
    broken: Cell<bool>,
}

impl<'a, 's> Slots<'a, 's> {
    pub(super) fn new(
        keys: &'s [Box<str>],
        slots: &'s [Option<&'a str>],
        no_escapes: bool,
    ) -> Self {
        Slots {
            keys,
            slots,
            no_escapes,
            full: OnceCell::new(),
            broken: Cell::new(false),
        }
    }

    /// Whether some slot turned out not to be valid JSON: the result must not be used.
    pub(super) fn broken(&self) -> bool {
        self.broken.get()
    }

    /// The member in `slot` as text: `None` when absent or not a JSON string.
    #[inline]
    fn string(&self, slot: usize) -> Option<Cow<'a, str>> {
        let raw = self.slots[slot]?;
        let inner = raw.strip_prefix('"')?.strip_suffix('"')?;
        if self.no_escapes || !inner.contains('\\') {
            return Some(Cow::Borrowed(inner));
        }
        match serde_json::from_str::<String>(raw) {
            Ok(s) => Some(Cow::Owned(s)),
            Err(_) => {
                self.broken.set(true);
                None
            }
        }
    }
}

impl Record for Slots<'_, '_> {
    #[inline]
    fn text(&self, key: &Key) -> Option<Cow<'_, str>> {
        self.string(key.slot)
    }

    fn read(&self, key: &Key, read: Read) -> Scalar<'_> {
        let Some(raw) = self.slots[key.slot] else {
            return Scalar::Null;
        };
        match raw.as_bytes().first() {
            Some(b'"') => match self.string(key.slot) {
                Some(s) => read.read_str(s),
                None => Scalar::Null,
            },
            // Arrays and objects read as null for every scalar type.
            Some(b'[' | b'{' | b'n') => Scalar::Null,
            _ => match serde_json::from_str::<Json>(raw) {
                // A decimal from its digits as written, which `serde_json` may have rounded
                // to a float (`1.00000000000000000001`); integers in i64 read as integers, as
                // `Read::read` reads them.
                Ok(Json::Number(n)) if read == Read::Decimal && n.as_i64().is_none() => {
                    crate::decimal::parse(raw).map_or(Scalar::Null, Scalar::Decimal)
                }
                Ok(json) => read.read(&json).into_owned(),
                Err(_) => {
                    self.broken.set(true);
                    Scalar::Null
                }
            },
        }
    }

    fn json(&self) -> Option<&Json> {
        let full = self.full.get_or_init(|| {
            let mut map = serde_json::Map::new();
            for (key, raw) in self.keys.iter().zip(self.slots) {
                if let Some(raw) = raw {
                    match serde_json::from_str(raw) {
                        Ok(v) => {
                            map.insert(key.to_string(), v);
                        }
                        Err(_) => self.broken.set(true),
                    }
                }
            }
            Json::Object(map)
        });
        (!self.broken.get()).then_some(full)
    }
}
