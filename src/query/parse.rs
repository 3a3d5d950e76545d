//! Reading a raw query string into a checked [`Query`]: splitting, decoding, and each option's value.

use super::alias;
use super::decode::{decode, Decoded};
use super::error::{Error, ErrorKind};
use super::{OrderKey, Query, QueryOptions, MAX_SKIP, OPTION_NAMES};
use crate::check::{members, PathProblem};
use crate::ir::FieldRef;
use crate::schema::{EntitySchema, Field, FieldType};
use crate::span::Span;
use crate::suggest::closest_name;
use crate::syntax::is_alias_name;

/// See [`QueryOptions::parse`].
pub(super) fn parse(
    opts: &QueryOptions,
    schema: &EntitySchema,
    raw: &str,
) -> Result<(Query, Vec<(String, String)>), crate::Error> {
    let fail = |kind: ErrorKind, span: Span| crate::Error::Query(Error::new(kind, span, raw));
    let decoded = |span: Span| decode(raw, span).map_err(|(kind, span)| fail(kind, span));

    let mut query = Query::default();
    let mut rest = Vec::new();
    let mut seen: Vec<(&'static str, Span)> = Vec::new();
    let start = usize::from(raw.starts_with('?'));
    let segments = segments(raw, start);
    // The parameter aliases first: `$filter` may come before them.
    let mut aliases: Vec<alias::Def<'_>> = Vec::new();
    for &(name_span, value_span) in &segments {
        let name = decoded(name_span)?;
        let Some(alias_name) = name.text.strip_prefix('@') else {
            continue;
        };
        if !is_alias_name(alias_name) {
            let kind = ErrorKind::InvalidAliasName {
                name: name.text.to_string(),
            };
            return Err(fail(kind, name_span));
        }
        if let Some(first) = aliases.iter().find(|d| d.name == alias_name) {
            let kind = ErrorKind::RepeatedAlias {
                name: alias_name.to_owned(),
                first: first.name_span,
            };
            return Err(fail(kind, name_span));
        }
        let value_span = value_span.unwrap_or(Span::at(name_span.end));
        aliases.push(alias::Def {
            name: alias_name.to_owned(),
            name_span,
            value: decoded(value_span)?,
            value_span,
        });
    }
    for (name_span, value_span) in segments {
        let name = decoded(name_span)?;
        // With `dollar_optional`, `filter` is `$filter` (in any case, as `$filter` is).
        let bare = !name.text.starts_with('$');
        let dollarless = bare
            && opts.dollar_optional
            && OPTION_NAMES
                .iter()
                .any(|o| o[1..].eq_ignore_ascii_case(&name.text));
        if bare && !dollarless {
            // Custom options and parameter aliases (which may be for the caller's own path,
            // such as a function's parameters) are handed back.
            let value = match value_span {
                Some(span) => decoded(span)?.text.into_owned(),
                None => String::new(),
            };
            rest.push((name.text.into_owned(), value));
            continue;
        }
        let Some(&option) = OPTION_NAMES.iter().find(|o| {
            let o = if dollarless { &o[1..] } else { o };
            o.eq_ignore_ascii_case(&name.text)
        }) else {
            let suggestion = closest_name(&name.text, OPTION_NAMES.iter().copied());
            let kind = ErrorKind::UnknownOption {
                name: name.text.into_owned(),
                suggestion,
            };
            return Err(fail(kind, name_span));
        };
        if let Some(&(_, first)) = seen.iter().find(|(o, _)| *o == option) {
            let kind = ErrorKind::RepeatedOption {
                name: option,
                first,
            };
            return Err(fail(kind, name_span));
        }
        seen.push((option, name_span));
        let value = match value_span {
            Some(span) => decoded(span)?,
            None => decoded(Span::at(name_span.end))?,
        };
        if value.text.trim().is_empty() {
            let span = value_span.unwrap_or(Span::at(name_span.end));
            return Err(fail(ErrorKind::EmptyValue { name: option }, span));
        }
        let mut p = OptionParser {
            opts,
            schema,
            option,
            value: &value,
        };
        let result = match option {
            "$filter" => {
                query.filter = Some(opts.query_filter(schema, &value.text, raw, &aliases)?);
                Ok(())
            }
            "$top" => p.top().map(|n| query.top = Some(n)),
            "$skip" => p.skip().map(|n| query.skip = n),
            "$count" => p.count().map(|b| query.count = b),
            "$orderby" => p.order_by().map(|keys| query.order_by = keys),
            "$select" => p.select().map(|fields| query.select = fields),
            _ => p.expand().map(|names| query.expand = names),
        };
        result.map_err(|(kind, span)| fail(kind, span))?;
    }
    Ok((query, rest))
}

/// The non-empty `&`-separated parameters of `raw` from `start`: the span of each name and of
/// its value (after `=`, if there is one).
fn segments(raw: &str, start: usize) -> Vec<(Span, Option<Span>)> {
    let mut out = Vec::new();
    let mut offset = start;
    for segment in raw[start..].split('&') {
        let seg = Span::new(offset, offset + segment.len());
        offset = seg.end + 1;
        if segment.is_empty() {
            continue;
        }
        out.push(match segment.find('=') {
            Some(i) => (
                Span::new(seg.start, seg.start + i),
                Some(Span::new(seg.start + i + 1, seg.end)),
            ),
            None => (seg, None),
        });
    }
    out
}

/// Parses the decoded value of one option; errors carry a span into the raw query.
struct OptionParser<'a> {
    opts: &'a QueryOptions,
    schema: &'a EntitySchema,
    option: &'static str,
    value: &'a Decoded<'a>,
}

