//! The deterministic demo data: the documented records and the generated ones.
//!
//! The demo data is the same on every machine for a given `--seed-count`: a SplitMix64
//! generator with a fixed seed drives every choice. It holds
//! - the documented records: the three MachineActions of the "List MachineActions" page, the
//!   machine `f46b9bb259ed4a7fb9981b73510e3cc7aa81ec1f` (`desktop-39g9tgl`), the machine of the
//!   collect example `fb9ab6be3965095a09c057be7c90f0a2`, the investigation `63017` of the "List
//!   Investigations" page and its triggering alert, and the crate's `data/*.ndjson` samples;
//! - generated machines (one per 1,000 actions, at least 20), machine actions spread over them
//!   (never on the documented machines, so "the latest two actions of f46b…" stay the documented
//!   ones), investigations and alerts (one per 10 actions, at most 50,000 and 100,000).
//!
//! Timestamps carry 7 fractional digits and end in `Z`, like Defender's.

use serde_json::{json, Value};

use crate::entities::Kind;
use crate::time::timestamp;
use crate::BoxError;

/// SplitMix64: small, fast, and the same everywhere.
struct Rng(u64);

impl Rng {
    /// The next 64 random bits.
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// One of `items`.
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// True with probability `percent`/100.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// `n` lower-case hex digits.
    fn hex(&mut self, n: usize) -> String {
        let mut s = String::with_capacity(n + 16);
        while s.len() < n {
            s.push_str(&format!("{:016x}", self.next()));
        }
        s.truncate(n);
        s
    }

    /// The time `START + offset` seconds, moved by a random amount of seconds towards
    /// `jitter` (which may be negative), with random 7-digit fractions: Unix seconds and text.
    fn at(&mut self, offset: i64, jitter: i64) -> (i64, String) {
        let moved = self.below(jitter.unsigned_abs()) as i64;
        let secs = START + offset + if jitter < 0 { -moved } else { moved };
        let nanos = (self.below(10_000_000) * 100) as u32;
        (secs, timestamp(secs, nanos))
    }

    /// A version-4 GUID.
    fn guid(&mut self) -> String {
        let h = self.hex(32);
        let variant = ["8", "9", "a", "b"][self.below(4) as usize];
        format!(
            "{}-{}-4{}-{}{}-{}",
            &h[0..8],
            &h[8..12],
            &h[13..16],
            variant,
            &h[17..20],
            &h[20..32]
        )
    }
}

/// 2023-01-01T00:00:00Z: generated activity starts here ...
const START: i64 = 1_672_531_200;
/// ... and spans 30 months (to mid-2025).
const SPAN: u64 = 30 * 30 * 86_400;

