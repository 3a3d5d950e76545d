//! The checker: whitelists, type rules, and the rendered text of every error kind.

mod common;

use odata_filter::check::{self, ErrorKind};
use odata_filter::schema::{catalog, EntitySchema};
use odata_filter::syntax;

fn checked(schema: &EntitySchema, filter: &str) -> String {
    let tree = syntax::parse(filter).unwrap_or_else(|e| panic!("{e}"));
    match check::check(schema, &tree, filter) {
        Ok(e) => e.to_string(),
        Err(e) => panic!("{filter}\n{e}"),
    }
}

fn errors(schema: &EntitySchema, filter: &str) -> check::Errors {
    let tree = syntax::parse(filter).unwrap_or_else(|e| panic!("{e}"));
    match check::check(schema, &tree, filter) {
        Ok(e) => panic!("{filter} checked as {e}"),
        Err(e) => e,
    }
}

fn ma() -> EntitySchema {
    catalog::machine_action()
}

#[test]
fn every_defender_query_checks_against_its_entity() {
    let mut n = 0;
    for (entity, query) in common::defender_queries() {
        let schema = catalog::by_name(&entity).unwrap_or_else(|| panic!("no entity {entity}"));
        for pair in query.split('&') {
            let (name, value) = pair.split_once('=').unwrap();
            if common::form_decode(name) == "$filter" {
                let filter = common::form_decode(value);
                let text = checked(&schema, &filter);
                // The canonical form checks again, to the same text.
                assert_eq!(checked(&schema, &text), text);
                n += 1;
            }
        }
    }
    assert_eq!(n, 20);
}

#[test]
fn canonical_forms() {
    let s = ma();
    assert_eq!(
        checked(
            &s,
            "MACHINEID EQ 'f46b' and CreationDateTimeUtc gt 2018-08-01Z"
        ),
        "machineId eq 'f46b' and creationDateTimeUtc gt 2018-08-01T00:00:00Z"
    );
    assert_eq!(
        checked(&s, "status in ('Pending')"),
        "status in ('Pending')"
    );
    assert_eq!(
        checked(&s, "creationDateTimeUtc gt 2018-08-01T02:00:00.5+02:00"),
        "creationDateTimeUtc gt 2018-08-01T00:00:00.5Z"
    );
    assert_eq!(
        checked(&s, "id eq '2E9DA30D-27F6-4208-81F2-9CD3D67893BA'"),
        "id eq 2e9da30d-27f6-4208-81f2-9cd3d67893ba"
    );
    assert_eq!(
        checked(
            &s,
            "startswith(tolower(requestor),'analyst') and not (type eq 'Isolate')"
        ),
        "startswith(tolower(requestor), 'analyst') and not (type eq 'Isolate')"
    );
    let m = catalog::machine();
    assert_eq!(
        checked(
            &m,
            "machineTags/any(tag: tag eq 'ExampleTag') and onboardingstatus eq 'onboarded'"
        ),
        "machineTags/any(tag: tag eq 'ExampleTag') and onboardingStatus eq 'onboarded'"
    );
}

#[test]
fn all_errors_are_reported() {
    let e = errors(
        &ma(),
        "machinId eq 'x' and status eq 'Done' and requestorComment eq 'y'",
    );
    let kinds: Vec<_> = e.errors().iter().map(|e| e.kind().clone()).collect();
    assert_eq!(kinds.len(), 3);
    assert!(matches!(kinds[0], ErrorKind::UnknownField { .. }));
    assert!(matches!(kinds[1], ErrorKind::UnknownEnumMember { .. }));
    assert!(matches!(kinds[2], ErrorKind::NotFilterable { .. }));
}

/// Pins the full rendered text of the first error for `filter`.
fn renders(schema: &EntitySchema, filter: &str, expected: &str) {
    let e = errors(schema, filter);
    assert_eq!(e.to_string(), expected, "\n{e}");
}

#[test]
fn error_unknown_field() {
    renders(
        &ma(),
        "machinId eq 'x'",
        "error: unknown field 'machinId' on MachineAction; did you mean 'machineId'?\n  |\n\
         1 | machinId eq 'x'\n  | ^^^^^^^^\n  = filterable fields: id, type, requestor, status, machineId, creationDateTimeUtc\n",
    );
}
