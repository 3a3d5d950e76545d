//! Evaluation of checked filters over JSON records: compile once, run on many records.
//!
//! ```
//! use odata_filter::{check, eval::Predicate, schema::catalog, syntax};
//! use serde_json::json;
//!
//! let schema = catalog::machine_action();
//! let text = "status eq 'Succeeded' and creationDateTimeUtc gt 2018-08-01Z";
//! let filter = check::check(&schema, &syntax::parse(text)?, text)?;
//! let p = Predicate::compile(&filter);
//!
//! let record = json!({"status": "Succeeded", "creationDateTimeUtc": "2018-12-04T14:43:57+02:00"});
//! assert!(p.matches(&record));
//! assert!(!p.matches(&json!({"status": "Failed"})));
//! assert_eq!(p.eval(&json!({"status": "Succeeded"})), Some(false));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Reading records
//!
//! A field's value is found by its JSON paths ([`Field::json_paths`]: the first path that is
//! present wins, even when it holds `null`) and read with the rules of [`Value::from_json`]:
//! a missing field, a JSON `null`, and a value of the wrong JSON type (a number in a string
//! field, `"n/a"` in a GUID field, an unparsable date) are all **null**. A record that is not
//! an object (an array, a number) has only null fields. Evaluation is total: no record, however
//! malformed, makes it panic.
//!
//! # Semantics
//!
//! `eval` gives the OData three-valued result (`None` is null); `matches` is true only when
//! `eval` is `Some(true)`, so false and null both reject a record.
//!
//! | Construct | Result |
//! |---|---|
//! | `a eq b` | true when both are null, false when one is; otherwise equal values. Never null. |
//! | `a ne b` | `not (a eq b)`: `scope ne 'Full'` is **true** when `scope` is null. Never null. |
//! | `a gt/ge/lt/le b` | false when either operand is null (`count gt null` and `null gt null` too); otherwise the ordering. Never null. |
//! | `c eq null`, `c ne null` for a structured (complex) `c` | `c` is null when it is missing, JSON `null` or not a JSON object (ill-typed, as for scalars); an object is not null, even `{}` or one whose members are all null. Never null. |
//! | numbers | OData's binary numeric promotion: an Int32, Int64 or Decimal compared with a Double is promoted to Double, the nearest float (`9007199254740993` equals `9007199254740992.0`, the decimal `0.1` equals the double `0.1`); otherwise compared exactly (integers with each other and with Decimals, Decimals as exact decimals); a number literal next to a field takes the field's type first (`1.5` next to an Int64 stays the decimal 1.5; next to a Double it is the nearest double). NaN is unequal to everything (`eq` false, `ne` true, orderings false) |
//! | strings | by Unicode code point, case-sensitively |
//! | DateTimeOffset | as instants, whatever their offsets, to the nanosecond |
//! | Date with DateTimeOffset | the date is promoted to its midnight, UTC (`2024-03-01` is `2024-03-01T00:00:00Z`), against a literal or a value |
//! | enums | by member name, case-sensitively; a record's string is not checked against the members, so an unknown member (lenient schemas) matches only records holding exactly that string |
//! | GUIDs | as 128-bit numbers: upper- and lower-case record strings are the same GUID |
//! | `x in (v1, ..., vn)` | true iff `x eq vi` for some `i` (`null in (null)` is true); never null |
//! | `a and b` | false if either is false; else null if either is null; else true. Stops at the first false. |
//! | `a or b` | true if either is true; else null if either is null; else false. Stops at the first true. |
//! | `not a` | `not null` is null |
//! | a function with a null argument | null |
//! | `contains`, `startswith`, `endswith` | case-sensitive, exact characters |
//! | `length(s)` | the number of characters (code points) |
//! | `indexof(s, t)` | 0-based character index of the first `t` in `s`, -1 if none; `indexof(s, '')` is 0 |
//! | `substring(s, i)`, `substring(s, i, n)` | characters from 0-based position `i` (`n` of them, or to the end); `i < 0` counts as 0; `i` at or past the end gives `''`; `n < 0` gives `''`; `n` past the end takes the rest |
//! | `tolower`, `toupper` | Unicode's default full case mapping (`str::to_lowercase`, `str::to_uppercase`): `Straße` upper is `STRASSE`, a word-final `Σ` lowers to `ς` |
//! | `trim(s)` | without leading and trailing U+0020 spaces (only) |
//! | `concat(a, b)` | `a` followed by `b` |
//! | `year`, `month`, `day` | of a Date, or of a DateTimeOffset in UTC |
//! | `hour`, `minute`, `second` | of a TimeOfDay, or of a DateTimeOffset in UTC (a leap second `23:59:60.5Z` is read as `00:00:00.5Z` of the next day, as POSIX time and PostgreSQL count it; a TimeOfDay has no second 60) |
//! | `date(t)`, `time(t)` | the UTC date and time of day of a DateTimeOffset |
//! | `round(x)`, `floor(x)`, `ceiling(x)` | the whole number, exactly: halves round away from zero (`round(-2.5)` is -3, `round(0.49999999999999994)` is 0); a Double of a Double (NaN and infinities unchanged), else a Decimal |
//! | enum arguments to string functions | their member names |
//! | `c/any(x: p)` | true iff `p` is true for some element; else false (never null) |
//! | `c/all(x: p)` | true iff `p` is true for every element (so true when `c` is empty); else false (never null) |
//! | `c/any()` | true iff `c` has an element |
//! | a missing, null or non-array collection | empty: `any` false, `all` true |
//! | lambda elements | read with the collection's item type; an ill-typed element is null, a complex element's members are read by their JSON paths |
//!
//! Lambdas are two-valued so that SQL backends can implement them exactly with `EXISTS` and
//! `NOT EXISTS`: an element whose predicate is null neither satisfies `any` nor lets `all`
//! hold.
//!
//! # Speed
//!
//! [`Predicate::compile`] resolves every field's JSON keys once, converts constants to the
//! form records are compared in (GUIDs to numbers, DateTimeOffsets to seconds and
//! nanoseconds since the epoch, enum members to names), and specialises the common
//! `field op constant` comparison. Evaluation borrows strings from the record instead of
//! copying them, and reads RFC 3339 date-times with a hand-written parser for the usual
//! `YYYY-MM-DDThh:mm:ss[.f{1,9}](Z|±hh:mm)` form (falling back to chrono for the rest).
//!
//! [`Field::json_paths`]: crate::schema::Field::json_paths
//! [`Value::from_json`]: crate::value::Value::from_json