/// One generated machine, as much as actions and alerts need of it.
struct MachineRef {
    /// 40 hex digits.
    id: String,
    /// DNS name.
    dns: String,
    /// RBAC group.
    group: (i64, &'static str),
}

/// Sizes of the generated data for `seed_count` machine actions.
pub struct Plan {
    /// Generated machines.
    pub machines: u64,
    /// Generated machine actions.
    pub actions: u64,
    /// Generated investigations.
    pub investigations: u64,
    /// Generated alerts.
    pub alerts: u64,
}

impl Plan {
    /// The plan for `seed_count` machine actions.
    pub fn new(seed_count: u64) -> Plan {
        Plan {
            machines: (seed_count / 1_000).max(20),
            actions: seed_count,
            investigations: (seed_count / 10).clamp(10, 50_000),
            alerts: (seed_count / 10).clamp(20, 100_000),
        }
    }
}

/// Generates the demo data for `seed_count` machine actions and hands it to `sink` in batches
/// of at most `batch` records of one kind; machines come first, then actions, alerts and
/// investigations. The documented records ([`fixtures`]) are not included.
pub fn generate(
    seed_count: u64,
    batch: usize,
    mut sink: impl FnMut(Kind, Vec<Value>) -> Result<(), BoxError>,
) -> Result<(), BoxError> {
    let plan = Plan::new(seed_count);
    let mut rng = Rng(0x000d_da7a_f11e);
    let batch = batch.max(1);

    const GROUPS: &[(i64, &str)] = &[
        (140, "The-A-Team"),
        (141, "Servers"),
        (142, "Laptops"),
        (143, "Finance"),
        (144, "Build agents"),
    ];
    const PLATFORMS: &[(&str, &str, i64)] = &[
        ("Windows10", "22H2", 19045),
        ("Windows11", "23H2", 22631),
        ("Windows11", "24H2", 26100),
        ("WindowsServer2019", "1809", 17763),
        ("WindowsServer2022", "21H2", 20348),
        ("Linux", "22.04", 0),
        ("macOS", "14.4", 0),
    ];
    let mut machines = Vec::with_capacity(plan.machines as usize);
    let mut out = Vec::with_capacity(batch);
    for i in 0..plan.machines {
        let id = rng.hex(40);
        let (platform, version, build) = *rng.pick(PLATFORMS);
        let prefix = match platform {
            "WindowsServer2019" | "WindowsServer2022" => "srv",
            "Linux" => "ubuntu",
            "macOS" => "mac",
            _ => *rng.pick(&["desktop", "lap"]),
        };
        let dns = format!("{prefix}-{:04}.contoso.com", i + 1);
        let group = *rng.pick(GROUPS);
        let (_, first_text) = rng.at(0, -700 * 86_400);
        let (_, last_text) = rng.at(SPAN as i64, -14 * 86_400);
        let ip = format!(
            "10.{}.{}.{}",
            rng.below(8),
            rng.below(256),
            1 + rng.below(254)
        );
        const TAGS: &[&[&str]] = &[&[], &["Finance"], &["ExampleTag"], &["VIP", "Finance"]];
        let tags = *rng.pick(TAGS);
        let health = *rng.pick(&[
            "Active",
            "Active",
            "Active",
            "Active",
            "Inactive",
            "ImpairedCommunication",
            "NoSensorData",
        ]);
        let risk = *rng.pick(&["None", "Informational", "Low", "Medium", "High"]);
        let exposure = *rng.pick(&["None", "Low", "Medium", "High"]);
        let aad = (platform.starts_with("Windows") && rng.chance(70)).then(|| rng.guid());
        out.push(json!({
            "id": id,
            "computerDnsName": dns,
            "firstSeen": first_text,
            "lastSeen": last_text,
            "osPlatform": platform,
            "onboardingStatus": "onboarded",
            "osProcessor": "x64",
            "version": version,
            "osBuild": if build > 0 { json!(build) } else { Value::Null },
            "lastIpAddress": ip,
            "lastExternalIpAddress": format!("167.220.{}.{}", rng.below(256), 1 + rng.below(254)),
            "healthStatus": health,
            "rbacGroupId": group.0,
            "rbacGroupName": group.1,
            "riskScore": risk,
            "exposureLevel": exposure,
            "isAadJoined": aad.is_some(),
            "aadDeviceId": aad,
            "machineTags": tags,
            "deviceValue": *rng.pick(&["Normal", "Normal", "Low", "High"]),
            "ipAddresses": [{
                "ipAddress": ip,
                "macAddress": rng.hex(12).to_uppercase(),
                "operationalStatus": "Up",
            }],
            "osArchitecture": "64-bit",
        }));
        machines.push(MachineRef { id, dns, group });
        if out.len() == batch {
            sink(Kind::Machine, std::mem::take(&mut out))?;
        }
    }
    if !out.is_empty() {
        sink(Kind::Machine, std::mem::take(&mut out))?;
    }

    const ANALYSTS: &[&str] = &[
        "Analyst@contoso.com",
        "secop123@contoso.com",
        "secop2@contoso.com",
        "o'brien@contoso.com",
        "SOC automation",
    ];
    const TYPES: &[(&str, &str)] = &[
        ("RunAntiVirusScan", "Check machine for viruses due to alert"),
        ("RunAntiVirusScan", "Scheduled scan"),
        ("Isolate", "Isolate machine due to alert"),
        ("Unisolate", "Unisolate machine after investigation"),
        (
            "CollectInvestigationPackage",
            "Collect forensics due to alert",
        ),
        ("StopAndQuarantineFile", "Stop and quarantine file"),
        (
            "RestrictCodeExecution",
            "Restrict code execution due to alert",
        ),
        ("UnrestrictCodeExecution", "Lift code execution restriction"),
        ("LiveResponse", "Live response session"),
        (
            "Offboard",
            "Offboard machine from Microsoft Defender for Endpoint",
        ),
    ];
    for _ in 0..plan.actions {
        let machine = &machines[rng.below(machines.len() as u64) as usize];
        let (kind, comment) = *rng.pick(TYPES);
        let scope = match kind {
            "RunAntiVirusScan" => json!(*rng.pick(&["Quick", "Full"])),
            "Isolate" => json!(*rng.pick(&["Full", "Selective"])),
            _ => Value::Null,
        };
        let offset = rng.below(SPAN) as i64;
        let (created, created_text) = rng.at(offset, 0);
        // Only recent actions may still be running; collections never are, so that a
        // collection can always be requested on a generated machine.
        let recent = offset > SPAN as i64 - 2 * 86_400;
        let status = if recent && kind != "CollectInvestigationPackage" {
            *rng.pick(&["Pending", "InProgress", "Succeeded"])
        } else {
            *rng.pick(&[
                "Succeeded",
                "Succeeded",
                "Succeeded",
                "Succeeded",
                "Succeeded",
                "Failed",
                "TimeOut",
                "Cancelled",
            ])
        };
        let (_, updated_text) = rng.at(created - START + 5, 3_600);
        let cancelled = status == "Cancelled";
        let file = (kind == "StopAndQuarantineFile")
            .then(|| json!({"fileIdentifier": rng.hex(40), "fileIdentifierType": "Sha1"}));
        out.push(json!({
            "id": rng.guid(),
            "type": kind,
            "scope": scope,
            "requestor": *rng.pick(ANALYSTS),
            "requestorComment": format!("{comment} {}", 1000 + rng.below(9000)),
            "requestSource": *rng.pick(&["Portal", "PublicApi"]),
            "status": status,
            "machineId": machine.id,
            "computerDnsName": machine.dns,
            "creationDateTimeUtc": created_text,
            "lastUpdateDateTimeUtc": updated_text,
            "cancellationRequestor": if cancelled { json!(*rng.pick(ANALYSTS)) } else { Value::Null },
            "cancellationComment": if cancelled { json!("No longer needed") } else { Value::Null },
            "cancellationDateTimeUtc": if cancelled { json!(updated_text) } else { Value::Null },
            "relatedFileInfo": file,
        }));
        if out.len() == batch {
            sink(Kind::MachineAction, std::mem::take(&mut out))?;
        }
    }
    if !out.is_empty() {
        sink(Kind::MachineAction, std::mem::take(&mut out))?;
    }

    const THREATS: &[(&str, &str, &str, &str)] = &[
        (
            "Malware",
            "'Emotet' malware was detected",
            "WindowsDefenderAv",
            "Emotet",
        ),
        (
            "Execution",
            "Suspicious PowerShell command line",
            "WindowsDefenderAtp",
            "",
        ),
        (
            "CredentialAccess",
            "Suspicious access to LSASS service",
            "WindowsDefenderAtp",
            "",
        ),
        (
            "Ransomware",
            "Ransomware behavior detected in the file system",
            "WindowsDefenderAv",
            "Lockbit",
        ),
        (
            "SuspiciousActivity",
            "Suspicious process injection observed",
            "AutomatedInvestigation",
            "",
        ),
        (
            "Persistence",
            "Anomaly detected in ASEP registry",
            "WindowsDefenderAtp",
            "",
        ),
    ];
    // Alerts: every tenth opens an investigation, numbered from 70000.
    let mut investigations: Vec<(String, &MachineRef, i64)> = Vec::new();
    for i in 0..plan.alerts {
        let machine = &machines[rng.below(machines.len() as u64) as usize];
        let (category, title, source, family) = *rng.pick(THREATS);
        let (created, created_text) = rng.at(0, SPAN as i64);
        let id = format!(
            "da{}_{}{}",
            638_000_000_000_000_000 + (created - START) as u64 * 10_000_000 + rng.below(10_000_000),
            if rng.chance(50) { "-" } else { "" },
            rng.below(2_147_483_647)
        );
        let status = *rng.pick(&[
            "New",
            "New",
            "InProgress",
            "Resolved",
            "Resolved",
            "Resolved",
        ]);
        let investigation = (i % 10 == 0 && (investigations.len() as u64) < plan.investigations)
            .then(|| 70_000 + investigations.len() as i64);
        let (_, first_event) = rng.at(created - START - 60, -600);
        let (_, last_event) = rng.at(created - START, -60);
        let (_, updated) = rng.at(created - START, 86_400);
        let resolved = status == "Resolved";
        let sha1 = rng.hex(40);
        let evidence = json!([{
            "entityType": "File",
            "evidenceCreationTime": created_text,
            "sha1": sha1,
            "sha256": rng.hex(64),
            "fileName": format!("payload{}.exe", rng.below(100)),
            "filePath": "C:\\Users\\Public\\Downloads",
            "processId": null, "processCommandLine": null, "processCreationTime": null,
            "parentProcessId": null, "parentProcessCreationTime": null,
            "parentProcessFileName": null, "parentProcessFilePath": null,
            "ipAddress": null, "url": null, "registryKey": null, "registryHive": null,
            "registryValueType": null, "registryValue": null,
            "accountName": null, "domainName": null, "userSid": null, "aadUserId": null,
            "userPrincipalName": null,
            "detectionStatus": *rng.pick(&["Detected", "Blocked", "Prevented"]),
        }]);
        out.push(json!({
            "id": id,
            "incidentId": 2000 + rng.below(50_000),
            "investigationId": investigation,
            "assignedTo": if status == "New" { Value::Null } else { json!(*rng.pick(ANALYSTS)) },
            "severity": *rng.pick(&["Informational", "Low", "Medium", "Medium", "High"]),
            "status": status,
            "classification": if resolved { json!(*rng.pick(&["TruePositive", "FalsePositive"])) } else { Value::Null },
            "determination": if resolved { json!(*rng.pick(&["Malware", "SecurityTesting", "Other"])) } else { Value::Null },
            "investigationState": if investigation.is_some() { json!("Running") } else { json!("Queued") },
            "detectionSource": source,
            "detectorId": rng.guid(),
            "category": category,
            "threatFamilyName": if family.is_empty() { Value::Null } else { json!(family) },
            "title": title,
            "description": format!("{title} on {}.", machine.dns),
            "alertCreationTime": created_text,
            "firstEventTime": first_event,
            "lastEventTime": last_event,
            "lastUpdateTime": updated,
            "resolvedTime": if resolved { json!(updated) } else { Value::Null },
            "machineId": machine.id,
            "computerDnsName": machine.dns,
            "rbacGroupName": machine.group.1,
            "aadTenantId": "a839b112-1253-6432-9bf6-94542403f21c",
            "threatName": Value::Null,
            "mitreTechniques": [*rng.pick(&["T1059.001", "T1003.001", "T1204.002", "T1547.001"])],
            "relatedUser": {"userName": *rng.pick(&["jdoe", "asmith", "svc-build"]), "domainName": "CONTOSO"},
            "comments": [],
            "evidence": evidence,
        }));
        if let Some(n) = investigation {
            investigations.push((id_of(&out), machine, n));
        }
        if out.len() == batch {
            sink(Kind::Alert, std::mem::take(&mut out))?;
        }
    }
    if !out.is_empty() {
        sink(Kind::Alert, std::mem::take(&mut out))?;
    }

    const STATES: &[&str] = &[
        "Running",
        "SuccessfullyRemediated",
        "Benign",
        "PartiallyRemediated",
        "PendingApproval",
        "TerminatedByUser",
        "Failed",
        "Queued",
    ];
    for (alert, machine, n) in investigations {
        let (start, start_text) = rng.at(0, SPAN as i64);
        let state = *rng.pick(STATES);
        let running = matches!(state, "Running" | "PendingApproval" | "Queued");
        let (_, end_text) = rng.at(start - START + 600, 86_400);
        out.push(json!({
            "id": n.to_string(),
            "startTime": start_text,
            "endTime": if running { Value::Null } else { json!(end_text) },
            "cancelledBy": if state == "TerminatedByUser" { json!(*rng.pick(ANALYSTS)) } else { Value::Null },
            "state": state,
            "statusDetails": Value::Null,
            "machineId": machine.id,
            "computerDnsName": machine.dns,
            "triggeringAlertId": alert,
        }));
        if out.len() == batch {
            sink(Kind::Investigation, std::mem::take(&mut out))?;
        }
    }
    if !out.is_empty() {
        sink(Kind::Investigation, out)?;
    }
    Ok(())
}

/// The `id` of the last record of `records`.
fn id_of(records: &[Value]) -> String {
    records
        .last()
        .and_then(|r| r["id"].as_str())
        .unwrap_or_default()
        .to_owned()
}

/// The crate's sample records (`data/*.ndjson`): the three documented MachineActions first.
const SAMPLES: &[(Kind, &str)] = &[
    (Kind::Machine, include_str!("../../../data/machines.ndjson")),
    (
        Kind::MachineAction,
        include_str!("../../../data/machineactions.ndjson"),
    ),
    (Kind::Alert, include_str!("../../../data/alerts.ndjson")),
];

/// The documented records and the crate's samples, which every new database starts with.
pub fn fixtures() -> Result<Vec<(Kind, Value)>, BoxError> {
    let mut out = Vec::new();
    for (kind, text) in SAMPLES {
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            out.push((*kind, serde_json::from_str(line)?));
        }
    }
    // The machine of the "Collect investigation package" example.
    out.push((
        Kind::Machine,
        json!({
            "id": "fb9ab6be3965095a09c057be7c90f0a2", "computerDnsName": "desktop-fb9ab6b",
            "firstSeen": "2018-11-02T09:14:21.4431290Z", "lastSeen": "2024-03-05T09:01:12.5519830Z",
            "osPlatform": "Windows10", "onboardingStatus": "onboarded", "osProcessor": "x64",
            "version": "1809", "osBuild": 17763, "lastIpAddress": "10.0.4.31",
            "lastExternalIpAddress": "167.220.196.80", "healthStatus": "Active",
            "rbacGroupId": 140, "rbacGroupName": "The-A-Team", "riskScore": "Medium",
            "exposureLevel": "Medium", "isAadJoined": false, "aadDeviceId": null,
            "machineTags": [], "deviceValue": "Normal",
            "ipAddresses": [{"ipAddress": "10.0.4.31", "macAddress": "00155D0A4E77", "operationalStatus": "Up"}],
            "osArchitecture": "64-bit",
        }),
    ));
    // The "List Investigations" example: its machine, triggering alert and investigation.
    out.push((
        Kind::Machine,
        json!({
            "id": "a69a22debe5f274d8765ea3c368d00762e057b30", "computerDnsName": "desktop-gtrcon0",
            "firstSeen": "2019-10-11T08:20:00.0000000Z", "lastSeen": "2024-03-01T17:44:51.0920331Z",
            "osPlatform": "Windows10", "onboardingStatus": "onboarded", "osProcessor": "x64",
            "version": "1909", "osBuild": 18363, "lastIpAddress": "10.0.7.42",
            "lastExternalIpAddress": "167.220.196.90", "healthStatus": "Active",
            "rbacGroupId": 142, "rbacGroupName": "Laptops", "riskScore": "High",
            "exposureLevel": "High", "isAadJoined": true,
            "aadDeviceId": "80fe8ff8-2624-418e-9591-41f0491218f9",
            "machineTags": ["VIP"], "deviceValue": "High",
            "ipAddresses": [{"ipAddress": "10.0.7.42", "macAddress": "00155D0A4F02", "operationalStatus": "Up"}],
            "osArchitecture": "64-bit",
        }),
    ));
    out.push((
        Kind::Alert,
        json!({
            "id": "da637139166940871892_-598649278", "incidentId": 1051, "investigationId": 63017,
            "assignedTo": "Automation", "severity": "Medium", "status": "InProgress",
            "classification": null, "determination": null, "investigationState": "Running",
            "detectionSource": "WindowsDefenderAtp",
            "detectorId": "4a2a5c3e-6f3b-4a8e-9c1d-0b6e4b0e7a11", "category": "SuspiciousActivity",
            "threatFamilyName": null, "title": "Suspicious process injection observed",
            "description": "A process abnormally injected code into another process.",
            "alertCreationTime": "2020-01-06T14:11:33.9420871Z",
            "firstEventTime": "2020-01-06T14:08:19.5380000Z",
            "lastEventTime": "2020-01-06T14:08:20.1170000Z",
            "lastUpdateTime": "2020-01-06T14:12:04.3330000Z", "resolvedTime": null,
            "machineId": "a69a22debe5f274d8765ea3c368d00762e057b30",
            "computerDnsName": "desktop-gtrcon0", "rbacGroupName": "Laptops",
            "aadTenantId": "a839b112-1253-6432-9bf6-94542403f21c", "threatName": null,
            "mitreTechniques": ["T1055"],
            "relatedUser": {"userName": "gtrcon", "domainName": "CONTOSO"},
            "comments": [], "evidence": [],
        }),
    ));
    out.push((
        Kind::Investigation,
        json!({
            "id": "63017", "startTime": "2020-01-06T14:11:34Z", "endTime": null,
            "state": "Running", "cancelledBy": null, "statusDetails": null,
            "machineId": "a69a22debe5f274d8765ea3c368d00762e057b30",
            "computerDnsName": "desktop-gtrcon0",
            "triggeringAlertId": "da637139166940871892_-598649278",
        }),
    ));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic() {
        let run = || {
            let mut all = Vec::new();
            generate(300, 64, |kind, batch| {
                all.extend(batch.into_iter().map(|r| (kind, r)));
                Ok(())
            })
            .map(|()| all)
            .map_err(|e| e.to_string())
        };
        let a = run().unwrap();
        assert_eq!(a, run().unwrap());
        let count = |k| a.iter().filter(|(kind, _)| *kind == k).count();
        assert_eq!(count(Kind::MachineAction), 300);
        assert_eq!(count(Kind::Machine), 20);
        assert_eq!(count(Kind::Alert), 30);
        assert_eq!(count(Kind::Investigation), 3);
    }
}