type Parsed<T> = Result<T, (ErrorKind, Span)>;

/// Whether `s` is a non-empty run of ASCII digits.
fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

impl<'a> OptionParser<'a> {
    fn top(&mut self) -> Parsed<u64> {
        let (text, span) = self.value.trimmed();
        let max = self.opts.max_top;
        if !is_digits(text) {
            let value = text.to_owned();
            return Err((ErrorKind::InvalidTop { value, max }, span));
        }
        match text.parse::<u64>() {
            Ok(n) if n <= max => Ok(n),
            _ => Err((ErrorKind::TopTooLarge { max }, span)),
        }
    }

    fn skip(&mut self) -> Parsed<u64> {
        let (text, span) = self.value.trimmed();
        match text.parse::<u64>() {
            Ok(n) if is_digits(text) && n <= MAX_SKIP => Ok(n),
            _ => {
                let value = text.to_owned();
                Err((ErrorKind::InvalidSkip { value }, span))
            }
        }
    }

    fn count(&mut self) -> Parsed<bool> {
        let (text, span) = self.value.trimmed();
        if text.eq_ignore_ascii_case("true") {
            Ok(true)
        } else if text.eq_ignore_ascii_case("false") {
            Ok(false)
        } else {
            let value = text.to_owned();
            Err((ErrorKind::InvalidCount { value }, span))
        }
    }

    /// The comma-separated items of the value, trimmed, with their raw spans.
    /// An empty item is an error.
    fn items(&self) -> Parsed<Vec<(&'a str, Span, usize)>> {
        let text = &*self.value.text;
        let mut out = Vec::new();
        let mut offset = 0;
        for item in text.split(',') {
            let lead = item.len() - item.trim_start().len();
            let trimmed = item.trim();
            let start = offset + lead;
            let span = Span::new(start, start + trimmed.len());
            if trimmed.is_empty() {
                let name = self.option;
                return Err((ErrorKind::EmptyItem { name }, self.value.raw_span(span)));
            }
            out.push((trimmed, self.value.raw_span(span), start));
            offset += item.len() + 1;
        }
        Ok(out)
    }

    /// Reports a second occurrence of `field` in this option's list.
    fn duplicate(&self, field: &str, span: Span) -> (ErrorKind, Span) {
        let kind = ErrorKind::DuplicateItem {
            option: self.option,
            name: field.to_owned(),
        };
        (kind, span)
    }

    /// Resolves the `$orderby` key `name` (at decoded `span`): a sortable field, or a path
    /// through structured fields to a sortable member (`relatedFileInfo/fileIdentifier`),
    /// with the member-path resolver of `$filter`.
    fn order_key_path(&self, name: &str, span: Span) -> Parsed<FieldRef> {
        let schema = self.schema;
        let raw = |s: Span| self.value.raw_span(s);
        let sortable = || -> Vec<String> {
            schema
                .sortable_fields()
                .map(|f| f.name().to_owned())
                .collect()
        };
        // Segments with their decoded offsets.
        let mut segments = Vec::new();
        let mut at = span.start;
        for seg in name.split('/') {
            segments.push((seg, Span::new(at, at + seg.len())));
            at += seg.len() + 1;
        }
        let (first, first_span) = segments[0];
        // Structured values are stepped through; the member reached must be sortable.
        let step = |f: &Field| f.is_sortable() || f.ty().as_complex().is_some();
        let top = match schema.lookup(first) {
            Some(f) if step(f) => f,
            Some(f) => {
                let kind = ErrorKind::NotSortable {
                    entity: schema.name().to_owned(),
                    name: f.name().to_owned(),
                    sortable: sortable(),
                };
                return Err((kind, raw(first_span)));
            }
            None => {
                let names = sortable();
                let suggestion =
                    closest_name(first, names.iter().map(String::as_str)).map(str::to_owned);
                let kind = ErrorKind::UnknownOrderBy {
                    entity: schema.name().to_owned(),
                    name: first.to_owned(),
                    suggestion,
                    sortable: names,
                };
                return Err((kind, raw(first_span)));
            }
        };
        let (path, ty) = members(top.ty().clone(), vec![top.clone()], &segments, step).map_err(
            |(problem, at)| {
                let kind = match problem {
                    PathProblem::NotAllowed {
                        entity,
                        name,
                        allowed,
                    } => ErrorKind::NotSortable {
                        entity,
                        name,
                        sortable: allowed,
                    },
                    PathProblem::Unknown {
                        entity,
                        name,
                        suggestion,
                        allowed,
                    } => ErrorKind::UnknownOrderBy {
                        entity,
                        name,
                        suggestion,
                        sortable: allowed,
                    },
                    PathProblem::NoMembers { name, .. } => ErrorKind::InvalidOrderBy {
                        expected: "a member of a structured value",
                        found: format!("'/' after '{name}', which has no members"),
                    },
                };
                (kind, raw(at))
            },
        )?;
        let leaf = &path[path.len() - 1];
        if !leaf.is_sortable() {
            // A structured value itself: it has no order.
            let (entity, allowed) = match path.len() {
                1 => (schema.name().to_owned(), sortable()),
                n => {
                    let parent = path[n - 2].ty().as_complex();
                    let names = parent.map_or_else(Vec::new, |c| {
                        c.fields()
                            .iter()
                            .filter(|f| step(f))
                            .map(|f| f.name().to_owned())
                            .collect()
                    });
                    (display(&path[..n - 1]), names)
                }
            };
            let kind = ErrorKind::NotSortable {
                entity,
                name: leaf.name().to_owned(),
                sortable: allowed,
            };
            let last = segments[segments.len() - 1].1;
            return Err((kind, raw(last)));
        }
        Ok(FieldRef::member(path, ty))
    }