mod compile;
mod func;
mod node;
mod scalar;

use crate::ir;
use node::{Env, Node};
pub(crate) use node::{Key, Record};
pub(crate) use scalar::{Read, Scalar};

/// A compiled filter: run it on any number of records, from any number of threads.
#[derive(Clone, Debug)]
pub struct Predicate {
    root: Node,
    /// The top-level members the filter reads; [`Key::slot`] indexes this list.
    keys: Box<[Box<str>]>,
}

impl Predicate {
    /// Compiles a checked filter.
    pub fn compile(expr: &ir::Expr) -> Predicate {
        let (root, keys) = compile::root(expr);
        Predicate {
            root,
            keys: keys.into_boxed_slice(),
        }
    }

    /// The top-level members the filter reads, in slot order (see [`Record`]).
    pub(crate) fn keys(&self) -> &[Box<str>] {
        &self.keys
    }

    /// The three-valued result on a record read through `record`: the one interpreter, for
    /// parsed records and for the NDJSON scanner's slots alike.
    #[inline]
    pub(crate) fn eval_record<R: Record + ?Sized>(&self, record: &R) -> Option<bool> {
        self.root.eval(&Env::new(record))
    }

    /// Whether `record` passes the filter: true only when the filter is true (false and
    /// null both reject).
    #[inline]
    pub fn matches(&self, record: &serde_json::Value) -> bool {
        self.eval(record) == Some(true)
    }

    /// The filter's three-valued result on `record`; `None` is null. See the
    /// [module documentation](crate::eval) for the rules.
    #[inline]
    pub fn eval(&self, record: &serde_json::Value) -> Option<bool> {
        self.eval_record(record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predicate_is_send_and_sync() {
        fn assert<T: Send + Sync + Clone + std::fmt::Debug>() {}
        assert::<Predicate>();
    }

    /// Issue 11: with lambdas nested at most `k` deep (`syntax::Limits::max_lambda_depth`),
    /// one record costs at most `nodes × n^k` evaluations for collections of `n` elements.
    /// The worst shape the default allows, where no element matches so every `any` scans its
    /// whole collection, runs its conditions `n + n²` times on 1,000 tags; a third level,
    /// which would make it `n³`, is refused before anything runs.
    #[test]
    fn lambda_work_is_bounded_by_the_depth_limit() {
        let k = crate::syntax::Limits::default().max_lambda_depth;
        assert_eq!(k, 2);
        let schema = crate::schema::catalog::machine();
        let compile = |text: &str| -> Result<Predicate, crate::syntax::Error> {
            let tree = crate::syntax::parse(text)?;
            Ok(Predicate::compile(
                &crate::check::check(&schema, &tree, text).unwrap(),
            ))
        };
        let n: u64 = 1_000;
        let tags: Vec<String> = (0..n).map(|i| format!("tag{i}")).collect();
        let record = serde_json::json!({ "machineTags": tags });
        let steps = |p: &Predicate| {
            node::LAMBDA_STEPS.with(|s| s.set(0));
            assert!(!p.matches(&record));
            node::LAMBDA_STEPS.with(|s| s.get())
        };

        // Both conditions read `b`, so neither can be lifted out of the inner lambda.
        let deepest = "machineTags/any(a: machineTags/any(b: b eq a and b eq 'none'))";
        let p = compile(deepest).unwrap();
        assert_eq!(steps(&p), n + n * n);
        assert!(steps(&p) <= 2 * n.pow(k as u32));
        // Lambdas side by side add up instead of multiplying.
        let wide = format!("{deepest} or {deepest}");
        assert_eq!(steps(&compile(&wide).unwrap()), 2 * (n + n * n));
        // One level more is a parse error.
        let deeper = "machineTags/any(a: machineTags/any(b: machineTags/any(c: c eq a)))";
        let e = compile(deeper).err().unwrap();
        assert_eq!(
            e.kind(),
            &crate::syntax::ErrorKind::LambdaTooDeep { limit: 2 }
        );
    }
}
