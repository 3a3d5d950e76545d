//! The built-in Microsoft Defender for Endpoint entity schemas (MachineAction, Alert, ...),
//! read from the JSON schema files in `data/` (feature `defender`).
//!
//! Each entity declares its documented properties with their documented types, and exactly the
//! documented `$filter` properties are filterable; everything else is declared but not
//! filterable. Sources are the `MicrosoftDocs/defender-docs` pages under
//! `defender-endpoint/api/` named on each function.
//!
//! The schemas are data, not code: one file per entity set, `data/<name>.schema.json` for each
//! name of [`NAMES`] (`data/machineactions.schema.json`, ...), in the [JSON schema
//! format](super::json), embedded in the library with `include_str!` and read with
//! [`EntitySchema::from_json_str`], as an application reads its own. The files can be copied
//! as a starting point for an application's own schemas (`odata-filter --schema FILE`).
//!
//! The catalogue schemas are strict about enum members: `status eq 'Done'` is an error that
//! lists the members and suggests the closest. Defender itself answers such a query with an
//! empty list, and its documented member lists are known to lag real output (`"Live Response"`
//! was seen for `LiveResponse`); [`EntitySchema::with_lenient_enums`] turns that behaviour on.

use std::sync::OnceLock;

use super::EntitySchema;

/// The URL collection names accepted by [`by_name`], e.g. for `--help`.
pub const NAMES: &[&str] = &[
    "machineactions",
    "investigations",
    "machines",
    "alerts",
    "indicators",
];

/// The schema files, in the order of [`NAMES`].
const FILES: [&str; 5] = [
    include_str!("../../data/machineactions.schema.json"),
    include_str!("../../data/investigations.schema.json"),
    include_str!("../../data/machines.schema.json"),
    include_str!("../../data/alerts.schema.json"),
    include_str!("../../data/indicators.schema.json"),
];

/// The catalogue schemas in the order of [`NAMES`], each file read once.
fn catalogue() -> &'static [EntitySchema] {
    static SCHEMAS: OnceLock<Vec<EntitySchema>> = OnceLock::new();
    SCHEMAS.get_or_init(|| {
        NAMES
            .iter()
            .zip(FILES)
            .map(|(name, text)| {
                // The files are fixed and checked by tests, so this cannot fail.
                EntitySchema::from_json_str(text).unwrap_or_else(|e| {
                    panic!("the built-in schema data/{name}.schema.json is invalid: {e}")
                })
            })
            .collect()
    })
}

/// The catalogue schema at `index` of [`NAMES`].
fn schema(index: usize) -> EntitySchema {
    catalogue()[index].clone()
}

/// The schema for a collection name (`machineactions`) or entity name (`MachineAction`),
/// matched case-insensitively; `None` for other names.
pub fn by_name(name: &str) -> Option<EntitySchema> {
    NAMES
        .iter()
        .zip(catalogue())
        .find(|(collection, schema)| {
            name.eq_ignore_ascii_case(collection) || name.eq_ignore_ascii_case(schema.name())
        })
        .map(|(_, schema)| schema.clone())
}

/// All catalogue schemas, in the order of [`NAMES`].
pub fn all() -> Vec<EntitySchema> {
    catalogue().to_vec()
}

/// `MachineAction` in `MachineActions` (machineaction.md; filterable per
/// get-machineactions-collection.md: `id`, `status`, `machineId`, `type`, `requestor`,
/// `creationDateTimeUtc`). File: `data/machineactions.schema.json`.
///
/// Notes:
/// - `lastUpdateDateTimeUtc` also answers to `lastUpdateTimeUtc`, the name in the list
///   examples, and reads either JSON key from records.
/// - `externalId` (the key seen in real output) also answers to the documented `externalID`.
/// - `commands` holds live-response command objects, as in run-live-response.md.
/// - Default order: `creationDateTimeUtc desc` (the "latest" example lists newest first).
pub fn machine_action() -> EntitySchema {
    schema(0)
}

/// `Investigation` in `Investigations` (investigation.md; filterable per
/// get-investigation-collection.md: `startTime`, `id`, `state`, `machineId`,
/// `triggeringAlertId`). `id` is a numeric string such as `"63004"`. Default order:
/// `startTime desc`. File: `data/investigations.schema.json`.
pub fn investigation() -> EntitySchema {
    schema(1)
}

