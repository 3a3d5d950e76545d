//! Helpers shared by the SQL backend's integration tests.
#![allow(dead_code)]

use odata_filter::ir;
use odata_filter::query::{OrderKey, Query};
use odata_filter::schema::{ComplexType, EntitySchema, Field, FieldType};
use odata_filter::sql::{
    self, Dialect, MsSqlDialect, MySqlDialect, PostgresDialect, SqliteDialect,
};
use odata_filter::{check, syntax};

/// The four built-in dialects.
pub fn dialects() -> [&'static dyn Dialect; 4] {
    [
        &SqliteDialect,
        &PostgresDialect,
        &MySqlDialect,
        &MsSqlDialect,
    ]
}

/// `text` parsed and checked against `schema`; panics with the rendered errors otherwise.
pub fn filter(schema: &EntitySchema, text: &str) -> ir::Expr {
    let tree = syntax::parse(text).unwrap_or_else(|e| panic!("{text}\n{e}"));
    check::check(schema, &tree, text).unwrap_or_else(|e| panic!("{text}\n{e}"))
}

/// A query with an optional filter, `$orderby` keys (`"name desc"`), `$skip` and `$top`.
pub fn query(
    schema: &EntitySchema,
    text: Option<&str>,
    order_by: &[&str],
    skip: u64,
    top: Option<u64>,
) -> Query {
    let order_by = order_by
        .iter()
        .map(|k| {
            let (name, desc) = match k.strip_suffix(" desc") {
                Some(n) => (n, true),
                None => (k.strip_suffix(" asc").unwrap_or(k), false),
            };
            let field = schema
                .lookup(name)
                .unwrap_or_else(|| panic!("no field {name}"));
            OrderKey {
                field: ir::FieldRef {
                    var: 0,
                    path: vec![field.clone()],
                    ty: field.ty().clone(),
                },
                descending: desc,
            }
        })
        .collect();
    Query {
        filter: text.map(|t| filter(schema, t)),
        order_by,
        skip,
        top,
        select: None,
        count: false,
    }
}