    fn order_by(&mut self) -> Parsed<Vec<OrderKey>> {
        let mut keys: Vec<OrderKey> = Vec::new();
        for (item, _, start) in self.items()? {
            // Words with their decoded offsets.
            let mut words = Vec::new();
            let mut at = 0;
            for w in item.split_whitespace() {
                let i = at + item[at..].find(w).unwrap_or(0);
                words.push((w, Span::new(start + i, start + i + w.len())));
                at = i + w.len();
            }
            let raw = |s: Span| self.value.raw_span(s);
            let Some(&(name, name_span)) = words.first() else {
                continue;
            };
            let field = self.order_key_path(name, name_span)?;
            let descending = match words.get(1) {
                None => false,
                Some((w, _)) if w.eq_ignore_ascii_case("asc") => false,
                Some((w, _)) if w.eq_ignore_ascii_case("desc") => true,
                Some((w, span)) => {
                    let kind = ErrorKind::InvalidOrderBy {
                        expected: "'asc' or 'desc'",
                        found: format!("'{w}'"),
                    };
                    return Err((kind, raw(*span)));
                }
            };
            if let Some((w, span)) = words.get(2) {
                let kind = ErrorKind::InvalidOrderBy {
                    expected: "',' or the end of $orderby",
                    found: format!("'{w}'"),
                };
                return Err((kind, raw(*span)));
            }
            if keys.iter().any(|k| k.field.path == field.path) {
                return Err(self.duplicate(&field.display_path(), raw(name_span)));
            }
            keys.push(OrderKey { field, descending });
        }
        Ok(keys)
    }

    fn select(&mut self) -> Parsed<Option<Vec<Field>>> {
        if self.value.text.trim() == "*" {
            return Ok(None);
        }
        let schema = self.schema;
        let mut fields: Vec<Field> = Vec::new();
        for (name, span, _) in self.items()? {
            let Some(field) = schema.lookup(name) else {
                let names: Vec<String> = schema
                    .fields()
                    .iter()
                    .map(|f| f.name().to_owned())
                    .collect();
                let suggestion =
                    closest_name(name, names.iter().map(String::as_str)).map(str::to_owned);
                let kind = ErrorKind::UnknownSelect {
                    entity: schema.name().to_owned(),
                    name: name.to_owned(),
                    suggestion,
                    fields: names,
                };
                return Err((kind, span));
            };
            if fields.contains(field) {
                return Err(self.duplicate(field.name(), span));
            }
            fields.push(field.clone());
        }
        Ok(Some(fields))
    }

    fn expand(&mut self) -> Parsed<Vec<String>> {
        let schema = self.schema;
        let expandable =
            |f: &Field| matches!(f.ty(), FieldType::Complex(_) | FieldType::Collection(_));
        let mut names: Vec<String> = Vec::new();
        for (name, span, _) in self.items()? {
            let field = match schema.lookup(name) {
                Some(f) if expandable(f) => f,
                _ => {
                    let kind = ErrorKind::InvalidExpand {
                        entity: schema.name().to_owned(),
                        name: name.to_owned(),
                        expandable: schema
                            .fields()
                            .iter()
                            .filter(|f| expandable(f))
                            .map(|f| f.name().to_owned())
                            .collect(),
                    };
                    return Err((kind, span));
                }
            };
            if names.iter().any(|n| n == field.name()) {
                return Err(self.duplicate(field.name(), span));
            }
            names.push(field.name().to_owned());
        }
        Ok(names)
    }
}

/// A path in canonical names, `relatedFileInfo/fileIdentifier`.
fn display(path: &[Field]) -> String {
    path.iter().map(Field::name).collect::<Vec<_>>().join("/")
}