/// `Machine` in `Machines` (machine.md; filterable per get-machines.md: `computerDnsName`,
/// `id`, `version`, `deviceValue`, `aadDeviceId`, `machineTags`, `lastSeen`, `exposureLevel`,
/// `onboardingStatus`, `lastIpAddress`, `healthStatus`, `osPlatform`, `riskScore`,
/// `rbacGroupId`). File: `data/machines.schema.json`.
///
/// `rbacGroupId` is `Edm.Int64` because the JSON examples carry a number (`140`).
/// `isAadJoined` appears only in example JSON and is declared, not filterable.
/// `machineTags` is filterable as a collection (`machineTags/any(t: t eq 'x')`) but, like
/// every collection, not sortable. Default order: `lastSeen desc`.
pub fn machine() -> EntitySchema {
    schema(2)
}

/// `Alert` in `Alerts` (alerts.md; filterable per get-alerts.md: `alertCreationTime`,
/// `lastUpdateTime`, `incidentId`, `investigationId`, `id`, `assignedTo`, `detectionSource`,
/// `lastEventTime`, `status`, `severity`, `category`). File: `data/alerts.schema.json`.
///
/// get-alerts.md spells `assignedTo` as `asssignedTo`, which is accepted as an alias.
/// `evidence` (alerts.md's evidence items) is only filled with `$expand=evidence`.
/// `Defender.InvestigationState` is the type of Investigation.state too. Default order:
/// `alertCreationTime desc`.
pub fn alert() -> EntitySchema {
    schema(3)
}