/// The `WHERE` condition for `text` in `dialect`, over table `t`.
pub fn where_sql(schema: &EntitySchema, text: &str, dialect: &dyn Dialect) -> sql::SqlQuery {
    sql::where_clause(&filter(schema, text), schema, "t", dialect)
        .unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// The lines of an NDJSON file.
pub fn ndjson(text: &str) -> Vec<&str> {
    text.lines().filter(|l| !l.trim().is_empty()).collect()
}

/// `schema` with every field filterable, complex members included (the catalogue whitelists
/// only what Defender documents; the tests also filter on `scope`, `relatedFileInfo/...`).
pub fn all_filterable(schema: &EntitySchema) -> EntitySchema {
    let mut b = EntitySchema::builder(schema.name(), schema.entity_set());
    for f in schema.fields() {
        b = b.field(open_field(f));
    }
    for (name, desc) in schema.default_order() {
        b = b.default_order(name.as_str(), *desc);
    }
    b.key(schema.key())
        .lenient_enums(schema.lenient_enums())
        .build()
        .unwrap()
}

fn open_type(ty: &FieldType) -> FieldType {
    match ty {
        FieldType::Complex(c) => {
            let mut open = ComplexType::new(c.name());
            for f in c.fields() {
                open = open.field(open_field(f));
            }
            open.into()
        }
        FieldType::Collection(item) => FieldType::collection(open_type(item)),
        other => other.clone(),
    }
}

fn open_field(f: &Field) -> Field {
    let mut g = Field::new(f.name(), open_type(f.ty()))
        .nullable(f.is_nullable())
        .filterable(true)
        .sortable(f.is_sortable())
        .with_json_path(f.json_path().to_vec())
        .with_column(f.column());
    for a in f.aliases() {
        g = g.alias(a.as_str());
    }
    for p in f.alt_json_paths() {
        g = g.alt_json_path(p.clone());
    }
    g
}

/// A reference implementation of the evaluator's semantics, written from its specification,
/// to check the SQL backends against until the real evaluator is merged (`differential.rs`
/// then compares with it too).
pub mod oracle {
    use chrono::{Datelike, Timelike};
    use odata_filter::ir::{CmpOp, Expr, ExprKind, FieldRef, Function, LambdaKind};
    use odata_filter::query::Query;
    use odata_filter::schema::{ComplexType, EntitySchema, Field, FieldType};
    use odata_filter::value::Value;
    use serde_json::Value as Json;
    use std::cmp::Ordering;

    struct Env<'j> {
        root: &'j Json,
        elems: Vec<&'j Json>,
    }

    /// Whether `filter` is true for `record`.
    pub fn matches(filter: &Expr, record: &Json) -> bool {
        let env = Env {
            root: record,
            elems: Vec::new(),
        };
        tri(filter, &env) == Some(true)
    }

    fn root<'j>(r: &FieldRef, env: &Env<'j>) -> &'j Json {
        if r.var == 0 {
            env.root
        } else {
            env.elems[r.var - 1]
        }
    }

    fn cmp(op: CmpOp, a: &Value, b: &Value) -> bool {
        match (a.is_null(), b.is_null()) {
            (true, true) => op == CmpOp::Eq,
            (true, false) | (false, true) => op == CmpOp::Ne,
            _ => match a.compare(b) {
                Some(o) => op.holds(o),
                None => op == CmpOp::Ne,
            },
        }
    }

    fn tri(e: &Expr, env: &Env) -> Option<bool> {
        match e.kind() {
            ExprKind::Not(x) => tri(x, env).map(|b| !b),
            ExprKind::And(xs) => {
                let vs: Vec<_> = xs.iter().map(|x| tri(x, env)).collect();
                if vs.contains(&Some(false)) {
                    Some(false)
                } else if vs.iter().all(|v| *v == Some(true)) {
                    Some(true)
                } else {
                    None
                }
            }
            ExprKind::Or(xs) => {
                let vs: Vec<_> = xs.iter().map(|x| tri(x, env)).collect();
                if vs.contains(&Some(true)) {
                    Some(true)
                } else if vs.iter().all(|v| *v == Some(false)) {
                    Some(false)
                } else {
                    None
                }
            }
            ExprKind::Compare { op, lhs, rhs } => Some(cmp(*op, &eval(lhs, env), &eval(rhs, env))),
            ExprKind::In { expr, list } => {
                let x = eval(expr, env);
                Some(list.iter().any(|v| cmp(CmpOp::Eq, &x, v)))
            }
            ExprKind::Lambda {
                kind,
                collection,
                predicate,
                ..
            } => {
                let items: &[Json] = match collection.value_in(root(collection, env)) {
                    Some(Json::Array(a)) => a,
                    _ => &[],
                };
                let holds = |el: &Json| {
                    let mut elems = env.elems.clone();
                    elems.push(el);
                    let inner = Env {
                        root: env.root,
                        elems,
                    };
                    predicate
                        .as_ref()
                        .is_none_or(|p| tri(p, &inner) == Some(true))
                };
                Some(match kind {
                    LambdaKind::Any => items.iter().any(holds),
                    LambdaKind::All => items.iter().all(holds),
                })
            }
            _ => match eval(e, env) {
                Value::Bool(b) => Some(b),
                _ => None,
            },
        }
    }

    fn text(v: Value) -> Option<String> {
        match v {
            Value::String(s) | Value::Enum(s) => Some(s),
            _ => None,
        }
    }

    fn eval(e: &Expr, env: &Env) -> Value {
        match e.kind() {
            ExprKind::Const(v) => v.clone(),
            ExprKind::Field(r) => r.typed_value_in(root(r, env)),
            ExprKind::Call { func, args } => {
                let vals: Vec<Value> = args.iter().map(|a| eval(a, env)).collect();
                if vals.iter().any(Value::is_null) {
                    return Value::Null;
                }
                call(*func, vals)
            }
            _ => tri(e, env).map_or(Value::Null, Value::Bool),
        }
    }

    fn call(func: Function, vals: Vec<Value>) -> Value {
        let mut it = vals.into_iter();
        let mut next = || it.next().unwrap_or(Value::Null);
        let s = |v: Value| text(v).unwrap_or_default();
        let int = |v: Value| match v {
            Value::Int(i) => i,
            _ => 0,
        };
        match func {
            Function::Contains => Value::Bool(s(next()).contains(&s(next()))),
            Function::StartsWith => Value::Bool(s(next()).starts_with(&s(next()))),
            Function::EndsWith => Value::Bool(s(next()).ends_with(&s(next()))),
            Function::Length => Value::Int(s(next()).chars().count() as i64),
            Function::IndexOf => {
                let (a, b) = (s(next()), s(next()));
                Value::Int(a.find(&b).map_or(-1, |i| a[..i].chars().count() as i64))
            }
            Function::Substring => {
                let a = s(next());
                let start = int(next()).max(0) as usize;
                let rest = a.chars().skip(start);
                Value::String(match next() {
                    Value::Int(n) if n < 0 => String::new(),
                    Value::Int(n) => rest.take(n as usize).collect(),
                    _ => rest.collect(),
                })
            }
            Function::ToLower => Value::String(s(next()).to_ascii_lowercase()),
            Function::ToUpper => Value::String(s(next()).to_ascii_uppercase()),
            Function::Trim => Value::String(s(next()).trim_matches(' ').to_owned()),
            Function::Concat => Value::String(s(next()) + &s(next())),
            Function::Year | Function::Month | Function::Day => {
                let d = match next() {
                    Value::Date(d) => d,
                    Value::DateTimeOffset(t) => t.date_naive(),
                    _ => return Value::Null,
                };
                Value::Int(i64::from(match func {
                    Function::Year => d.year(),
                    Function::Month => d.month() as i32,
                    _ => d.day() as i32,
                }))
            }
            Function::Hour | Function::Minute | Function::Second => {
                let t = match next() {
                    Value::TimeOfDay(t) => t,
                    Value::DateTimeOffset(t) => t.time(),
                    _ => return Value::Null,
                };
                Value::Int(i64::from(match func {
                    Function::Hour => t.hour(),
                    Function::Minute => t.minute(),
                    _ => t.second(),
                }))
            }
            Function::Date => match next() {
                Value::DateTimeOffset(t) => Value::Date(t.date_naive()),
                _ => Value::Null,
            },
            Function::Time => match next() {
                Value::DateTimeOffset(t) => Value::TimeOfDay(t.time()),
                _ => Value::Null,
            },
            _ => Value::Null,
        }
    }

    /// Null is the smallest value.
    fn order(a: &Value, b: &Value) -> Ordering {
        match (a.is_null(), b.is_null()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            _ => a.compare(b).unwrap_or(Ordering::Equal),
        }
    }

    /// The positions of the records `query` selects, in order: filter, sort by the order keys
    /// (or the default order), then the key ascending, then input order; skip and top.
    pub fn select(query: &Query, schema: &EntitySchema, records: &[Json]) -> Vec<usize> {
        let mut keys: Vec<(FieldRef, bool)> = query
            .order_by
            .iter()
            .map(|k| (k.field.clone(), k.descending))
            .collect();
        if keys.is_empty() {
            for (name, desc) in schema.default_order() {
                let f = schema.lookup(name).unwrap();
                let r = FieldRef {
                    var: 0,
                    path: vec![f.clone()],
                    ty: f.ty().clone(),
                };
                keys.push((r, *desc));
            }
        }
        let key = schema.key_field();
        keys.push((
            FieldRef {
                var: 0,
                path: vec![key.clone()],
                ty: key.ty().clone(),
            },
            false,
        ));
        let mut hits: Vec<usize> = (0..records.len())
            .filter(|&i| {
                query
                    .filter
                    .as_ref()
                    .is_none_or(|f| matches(f, &records[i]))
            })
            .collect();
        hits.sort_by(|&a, &b| {
            for (r, desc) in &keys {
                let o = order(
                    &r.typed_value_in(&records[a]),
                    &r.typed_value_in(&records[b]),
                );
                let o = if *desc { o.reverse() } else { o };
                if o != Ordering::Equal {
                    return o;
                }
            }
            a.cmp(&b)
        });
        let skip = usize::try_from(query.skip).unwrap_or(usize::MAX);
        let top = query
            .top
            .map_or(usize::MAX, |t| usize::try_from(t).unwrap_or(usize::MAX));
        hits.into_iter().skip(skip).take(top).collect()
    }
}