/// `Indicator` in `Indicators` (ti-indicator.md; filterable per
/// get-ti-indicators-collection.md: `application`, `createdByDisplayName`, `expirationTime`,
/// `generateAlert`, `title`, `rbacGroupNames`, `rbacGroupIds`, `indicatorValue`,
/// `indicatorType`, `creationTimeDateTimeUtc`, `createdBy`, `action`, `severity`). File:
/// `data/indicators.schema.json`.
///
/// `rbacGroupIds` is a list of strings, as ti-indicator.md types it. `createdByDisplayName`
/// is filterable but missing from the property table; `source` appears only in the example
/// JSON. Default order: `creationTimeDateTimeUtc desc`.
pub fn indicator() -> EntitySchema {
    schema(4)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Field, FieldType};

    fn filterable(schema: &EntitySchema) -> Vec<&str> {
        let mut names: Vec<&str> = schema.filterable_fields().map(Field::name).collect();
        names.sort_unstable();
        names
    }

    fn sorted(mut names: Vec<&str>) -> Vec<&str> {
        names.sort_unstable();
        names
    }

    fn ty(schema: &EntitySchema, name: &str) -> String {
        schema
            .lookup(name)
            .unwrap_or_else(|| panic!("no field {name}"))
            .ty()
            .to_string()
    }

    #[test]
    fn machine_action_filterable_set() {
        let s = machine_action();
        assert_eq!(
            filterable(&s),
            sorted(vec![
                "id",
                "status",
                "machineId",
                "type",
                "requestor",
                "creationDateTimeUtc"
            ])
        );
        let sortable: Vec<_> = s.sortable_fields().map(Field::name).collect();
        assert_eq!(
            sorted(sortable),
            sorted(vec![
                "id",
                "status",
                "machineId",
                "type",
                "requestor",
                "creationDateTimeUtc",
                "lastUpdateDateTimeUtc"
            ])
        );
    }

    #[test]
    fn machine_action_fields() {
        let s = machine_action();
        assert_eq!(
            (s.name(), s.entity_set(), s.key()),
            ("MachineAction", "MachineActions", "id")
        );
        assert_eq!(
            s.default_order(),
            [("creationDateTimeUtc".to_owned(), true)]
        );
        assert_eq!(ty(&s, "id"), "Edm.Guid");
        assert_eq!(ty(&s, "type"), "Defender.MachineActionType");
        assert_eq!(ty(&s, "status"), "Defender.MachineActionStatus");
        assert_eq!(ty(&s, "creationDateTimeUtc"), "Edm.DateTimeOffset");
        assert_eq!(
            ty(&s, "commands"),
            "Collection(Defender.LiveResponseCommand)"
        );
        let status = s.lookup("status").unwrap().ty().as_enum().unwrap();
        assert_eq!(status.member("Cancelled"), Some("Cancelled"));
        assert_eq!(status.suggest("Canceled"), Some("Cancelled"));
        let kind = s.lookup("type").unwrap().ty().as_enum().unwrap();
        assert_eq!(kind.members().len(), 9);
        assert_eq!(kind.member("LiveResponse"), Some("LiveResponse"));
        assert!(s.lookup("scope").unwrap().is_nullable());
        assert!(s.lookup("cancellationDateTimeUtc").unwrap().is_nullable());
        assert!(!s.lookup("creationDateTimeUtc").unwrap().is_nullable());
        assert_eq!(s.lookup("externalID").unwrap().name(), "externalId");

        let info = s.lookup("relatedFileInfo").unwrap();
        assert!(info.is_nullable());
        let info = info.ty().as_complex().unwrap();
        assert_eq!(
            info.lookup("fileIdentifier").unwrap().ty(),
            &FieldType::String
        );
        let hash = info.lookup("fileIdentifierType").unwrap();
        assert_eq!(hash.column(), "relatedFileInfo_fileIdentifierType");
        assert_eq!(
            hash.ty().as_enum().unwrap().members(),
            ["Sha1", "Sha256", "Md5"]
        );
    }

    #[test]
    fn machine_action_last_update_reads_both_names() {
        let s = machine_action();
        let f = s.lookup("lastUpdateTimeUtc").unwrap();
        assert_eq!(f.name(), "lastUpdateDateTimeUtc");
        assert_eq!(
            s.lookup("LASTUPDATEDATETIMEUTC").unwrap().name(),
            "lastUpdateDateTimeUtc"
        );
        assert_eq!(f.column(), "lastUpdateDateTimeUtc");
        let old = serde_json::json!({"lastUpdateTimeUtc": "2018-12-04T12:45:25.4049122Z"});
        let new = serde_json::json!({"lastUpdateDateTimeUtc": "2019-01-02T14:40:44.6596267Z"});
        assert_eq!(f.value_in(&old).unwrap(), "2018-12-04T12:45:25.4049122Z");
        assert_eq!(f.value_in(&new).unwrap(), "2019-01-02T14:40:44.6596267Z");
    }

    #[test]
    fn investigation_filterable_set() {
        let s = investigation();
        assert_eq!(
            filterable(&s),
            sorted(vec![
                "startTime",
                "id",
                "state",
                "machineId",
                "triggeringAlertId"
            ])
        );
        assert_eq!(s.default_order(), [("startTime".to_owned(), true)]);
        assert_eq!(ty(&s, "id"), "Edm.String");
        assert!(s.lookup("startTime").unwrap().is_nullable());
        assert!(s.lookup("endTime").unwrap().is_nullable());
        assert_eq!(
            s.lookup("state")
                .unwrap()
                .ty()
                .as_enum()
                .unwrap()
                .members()
                .len(),
            18
        );
    }

    #[test]
    fn machine_filterable_set() {
        let s = machine();
        assert_eq!(
            filterable(&s),
            sorted(vec![
                "computerDnsName",
                "id",
                "version",
                "deviceValue",
                "aadDeviceId",
                "machineTags",
                "lastSeen",
                "exposureLevel",
                "onboardingStatus",
                "lastIpAddress",
                "healthStatus",
                "osPlatform",
                "riskScore",
                "rbacGroupId",
            ])
        );
        assert_eq!(s.default_order(), [("lastSeen".to_owned(), true)]);
    }

    #[test]
    fn machine_fields() {
        let s = machine();
        assert_eq!(
            s.lookup("onboardingstatus").unwrap().name(),
            "onboardingStatus"
        );
        assert_eq!(ty(&s, "machineTags"), "Collection(Edm.String)");
        assert_eq!(ty(&s, "ipAddresses"), "Collection(Defender.IpAddress)");
        assert_eq!(ty(&s, "rbacGroupId"), "Edm.Int64");
        assert_eq!(ty(&s, "aadDeviceId"), "Edm.Guid");
        assert_eq!(ty(&s, "isAadJoined"), "Edm.Boolean");
        assert!(!s.lookup("isAadJoined").unwrap().is_filterable());
        assert!(!s.lookup("rbacGroupName").unwrap().is_filterable());
        for nullable in [
            "osBuild",
            "riskScore",
            "exposureLevel",
            "deviceValue",
            "aadDeviceId",
        ] {
            assert!(s.lookup(nullable).unwrap().is_nullable(), "{nullable}");
        }
        assert_eq!(ty(&s, "osBuild"), "Edm.Int64");
        assert_eq!(ty(&s, "healthStatus"), "Defender.HealthStatus");
        let risk = s.lookup("riskScore").unwrap().ty().as_enum().unwrap();
        assert_eq!(risk.suggest("high"), Some("High"));
        let ip = s
            .lookup("ipAddresses")
            .unwrap()
            .ty()
            .item_type()
            .unwrap()
            .as_complex()
            .unwrap();
        let names: Vec<_> = ip.fields().iter().map(Field::name).collect();
        assert_eq!(names, ["ipAddress", "macAddress", "operationalStatus"]);
    }

    #[test]
    fn alert_filterable_set() {
        let s = alert();
        assert_eq!(
            filterable(&s),
            sorted(vec![
                "alertCreationTime",
                "lastUpdateTime",
                "incidentId",
                "investigationId",
                "id",
                "assignedTo",
                "detectionSource",
                "lastEventTime",
                "status",
                "severity",
                "category",
            ])
        );
        assert_eq!(s.default_order(), [("alertCreationTime".to_owned(), true)]);
    }

    #[test]
    fn alert_fields() {
        let s = alert();
        assert_eq!(s.lookup("asssignedTo").unwrap().name(), "assignedTo");
        assert_eq!(
            s.lookup("InvestigationId").unwrap().name(),
            "investigationId"
        );
        assert_eq!(ty(&s, "incidentId"), "Edm.Int64");
        assert!(s.lookup("incidentId").unwrap().is_nullable());
        assert_eq!(ty(&s, "mitreTechniques"), "Collection(Edm.String)");
        assert_eq!(ty(&s, "evidence"), "Collection(Defender.AlertEvidence)");
        assert_eq!(ty(&s, "comments"), "Collection(Defender.AlertComment)");
        assert_eq!(ty(&s, "relatedUser"), "Defender.RelatedUser");
        assert_eq!(ty(&s, "investigationState"), "Defender.InvestigationState");
        let class = s.lookup("classification").unwrap().ty().as_enum().unwrap();
        assert_eq!(
            class.member("Informational, expected activity"),
            Some("Informational, expected activity")
        );
        let evidence = s.lookup("evidence").unwrap();
        assert!(!evidence.is_filterable());
        let item = evidence.ty().item_type().unwrap().as_complex().unwrap();
        assert_eq!(item.fields().len(), 25);
        assert_eq!(s.suggest("severty"), Some("severity"));
    }

    #[test]
    fn indicator_filterable_set() {
        let s = indicator();
        assert_eq!(
            filterable(&s),
            sorted(vec![
                "application",
                "createdByDisplayName",
                "expirationTime",
                "generateAlert",
                "title",
                "rbacGroupNames",
                "rbacGroupIds",
                "indicatorValue",
                "indicatorType",
                "creationTimeDateTimeUtc",
                "createdBy",
                "action",
                "severity",
            ])
        );
        assert_eq!(ty(&s, "generateAlert"), "Edm.Boolean");
        assert_eq!(ty(&s, "rbacGroupIds"), "Collection(Edm.String)");
        assert_eq!(ty(&s, "action"), "Defender.IndicatorAction");
        assert_eq!(
            s.default_order(),
            [("creationTimeDateTimeUtc".to_owned(), true)]
        );
    }

    #[test]
    fn by_name_accepts_collection_and_entity_names() {
        for (collection, entity) in NAMES.iter().zip(all()) {
            assert_eq!(by_name(collection).as_ref(), Some(&entity));
            assert_eq!(by_name(&collection.to_uppercase()).as_ref(), Some(&entity));
            assert_eq!(by_name(entity.name()).as_ref(), Some(&entity));
            assert_eq!(
                by_name(&entity.name().to_lowercase()).as_ref(),
                Some(&entity)
            );
            assert!(collection.eq_ignore_ascii_case(entity.entity_set()));
        }
        assert_eq!(by_name("MachineActions").unwrap().name(), "MachineAction");
        assert!(by_name("vulnerabilities").is_none());
        assert!(by_name("").is_none());
    }

    #[test]
    fn catalogue_is_strict_about_enums() {
        assert!(!all().iter().any(EntitySchema::lenient_enums));
    }

    /// Checks that `value` fits `field` (JSON shape, enum members, timestamp and GUID syntax).
    fn check_value(field: &Field, value: Option<&serde_json::Value>, at: &str) {
        use serde_json::Value;
        let value = match value {
            None | Some(Value::Null) => {
                assert!(
                    field.is_nullable(),
                    "{at}: `{}` missing or null",
                    field.name()
                );
                return;
            }
            Some(v) => v,
        };
        check_typed(field.ty(), value, &format!("{at}.{}", field.name()));
    }

    fn check_typed(ty: &FieldType, value: &serde_json::Value, at: &str) {
        let text = || {
            value
                .as_str()
                .unwrap_or_else(|| panic!("{at}: expected a string: {value}"))
        };
        match ty {
            FieldType::String => drop(text()),
            FieldType::Boolean => assert!(value.is_boolean(), "{at}: {value}"),
            FieldType::Int32 => {
                assert!(
                    value.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
                    "{at}: {value}"
                )
            }
            FieldType::Int64 => assert!(value.is_i64(), "{at}: {value}"),
            FieldType::Guid => {
                let g = text();
                let ok = g.len() == 36
                    && g.char_indices().all(|(i, c)| {
                        if [8, 13, 18, 23].contains(&i) {
                            c == '-'
                        } else {
                            c.is_ascii_hexdigit()
                        }
                    });
                assert!(ok, "{at}: bad GUID {g}");
            }
            FieldType::DateTimeOffset => {
                let t = text();
                assert!(
                    chrono::DateTime::parse_from_rfc3339(t).is_ok(),
                    "{at}: bad time {t}"
                );
            }
            FieldType::Enum(e) => {
                let m = text();
                assert_eq!(e.member(m), Some(m), "{at}: `{m}` is not in {}", e.name());
            }
            FieldType::Complex(c) => {
                assert!(value.is_object(), "{at}: expected an object: {value}");
                for child in c.fields() {
                    check_value(child, child.value_in(value), at);
                }
            }
            FieldType::Collection(item) => {
                let items = value
                    .as_array()
                    .unwrap_or_else(|| panic!("{at}: expected an array"));
                for (i, v) in items.iter().enumerate() {
                    check_typed(item, v, &format!("{at}[{i}]"));
                }
            }
            other => panic!("{at}: no sample data of type {other} expected"),
        }
    }

    #[test]
    fn sample_data_conforms_to_the_catalogue() {
        let files = [
            (
                "machineactions",
                include_str!("../../data/machineactions.ndjson"),
                10,
            ),
            ("machines", include_str!("../../data/machines.ndjson"), 6),
            ("alerts", include_str!("../../data/alerts.ndjson"), 6),
        ];
        for (name, text, count) in files {
            let schema = by_name(name).unwrap();
            let lines: Vec<&str> = text.lines().collect();
            assert_eq!(lines.len(), count, "{name}");
            for (i, line) in lines.iter().enumerate() {
                let record: serde_json::Value = serde_json::from_str(line).unwrap();
                let at = format!("{name}.ndjson:{}", i + 1);
                for field in schema.fields() {
                    check_value(field, field.value_in(&record), &at);
                }
            }
        }
    }

    #[test]
    fn sample_machine_actions_start_with_the_documented_example() {
        let text = include_str!("../../data/machineactions.ndjson");
        let records: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let ids: Vec<&str> = records[..3]
            .iter()
            .map(|r| r["id"].as_str().unwrap())
            .collect();
        assert_eq!(
            ids,
            [
                "69dc3630-1ccc-4342-acf3-35286eec741d",
                "2e9da30d-27f6-4208-81f2-9cd3d67893ba",
                "44cffc15-0e3d-4cbf-96aa-bf76f9b27f5e"
            ]
        );
        assert_eq!(records[2]["relatedFileInfo"]["fileIdentifierType"], "Sha1");
        let old = records
            .iter()
            .filter(|r| r.get("lastUpdateTimeUtc").is_some())
            .count();
        let new = records
            .iter()
            .filter(|r| r.get("lastUpdateDateTimeUtc").is_some())
            .count();
        assert!(old > 0 && new > 0 && old + new == records.len());
        let statuses: std::collections::BTreeSet<&str> = records
            .iter()
            .map(|r| r["status"].as_str().unwrap())
            .collect();
        for s in ["Pending", "InProgress", "Failed", "Cancelled", "Succeeded"] {
            assert!(statuses.contains(s), "{s}");
        }
    }

    /// Every property of the entity tables of the Defender docs (machineaction.md,
    /// investigation.md, machine.md, alerts.md, as summarised in the crate's reference notes)
    /// is declared with the documented type, and each documented enum has the documented
    /// members, in order. Where the docs disagree with their own JSON examples the examples
    /// win: `rbacGroupId` is a number there, `mitreTechniques` an array.
    #[test]
    fn documented_properties_have_their_documented_types() {
        const STRING: &str = "Edm.String";
        const INSTANT: &str = "Edm.DateTimeOffset";
        let documented: [(EntitySchema, &[(&str, &str)]); 4] = [
            (
                machine_action(),
                &[
                    ("id", "Edm.Guid"),
                    ("type", "Defender.MachineActionType"),
                    ("scope", STRING),
                    ("requestor", STRING),
                    ("externalID", STRING),
                    ("requestSource", STRING),
                    ("commands", "Collection(Defender.LiveResponseCommand)"),
                    ("cancellationRequestor", STRING),
                    ("requestorComment", STRING),
                    ("cancellationComment", STRING),
                    ("status", "Defender.MachineActionStatus"),
                    ("machineId", STRING),
                    ("computerDnsName", STRING),
                    ("creationDateTimeUtc", INSTANT),
                    ("cancellationDateTimeUtc", INSTANT),
                    ("lastUpdateDateTimeUtc", INSTANT),
                    ("title", STRING),
                    ("relatedFileInfo", "Defender.RelatedFileInfo"),
                ],
            ),
            (
                investigation(),
                &[
                    ("id", STRING),
                    ("startTime", INSTANT),
                    ("endTime", INSTANT),
                    ("cancelledBy", STRING),
                    ("state", "Defender.InvestigationState"),
                    ("statusDetails", STRING),
                    ("machineId", STRING),
                    ("computerDnsName", STRING),
                    ("triggeringAlertId", STRING),
                ],
            ),
            (
                machine(),
                &[
                    ("id", STRING),
                    ("computerDnsName", STRING),
                    ("firstSeen", INSTANT),
                    ("lastSeen", INSTANT),
                    ("osPlatform", STRING),
                    ("onboardingstatus", STRING),
                    ("osProcessor", STRING),
                    ("version", STRING),
                    ("osBuild", "Edm.Int64"),
                    ("lastIpAddress", STRING),
                    ("lastExternalIpAddress", STRING),
                    ("healthStatus", "Defender.HealthStatus"),
                    ("rbacGroupName", STRING),
                    ("rbacGroupId", "Edm.Int64"),
                    ("riskScore", "Defender.RiskScore"),
                    ("aadDeviceId", "Edm.Guid"),
                    ("machineTags", "Collection(Edm.String)"),
                    ("exposureLevel", "Defender.ExposureLevel"),
                    ("deviceValue", "Defender.DeviceValue"),
                    ("ipAddresses", "Collection(Defender.IpAddress)"),
                    ("osArchitecture", STRING),
                ],
            ),
            (
                alert(),
                &[
                    ("id", STRING),
                    ("title", STRING),
                    ("description", STRING),
                    ("alertCreationTime", INSTANT),
                    ("lastEventTime", INSTANT),
                    ("firstEventTime", INSTANT),
                    ("lastUpdateTime", INSTANT),
                    ("resolvedTime", INSTANT),
                    ("incidentId", "Edm.Int64"),
                    ("investigationId", "Edm.Int64"),
                    ("investigationState", "Defender.InvestigationState"),
                    ("assignedTo", STRING),
                    ("rbacGroupName", STRING),
                    ("mitreTechniques", "Collection(Edm.String)"),
                    ("relatedUser", "Defender.RelatedUser"),
                    ("severity", "Defender.AlertSeverity"),
                    ("status", "Defender.AlertStatus"),
                    ("classification", "Defender.AlertClassification"),
                    ("determination", "Defender.AlertDetermination"),
                    ("category", STRING),
                    ("detectionSource", STRING),
                    ("threatFamilyName", STRING),
                    ("threatName", STRING),
                    ("comments", "Collection(Defender.AlertComment)"),
                    ("evidence", "Collection(Defender.AlertEvidence)"),
                ],
            ),
        ];
        for (schema, properties) in &documented {
            for (name, want) in *properties {
                assert_eq!(ty(schema, name), *want, "{}.{name}", schema.name());
            }
        }
        // Nullable where the docs say so.
        for (schema, name) in [
            (investigation(), "startTime"),
            (machine(), "osBuild"),
            (machine(), "riskScore"),
            (machine(), "aadDeviceId"),
            (machine(), "exposureLevel"),
            (machine(), "deviceValue"),
            (alert(), "incidentId"),
            (alert(), "investigationId"),
            (alert(), "investigationState"),
            (alert(), "classification"),
            (alert(), "determination"),
            (alert(), "resolvedTime"),
        ] {
            assert!(
                schema.lookup(name).unwrap().is_nullable(),
                "{}.{name}",
                schema.name()
            );
        }
        let members = |schema: &EntitySchema, name: &str| -> Vec<String> {
            let ty = schema.lookup(name).unwrap().ty();
            ty.as_enum().unwrap().members().to_vec()
        };
        let states = [
            "Unknown",
            "Terminated",
            "SuccessfullyRemediated",
            "Benign",
            "Failed",
            "PartiallyRemediated",
            "Running",
            "PendingApproval",
            "PendingResource",
            "PartiallyInvestigated",
            "TerminatedByUser",
            "TerminatedBySystem",
            "Queued",
            "InnerFailure",
            "PreexistingAlert",
            "UnsupportedOs",
            "UnsupportedAlertType",
            "SuppressedAlert",
        ];
        let (a, m) = (machine_action(), machine());
        let (i, al) = (investigation(), alert());
        let cases: [(&EntitySchema, &str, &[&str]); 11] = [
            (
                &a,
                "type",
                &[
                    "RunAntiVirusScan",
                    "Offboard",
                    "LiveResponse",
                    "CollectInvestigationPackage",
                    "Isolate",
                    "Unisolate",
                    "StopAndQuarantineFile",
                    "RestrictCodeExecution",
                    "UnrestrictCodeExecution",
                ],
            ),
            (
                &a,
                "status",
                &[
                    "Pending",
                    "InProgress",
                    "Succeeded",
                    "Failed",
                    "TimeOut",
                    "Cancelled",
                ],
            ),
            (&i, "state", &states),
            (&al, "investigationState", &states),
            (
                &m,
                "healthStatus",
                &[
                    "Active",
                    "Inactive",
                    "ImpairedCommunication",
                    "NoSensorData",
                    "NoSensorDataImpairedCommunication",
                    "Unknown",
                ],
            ),
            (
                &m,
                "riskScore",
                &["None", "Informational", "Low", "Medium", "High"],
            ),
            (&m, "exposureLevel", &["None", "Low", "Medium", "High"]),
            (&m, "deviceValue", &["Normal", "Low", "High"]),
            (
                &al,
                "severity",
                &["UnSpecified", "Informational", "Low", "Medium", "High"],
            ),
            (&al, "status", &["Unknown", "New", "InProgress", "Resolved"]),
            (
                &al,
                "determination",
                &[
                    "MultiStagedAttack",
                    "MaliciousUserActivity",
                    "CompromisedUser",
                    "Malware",
                    "Phishing",
                    "UnwantedSoftware",
                    "SecurityTesting",
                    "LineOfBusinessApplication",
                    "ConfirmedUserActivity",
                    "Clean",
                    "InsufficientData",
                    "Other",
                ],
            ),
        ];
        for (schema, name, want) in cases {
            assert_eq!(members(schema, name), want, "{}.{name}", schema.name());
        }
    }

    /// The files are in the form `to_json_pretty` writes, so that a schema written by a program
    /// and the catalogue's read the same; and each file holds the entity its name says.
    #[test]
    fn schema_files_are_canonical() {
        for (name, text) in NAMES.iter().zip(FILES) {
            let schema = EntitySchema::from_json_str(text).unwrap();
            assert_eq!(
                schema.to_json_pretty() + "\n",
                text,
                "data/{name}.schema.json"
            );
            assert!(name.eq_ignore_ascii_case(schema.entity_set()), "{name}");
        }
    }

    #[test]
    fn every_key_and_default_order_field_is_declared() {
        for s in all() {
            assert!(!s.key_field().is_nullable(), "{}", s.name());
            for (name, _) in s.default_order() {
                assert!(s.lookup(name).unwrap().is_sortable(), "{}.{name}", s.name());
            }
        }
    }
}
