//! Golden SQL text for every dialect: representative filters, whole statements, tables.
//!
//! These pin the exact strings. When a change alters them on purpose, review the new SQL
//! in each dialect before updating the expectations.

mod sql_support;

use odata_filter::schema::catalog;
use odata_filter::sql::{self, SqlValue};
use sql_support::{all_filterable, dialects, query, where_sql};

const WHERE_CASES: &[(&str, &str, bool, [&str; 4])] = &[
    (
        "and_not",
        "status eq 'Succeeded' and not (scope eq 'Full')",
        false,
        [
            r#"(("status" = ?1) AND (NOT ("scope" = ?2 AND "scope" IS NOT NULL)))"#,
            r#"(("status" = ($1::text COLLATE "C")) AND (NOT ("scope" = ($2::text COLLATE "C") AND "scope" IS NOT NULL)))"#,
            r#"((`status` = ?) AND (NOT (`scope` = ? AND `scope` IS NOT NULL)))"#,
            r#"(([status] = @p1) AND (NOT ([scope] = @p2 AND [scope] IS NOT NULL)))"#,
        ],
    ),
    (
        "ne",
        "scope ne 'Full'",
        false,
        [
            r#"("scope" <> ?1 OR "scope" IS NULL)"#,
            r#"("scope" <> ($1::text COLLATE "C") OR "scope" IS NULL)"#,
            r#"(`scope` <> ? OR `scope` IS NULL)"#,
            r#"([scope] <> @p1 OR [scope] IS NULL)"#,
        ],
    ),
    (
        "eq_null",
        "scope eq null or cancellationComment ne null",
        false,
        [
            r#"(("scope" IS NULL) OR ("cancellationComment" IS NOT NULL))"#,
            r#"(("scope" IS NULL) OR ("cancellationComment" IS NOT NULL))"#,
            r#"((`scope` IS NULL) OR (`cancellationComment` IS NOT NULL))"#,
            r#"(([scope] IS NULL) OR ([cancellationComment] IS NOT NULL))"#,
        ],
    ),
    (
        "not_range",
        "not (creationDateTimeUtc gt 2018-12-04T12:43:57.2011911Z)",
        false,
        [
            r#"(NOT ("creationDateTimeUtc" > ?1 AND "creationDateTimeUtc" IS NOT NULL))"#,
            r#"(NOT ("creationDateTimeUtc" > ($1::text COLLATE "C") AND "creationDateTimeUtc" IS NOT NULL))"#,
            r#"(NOT (`creationDateTimeUtc` > ? AND `creationDateTimeUtc` IS NOT NULL))"#,
            r#"(NOT ([creationDateTimeUtc] > @p1 AND [creationDateTimeUtc] IS NOT NULL))"#,
        ],
    ),
    (
        "text_match",
        "startswith(requestor, 'a%_\\b') or endswith(requestor, 'x')",
        false,
        [
            r#"(("requestor" GLOB ?1) OR ("requestor" GLOB ?2))"#,
            r#"(("requestor" LIKE ($1::text COLLATE "C") ESCAPE '\') OR ("requestor" LIKE ($2::text COLLATE "C") ESCAPE '\'))"#,
            r#"((`requestor` LIKE ? ESCAPE '!') OR (`requestor` LIKE ? ESCAPE '!'))"#,
            r#"(([requestor] LIKE @p1 ESCAPE '\') OR ([requestor] LIKE @p2 ESCAPE '\'))"#,
        ],
    ),
    (
        "in_list",
        "scope in ('Full', 'Quick', null) or type in ()",
        false,
        [
            r#"(("scope" IN (?1, ?2) OR "scope" IS NULL) OR (1 = 0))"#,
            r#"(("scope" IN (($1::text COLLATE "C"), ($2::text COLLATE "C")) OR "scope" IS NULL) OR (1 = 0))"#,
            r#"((`scope` IN (?, ?) OR `scope` IS NULL) OR (1 = 0))"#,
            r#"(([scope] IN (@p1, @p2) OR [scope] IS NULL) OR (1 = 0))"#,
        ],
    ),
    (
        "or_chain",
        "machineId eq 'a' or machineId eq 'b' or 'c' eq machineId",
        false,
        [
            r#"("machineId" IN (?1, ?2, ?3))"#,
            r#"("machineId" IN (($1::text COLLATE "C"), ($2::text COLLATE "C"), ($3::text COLLATE "C")))"#,
            r#"(`machineId` IN (?, ?, ?))"#,
            r#"([machineId] IN (@p1, @p2, @p3))"#,
        ],
    ),
    (
        "not_or_chain",
        "not (type eq 'Isolate' or type eq 'Unisolate')",
        false,
        [
            r#"(NOT ("type" IN (?1, ?2) AND "type" IS NOT NULL))"#,
            r#"(NOT ("type" IN (($1::text COLLATE "C"), ($2::text COLLATE "C")) AND "type" IS NOT NULL))"#,
            r#"(NOT (`type` IN (?, ?) AND `type` IS NOT NULL))"#,
            r#"(NOT ([type] IN (@p1, @p2) AND [type] IS NOT NULL))"#,
        ],
    ),
    (
        "or_chain_mixed",
        "scope eq 'Full' or status eq 'Failed' or scope in ('Quick', null) or requestor ne 'x' or status eq 'Succeeded'",
        false,
        [
            r#"(("scope" IN (?1, ?2) OR "scope" IS NULL) OR ("status" IN (?3, ?4)) OR ("requestor" <> ?5 OR "requestor" IS NULL))"#,
            r#"(("scope" IN (($1::text COLLATE "C"), ($2::text COLLATE "C")) OR "scope" IS NULL) OR ("status" IN (($3::text COLLATE "C"), ($4::text COLLATE "C"))) OR ("requestor" <> ($5::text COLLATE "C") OR "requestor" IS NULL))"#,
            r#"((`scope` IN (?, ?) OR `scope` IS NULL) OR (`status` IN (?, ?)) OR (`requestor` <> ? OR `requestor` IS NULL))"#,
            r#"(([scope] IN (@p1, @p2) OR [scope] IS NULL) OR ([status] IN (@p3, @p4)) OR ([requestor] <> @p5 OR [requestor] IS NULL))"#,
        ],
    ),
    (
        "not_or_chain_mixed",
        "not (scope eq 'Full' or startswith(requestor, 'a') or scope eq 'Quick')",
        false,
        [
            r#"(NOT (("scope" IN (?1, ?2) AND "scope" IS NOT NULL) OR ("requestor" GLOB ?3)))"#,
            r#"(NOT (("scope" IN (($1::text COLLATE "C"), ($2::text COLLATE "C")) AND "scope" IS NOT NULL) OR ("requestor" LIKE ($3::text COLLATE "C") ESCAPE '\')))"#,
            r#"(NOT ((`scope` IN (?, ?) AND `scope` IS NOT NULL) OR (`requestor` LIKE ? ESCAPE '!')))"#,
            r#"(NOT (([scope] IN (@p1, @p2) AND [scope] IS NOT NULL) OR ([requestor] LIKE @p3 ESCAPE '\')))"#,
        ],
    ),
    (
        "null_safe_eq",
        "requestor eq machineId",
        false,
        [
            r#"("requestor" IS "machineId")"#,
            r#"("requestor" IS NOT DISTINCT FROM "machineId")"#,
            r#"(`requestor` <=> `machineId`)"#,
            r#"(([requestor] = [machineId] AND [requestor] IS NOT NULL AND [machineId] IS NOT NULL) OR ([requestor] IS NULL AND [machineId] IS NULL))"#,
        ],
    ),
    (
        "any_all",
        "machineTags/any(t: t eq 'Finance') and ipAddresses/all(ip: ip/macAddress ne null)",
        true,
        [
            r#"((EXISTS (SELECT 1 FROM json_each("t"."machineTags") AS _e1 WHERE (_e1.value = ?1))) AND (NOT EXISTS (SELECT 1 FROM json_each("t"."ipAddresses") AS _e1 WHERE NOT (((json_extract(_e1.value, '$."macAddress"') IS NOT NULL)) IS TRUE))))"#,
            r#"((EXISTS (SELECT 1 FROM jsonb_array_elements("t"."machineTags") AS _e1(v) WHERE (((_e1.v #>> '{}') COLLATE "C") = ($1::text COLLATE "C")))) AND (NOT EXISTS (SELECT 1 FROM jsonb_array_elements("t"."ipAddresses") AS _e1(v) WHERE NOT (((((_e1.v #>> '{"macAddress"}') COLLATE "C") IS NOT NULL)) IS TRUE))))"#,
            r#"((EXISTS (SELECT 1 FROM JSON_TABLE(`t`.`machineTags`, '$[*]' COLUMNS (v JSON PATH '$')) AS _e1 WHERE ((JSON_VALUE(_e1.v, '$' RETURNING CHAR(768)) COLLATE utf8mb4_0900_bin) = ?))) AND (NOT EXISTS (SELECT 1 FROM JSON_TABLE(`t`.`ipAddresses`, '$[*]' COLUMNS (v JSON PATH '$')) AS _e1 WHERE NOT ((((JSON_VALUE(_e1.v, '$."macAddress"' RETURNING CHAR(768)) COLLATE utf8mb4_0900_bin) IS NOT NULL)) IS TRUE))))"#,
            r#"((EXISTS (SELECT 1 FROM OPENJSON([t].[machineTags]) AS _e1 WHERE (_e1.[value] = @p1))) AND (NOT EXISTS (SELECT 1 FROM OPENJSON([t].[ipAddresses]) AS _e1 WHERE NOT ((CASE WHEN (JSON_VALUE(_e1.[value], '$."macAddress"') IS NOT NULL) THEN 1 ELSE 0 END = 1)))))"#,
        ],
    ),
    (
        "year",
        "year(creationDateTimeUtc) eq 2018",
        false,
        [
            r#"(CAST(substr("creationDateTimeUtc", 1, 4) AS INTEGER) = ?1)"#,
            r#"(CAST(SUBSTRING("creationDateTimeUtc" FROM 1 FOR 4) AS INTEGER) = $1::bigint)"#,
            r#"(CAST(SUBSTRING(`creationDateTimeUtc` FROM 1 FOR 4) AS SIGNED) = ?)"#,
            r#"(CAST(SUBSTRING([creationDateTimeUtc], 1, 4) AS INTEGER) = @p1)"#,
        ],
    ),
    (
        "substring_indexof",
        "substring(requestor, 1, 3) eq 'nal' and indexof(requestor, '@') gt length(machineId)",
        false,
        [
            r#"((substr("requestor", CAST(?1 AS INTEGER), CAST(?2 AS INTEGER)) = ?3) AND ((instr("requestor", ?4) - 1) > length("machineId")))"#,
            r#"((SUBSTRING("requestor" FROM CAST($1::bigint AS INTEGER) FOR CAST($2::bigint AS INTEGER)) = ($3::text COLLATE "C")) AND ((POSITION(($4::text COLLATE "C") IN "requestor") - 1) > CHAR_LENGTH("machineId")))"#,
            r#"((SUBSTRING(`requestor` FROM CAST(? AS SIGNED) FOR CAST(? AS SIGNED)) = ?) AND ((POSITION(? IN `requestor`) - 1) > CHAR_LENGTH(`machineId`)))"#,
            r#"((SUBSTRING([requestor], CAST(@p1 AS INTEGER), CAST(@p2 AS INTEGER)) = @p3) AND ((CASE WHEN DATALENGTH(@p4) = 0 AND [requestor] IS NOT NULL THEN 1 ELSE CHARINDEX(@p5, [requestor]) END - 1) > (LEN([machineId] + 'x') - 1)))"#,
        ],
    ),
    (
        "bool_value",
        "isAadJoined eq (rbacGroupId gt 5)",
        true,
        [
            r#"("isAadJoined" IS ("rbacGroupId" > ?1 AND "rbacGroupId" IS NOT NULL))"#,
            r#"("isAadJoined" IS NOT DISTINCT FROM ("rbacGroupId" > $1::bigint AND "rbacGroupId" IS NOT NULL))"#,
            r#"(`isAadJoined` <=> (`rbacGroupId` > ? AND `rbacGroupId` IS NOT NULL))"#,
            r#"(([isAadJoined] = CASE WHEN ([rbacGroupId] > @p1 AND [rbacGroupId] IS NOT NULL) THEN 1 WHEN NOT ([rbacGroupId] > @p2 AND [rbacGroupId] IS NOT NULL) THEN 0 END AND [isAadJoined] IS NOT NULL AND CASE WHEN ([rbacGroupId] > @p3 AND [rbacGroupId] IS NOT NULL) THEN 1 WHEN NOT ([rbacGroupId] > @p4 AND [rbacGroupId] IS NOT NULL) THEN 0 END IS NOT NULL) OR ([isAadJoined] IS NULL AND CASE WHEN ([rbacGroupId] > @p5 AND [rbacGroupId] IS NOT NULL) THEN 1 WHEN NOT ([rbacGroupId] > @p6 AND [rbacGroupId] IS NOT NULL) THEN 0 END IS NULL))"#,
        ],
    ),
    (
        "float_vs_int",
        "rbacGroupId ge 2.5 and lastSeen lt 3000-01-01T00:00:00Z",
        true,
        [
            r#"(("rbacGroupId" >= ?1) AND ("lastSeen" < ?2))"#,
            r#"(("rbacGroupId" >= $1::bigint) AND ("lastSeen" < ($2::text COLLATE "C")))"#,
            r#"((`rbacGroupId` >= ?) AND (`lastSeen` < ?))"#,
            r#"(([rbacGroupId] >= @p1) AND ([lastSeen] < @p2))"#,
        ],
    ),
];

const SELECTS: [[&str; 3]; 4] = [
    [
        r#"SELECT "_doc" FROM "MachineActions" WHERE ("status" = ?1) ORDER BY "scope" DESC NULLS LAST, "id" ASC NULLS FIRST, "_id" ASC LIMIT ?2 OFFSET ?3"#,
        r#"SELECT "_doc" FROM "MachineActions" ORDER BY "creationDateTimeUtc" DESC NULLS LAST, "id" ASC NULLS FIRST, "_id" ASC LIMIT -1 OFFSET ?1"#,
        r#"SELECT COUNT(*) FROM "MachineActions" WHERE ("status" = ?1)"#,
    ],
    [
        r#"SELECT "_doc" FROM "MachineActions" WHERE ("status" = ($1::text COLLATE "C")) ORDER BY "scope" DESC NULLS LAST, "id" ASC NULLS FIRST, "_id" ASC LIMIT $2::bigint OFFSET $3::bigint"#,
        r#"SELECT "_doc" FROM "MachineActions" ORDER BY "creationDateTimeUtc" DESC NULLS LAST, "id" ASC NULLS FIRST, "_id" ASC OFFSET $1::bigint"#,
        r#"SELECT COUNT(*) FROM "MachineActions" WHERE ("status" = ($1::text COLLATE "C"))"#,
    ],
    [
        r#"SELECT `_doc` FROM `MachineActions` WHERE (`status` = ?) ORDER BY CASE WHEN `scope` IS NULL THEN 0 ELSE 1 END DESC, `scope` DESC, CASE WHEN `id` IS NULL THEN 0 ELSE 1 END ASC, `id` ASC, `_id` ASC LIMIT ? OFFSET ?"#,
        r#"SELECT `_doc` FROM `MachineActions` ORDER BY CASE WHEN `creationDateTimeUtc` IS NULL THEN 0 ELSE 1 END DESC, `creationDateTimeUtc` DESC, CASE WHEN `id` IS NULL THEN 0 ELSE 1 END ASC, `id` ASC, `_id` ASC LIMIT 18446744073709551615 OFFSET ?"#,
        r#"SELECT COUNT(*) FROM `MachineActions` WHERE (`status` = ?)"#,
    ],
    [
        r#"SELECT [_doc] FROM [MachineActions] WHERE ([status] = @p1) ORDER BY CASE WHEN [scope] IS NULL THEN 0 ELSE 1 END DESC, [scope] DESC, CASE WHEN [id] IS NULL THEN 0 ELSE 1 END ASC, [id] ASC, [_id] ASC OFFSET @p2 ROWS FETCH NEXT @p3 ROWS ONLY"#,
        r#"SELECT [_doc] FROM [MachineActions] ORDER BY CASE WHEN [creationDateTimeUtc] IS NULL THEN 0 ELSE 1 END DESC, [creationDateTimeUtc] DESC, CASE WHEN [id] IS NULL THEN 0 ELSE 1 END ASC, [id] ASC, [_id] ASC OFFSET @p1 ROWS"#,
        r#"SELECT COUNT(*) FROM [MachineActions] WHERE ([status] = @p1)"#,
    ],
];

const TABLES: [[&str; 3]; 4] = [
    [
        r#"CREATE TABLE "Machines" ("_id" INTEGER PRIMARY KEY, "_doc" TEXT NOT NULL, "id" TEXT, "computerDnsName" TEXT, "firstSeen" TEXT, "lastSeen" TEXT, "osPlatform" TEXT, "onboardingStatus" TEXT, "osProcessor" TEXT, "version" TEXT, "osBuild" INTEGER, "lastIpAddress" TEXT, "lastExternalIpAddress" TEXT, "healthStatus" TEXT, "rbacGroupName" TEXT, "rbacGroupId" INTEGER, "riskScore" TEXT, "aadDeviceId" TEXT, "machineTags" TEXT, "exposureLevel" TEXT, "deviceValue" TEXT, "ipAddresses" TEXT, "osArchitecture" TEXT, "isAadJoined" INTEGER)"#,
        r#"CREATE INDEX "Machines_ix1" ON "Machines" ("id")"#,
        r#"INSERT INTO "Machines" ("_doc", "id", "computerDnsName", "firstSeen", "lastSeen", "osPlatform", "onboardingStatus", "osProcessor", "version", "osBuild", "lastIpAddress", "lastExternalIpAddress", "healthStatus", "rbacGroupName", "rbacGroupId", "riskScore", "aadDeviceId", "machineTags", "exposureLevel", "deviceValue", "ipAddresses", "osArchitecture", "isAadJoined") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23)"#,
    ],
    [
        r#"CREATE TABLE "Machines" ("_id" BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "_doc" TEXT NOT NULL, "id" TEXT COLLATE "C", "computerDnsName" TEXT COLLATE "C", "firstSeen" TEXT COLLATE "C", "lastSeen" TEXT COLLATE "C", "osPlatform" TEXT COLLATE "C", "onboardingStatus" TEXT COLLATE "C", "osProcessor" TEXT COLLATE "C", "version" TEXT COLLATE "C", "osBuild" BIGINT, "lastIpAddress" TEXT COLLATE "C", "lastExternalIpAddress" TEXT COLLATE "C", "healthStatus" TEXT COLLATE "C", "rbacGroupName" TEXT COLLATE "C", "rbacGroupId" BIGINT, "riskScore" TEXT COLLATE "C", "aadDeviceId" TEXT COLLATE "C", "machineTags" JSONB, "exposureLevel" TEXT COLLATE "C", "deviceValue" TEXT COLLATE "C", "ipAddresses" JSONB, "osArchitecture" TEXT COLLATE "C", "isAadJoined" BOOLEAN)"#,
        r#"CREATE INDEX "Machines_ix1" ON "Machines" ("id")"#,
        r#"INSERT INTO "Machines" ("_doc", "id", "computerDnsName", "firstSeen", "lastSeen", "osPlatform", "onboardingStatus", "osProcessor", "version", "osBuild", "lastIpAddress", "lastExternalIpAddress", "healthStatus", "rbacGroupName", "rbacGroupId", "riskScore", "aadDeviceId", "machineTags", "exposureLevel", "deviceValue", "ipAddresses", "osArchitecture", "isAadJoined") VALUES (($1::text COLLATE "C"), ($2::text COLLATE "C"), ($3::text COLLATE "C"), ($4::text COLLATE "C"), ($5::text COLLATE "C"), ($6::text COLLATE "C"), ($7::text COLLATE "C"), ($8::text COLLATE "C"), ($9::text COLLATE "C"), $10::bigint, ($11::text COLLATE "C"), ($12::text COLLATE "C"), ($13::text COLLATE "C"), ($14::text COLLATE "C"), $15::bigint, ($16::text COLLATE "C"), ($17::text COLLATE "C"), $18::jsonb, ($19::text COLLATE "C"), ($20::text COLLATE "C"), $21::jsonb, ($22::text COLLATE "C"), $23::boolean)"#,
    ],
    [
        r#"CREATE TABLE `Machines` (`_id` BIGINT AUTO_INCREMENT PRIMARY KEY, `_doc` LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL, `id` VARCHAR(768) CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_bin, `computerDnsName` VARCHAR(768) CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_bin, `firstSeen` VARCHAR(768) CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_bin, `lastSeen` VARCHAR(768) CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_bin, `osPlatform` VARCHAR(768) CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_bin, `onboardingStatus` VARCHAR(768) CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_bin, `osProcessor` LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_bin, `version` VARCHAR(768) CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_bin, `osBuild` BIGINT, `lastIpAddress` VARCHAR(768) CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_bin, `lastExternalIpAddress` LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_bin, `healthStatus` VARCHAR(768) CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_bin, `rbacGroupName` LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_bin, `rbacGroupId` BIGINT, `riskScore` VARCHAR(768) CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_bin, `aadDeviceId` VARCHAR(768) CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_bin, `machineTags` JSON, `exposureLevel` VARCHAR(768) CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_bin, `deviceValue` VARCHAR(768) CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_bin, `ipAddresses` JSON, `osArchitecture` LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_bin, `isAadJoined` BOOLEAN)"#,
        r#"CREATE INDEX `Machines_ix1` ON `Machines` (`id`)"#,
        r#"INSERT INTO `Machines` (`_doc`, `id`, `computerDnsName`, `firstSeen`, `lastSeen`, `osPlatform`, `onboardingStatus`, `osProcessor`, `version`, `osBuild`, `lastIpAddress`, `lastExternalIpAddress`, `healthStatus`, `rbacGroupName`, `rbacGroupId`, `riskScore`, `aadDeviceId`, `machineTags`, `exposureLevel`, `deviceValue`, `ipAddresses`, `osArchitecture`, `isAadJoined`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"#,
    ],
    [
        r#"CREATE TABLE [Machines] ([_id] BIGINT IDENTITY(1,1) PRIMARY KEY, [_doc] NVARCHAR(MAX) NOT NULL, [id] VARCHAR(1700) COLLATE Latin1_General_100_BIN2_UTF8, [computerDnsName] VARCHAR(1700) COLLATE Latin1_General_100_BIN2_UTF8, [firstSeen] VARCHAR(1700) COLLATE Latin1_General_100_BIN2_UTF8, [lastSeen] VARCHAR(1700) COLLATE Latin1_General_100_BIN2_UTF8, [osPlatform] VARCHAR(1700) COLLATE Latin1_General_100_BIN2_UTF8, [onboardingStatus] VARCHAR(1700) COLLATE Latin1_General_100_BIN2_UTF8, [osProcessor] VARCHAR(MAX) COLLATE Latin1_General_100_BIN2_UTF8, [version] VARCHAR(1700) COLLATE Latin1_General_100_BIN2_UTF8, [osBuild] BIGINT, [lastIpAddress] VARCHAR(1700) COLLATE Latin1_General_100_BIN2_UTF8, [lastExternalIpAddress] VARCHAR(MAX) COLLATE Latin1_General_100_BIN2_UTF8, [healthStatus] VARCHAR(1700) COLLATE Latin1_General_100_BIN2_UTF8, [rbacGroupName] VARCHAR(MAX) COLLATE Latin1_General_100_BIN2_UTF8, [rbacGroupId] BIGINT, [riskScore] VARCHAR(1700) COLLATE Latin1_General_100_BIN2_UTF8, [aadDeviceId] VARCHAR(1700) COLLATE Latin1_General_100_BIN2_UTF8, [machineTags] NVARCHAR(MAX), [exposureLevel] VARCHAR(1700) COLLATE Latin1_General_100_BIN2_UTF8, [deviceValue] VARCHAR(1700) COLLATE Latin1_General_100_BIN2_UTF8, [ipAddresses] NVARCHAR(MAX), [osArchitecture] VARCHAR(MAX) COLLATE Latin1_General_100_BIN2_UTF8, [isAadJoined] BIT)"#,
        r#"CREATE INDEX [Machines_ix1] ON [Machines] ([id])"#,
        r#"INSERT INTO [Machines] ([_doc], [id], [computerDnsName], [firstSeen], [lastSeen], [osPlatform], [onboardingStatus], [osProcessor], [version], [osBuild], [lastIpAddress], [lastExternalIpAddress], [healthStatus], [rbacGroupName], [rbacGroupId], [riskScore], [aadDeviceId], [machineTags], [exposureLevel], [deviceValue], [ipAddresses], [osArchitecture], [isAadJoined]) VALUES (@p1, @p2, @p3, @p4, @p5, @p6, @p7, @p8, @p9, @p10, @p11, @p12, @p13, @p14, @p15, @p16, @p17, @p18, @p19, @p20, @p21, @p22, @p23)"#,
    ],
];

#[test]
fn where_clauses() {
    let ma = all_filterable(&catalog::machine_action());
    let m = all_filterable(&catalog::machine());
    for (name, filter, machine, want) in WHERE_CASES {
        let s = if *machine { &m } else { &ma };
        for (d, want) in dialects().into_iter().zip(want) {
            let got = where_sql(s, filter, d);
            assert_eq!(got.sql, *want, "{name} in {}", d.name());
        }
    }
}

#[test]
fn where_clause_parameters() {
    let ma = all_filterable(&catalog::machine_action());
    let text = |s: &str| SqlValue::Text(s.to_owned());
    let p = |d: usize, f: &str| where_sql(&ma, f, dialects()[d]).params;
    let f = "startswith(requestor, 'a%_\\b') or endswith(requestor, 'x')";
    assert_eq!(p(0, f), [text("a%_\\b*"), text("*x")]);
    assert_eq!(p(1, f), [text("a\\%\\_\\\\b%"), text("%x")]);
    assert_eq!(p(2, f), [text("a!%!_\\b%"), text("%x")]);
    assert_eq!(p(3, f), [text("a\\%\\_\\\\b%"), text("%x")]);
    let f = "contains(requestor, '[*?]')";
    assert_eq!(p(0, f), [text("*[[][*][?]]*")]);
    assert_eq!(p(3, f), [text("%\\[*?]%")]);
    let f = "creationDateTimeUtc gt 2018-12-04T14:43:57.2011911+02:00 and substring(requestor, -1) eq ''";
    assert_eq!(
        p(1, f),
        [
            text("2018-12-04T12:43:57.201191100Z"),
            SqlValue::Int(1),
            text("")
        ]
    );
    // A merged `or` chain binds its constants in operand order, at its first operand.
    let f = "machineId eq 'a' or status eq 'Failed' or 'c' eq machineId";
    assert_eq!(p(0, f), [text("a"), text("c"), text("Failed")]);
    let f = "id eq 2E9DA30D-27F6-4208-81F2-9CD3D67893BA";
    assert_eq!(p(0, f), [text("2e9da30d-27f6-4208-81f2-9cd3d67893ba")]);
}

#[test]
fn statements() {
    let ma = all_filterable(&catalog::machine_action());
    let q = query(
        &ma,
        Some("status eq 'Succeeded'"),
        &["scope desc"],
        20,
        Some(10),
    );
    let q2 = query(&ma, None, &[], 5, None);
    for (d, [select, page, count]) in dialects().into_iter().zip(SELECTS) {
        let s = sql::select(&q, &ma, "MachineActions", d).unwrap();
        assert_eq!(s.sql, select, "{}", d.name());
        // Parameters follow the text: SQL Server writes OFFSET before FETCH.
        let (first, second) = if d.name() == "mssql" {
            (20, 10)
        } else {
            (10, 20)
        };
        assert_eq!(
            s.params,
            [
                SqlValue::Text("Succeeded".into()),
                SqlValue::Int(first),
                SqlValue::Int(second)
            ]
        );
        assert_eq!(
            sql::select(&q2, &ma, "MachineActions", d).unwrap().sql,
            page
        );
        assert_eq!(sql::count(&q, &ma, "MachineActions", d).unwrap().sql, count);
    }
    // $top=0 selects nothing, without a paging clause (SQL Server refuses FETCH NEXT 0).
    let none = query(&ma, Some("status eq 'Succeeded'"), &[], 0, Some(0));
    let s = sql::select(&none, &ma, "MachineActions", dialects()[3]).unwrap();
    assert_eq!(
        s.sql,
        "SELECT [_doc] FROM [MachineActions] WHERE (1 = 0) ORDER BY \
         CASE WHEN [creationDateTimeUtc] IS NULL THEN 0 ELSE 1 END DESC, [creationDateTimeUtc] DESC, \
         CASE WHEN [id] IS NULL THEN 0 ELSE 1 END ASC, [id] ASC, [_id] ASC"
    );
    assert!(s.params.is_empty());
}

#[test]
fn tables_and_inserts() {
    let m = catalog::machine();
    let line = include_str!("../data/machines.ndjson")
        .lines()
        .next()
        .unwrap();
    for (d, [create, index, insert]) in dialects().into_iter().zip(TABLES) {
        let t = sql::create_table_sql(&m, "Machines", d).unwrap();
        assert_eq!(t[0], create, "{}", d.name());
        assert_eq!(t[1], index, "{}", d.name());
        // One index per filterable or sortable scalar column, and one in the default order
        // where the dialect can index it.
        let default_order = t.iter().find(|s| s.contains("Machines_default_order"));
        match d.name() {
            "sqlite" => assert_eq!(
                default_order.unwrap(),
                r#"CREATE INDEX "Machines_default_order" ON "Machines" ("lastSeen" DESC, "id" ASC, "_id" ASC)"#
            ),
            "postgres" => assert_eq!(
                default_order.unwrap(),
                r#"CREATE INDEX "Machines_default_order" ON "Machines" ("lastSeen" DESC NULLS LAST, "id" ASC NULLS FIRST, "_id" ASC)"#
            ),
            _ => assert_eq!(default_order, None, "{}", d.name()),
        }
        assert_eq!(
            t.len(),
            15 + usize::from(default_order.is_some()),
            "{}",
            d.name()
        );
        let ins = sql::insert_sql(&m, "Machines", line, d).unwrap();
        assert_eq!(ins.sql, insert, "{}", d.name());
        assert_eq!(ins.params[0], SqlValue::Text(line.to_owned()));
        assert_eq!(
            ins.params[3],
            SqlValue::Text("2018-11-20T08:01:44.553221900Z".to_owned())
        );
        assert_eq!(
            ins.params[17],
            SqlValue::Text(r#"["ExampleTag","Finance"]"#.to_owned())
        );
        assert_eq!(ins.params[22], SqlValue::Bool(true));
    }
}

#[test]
fn the_cli_output_is_sql_and_json_params() {
    let ma = all_filterable(&catalog::machine_action());
    let w = where_sql(
        &ma,
        "requestor eq 'o''brien' and creationDateTimeUtc gt 2018-12-04T12:43:57Z",
        dialects()[1],
    );
    assert_eq!(
        serde_json::to_string(&w).unwrap(),
        r#"{"sql":"((\"requestor\" = ($1::text COLLATE \"C\")) AND (\"creationDateTimeUtc\" > ($2::text COLLATE \"C\")))","params":["o'brien","2018-12-04T12:43:57.000000000Z"]}"#
    );
}

#[test]
fn dialects_by_name() {
    for (name, want) in [
        ("postgres", "postgres"),
        ("PostgreSQL", "postgres"),
        ("sqlite", "sqlite"),
        ("mysql", "mysql"),
        ("mssql", "mssql"),
        ("SqlServer", "mssql"),
    ] {
        assert_eq!(sql::dialect_from_str(name).unwrap().name(), want);
    }
    assert!(sql::dialect_from_str("oracle").is_none());
}

/// Issue 14: a structured value compared with null (`c eq null`) is refused by every dialect,
/// at the comparison: its members have columns of their own, which cannot tell a null value
/// from one whose members are all null (the evaluator's answer is in tests/eval.rs).
#[test]
fn structured_null_is_refused_at_the_comparison() {
    refused_everywhere_at(
        &[
            ("c/cs eq 'a' and c eq null", 16, 25),
            ("null ne c", 0, 9),
            ("items/any(it: it ne null)", 14, 24),
        ],
        "comparing a structured (complex) value with null",
    );
}

/// Checks that every dialect refuses each filter over `sql_support::gen::schema()` as
/// unsupported, at the span `start..end`, with a message containing `why`.
fn refused_everywhere_at(cases: &[(&str, usize, usize)], why: &str) {
    use odata_filter::sql::ErrorKind;
    use odata_filter::Span;
    let things = sql_support::gen::schema();
    for &(text, start, end) in cases {
        let f = sql_support::filter(&things, text);
        for d in dialects() {
            let e = sql::where_clause(&f, &things, "Things", d).unwrap_err();
            assert!(
                matches!(e.kind(), ErrorKind::Unsupported { .. }),
                "{text}: {e}"
            );
            assert_eq!(e.span(), Some(Span::new(start, end)), "{text}: {e}");
            assert!(e.to_string().contains(why), "{e}");
        }
    }
}

#[test]
fn errors_name_what_and_where() {
    use odata_filter::schema::{EntitySchema, Field, FieldType};
    use odata_filter::sql::ErrorKind;
    let ma = all_filterable(&catalog::machine_action());
    let f = sql_support::filter(&ma, "year(3000-01-01T00:00:00Z) eq 3000");
    // A calendar function of an instant far from 1970 is answered, not refused.
    let w = sql::where_clause(&f, &ma, "t", dialects()[0]).unwrap();
    assert_eq!(
        w.params,
        [
            sql::SqlValue::Text("3000-01-01T00:00:00.000000000Z".into()),
            sql::SqlValue::Int(3000)
        ],
        "{}",
        w.sql
    );

    let f = sql_support::filter(&ma, "scope eq 'x'");
    let e = sql::where_clause(&f, &ma, "_e1", dialects()[0]).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Schema { .. }), "{e}");

    let clash = EntitySchema::builder("A", "As")
        .field(Field::new("id", FieldType::Int64).filterable(true))
        .field(
            Field::new("doc", FieldType::String)
                .filterable(true)
                .with_column("_doc"),
        )
        .key("id")
        .build()
        .unwrap();
    let message = "schema cannot be stored as a table: two columns are named \"_doc\" \
                   (names are compared ignoring case; `_id` and `_doc` are reserved)";
    let e = sql::create_table_sql(&clash, "As", dialects()[1]).unwrap_err();
    assert_eq!(e.to_string(), message);
    // Statements check the columns they name, and only those.
    let f = sql_support::filter(&clash, "id eq 1 or doc eq 'x'");
    let e = sql::where_clause(&f, &clash, "As", dialects()[0]).unwrap_err();
    assert_eq!(e.to_string(), message);
    let f = sql_support::filter(&clash, "id eq 1");
    assert!(sql::where_clause(&f, &clash, "As", dialects()[0]).is_ok());

    let e = sql::insert_sql(&ma, "t", "[1, 2]", dialects()[2]).unwrap_err();
    assert_eq!(e.to_string(), "cannot store the record: not a JSON object");
    // The first and last instants of the four-digit years are stored; past them, in UTC, not.
    for edge in ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z"] {
        let record = format!(r#"{{"creationDateTimeUtc": "{edge}"}}"#);
        assert!(sql::insert_sql(&ma, "t", &record, dialects()[2]).is_ok());
    }
    let far = r#"{"creationDateTimeUtc": "9999-12-31T23:00:00-05:00"}"#;
    let e = sql::insert_sql(&ma, "t", far, dialects()[2]).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Record { .. }), "{e}");
    assert!(e.to_string().contains("creationDateTimeUtc"), "{e}");
    let old = r#"{"id": "69dc3630-1ccc-4342-acf3-35286eec741d"}"#;
    assert!(sql::insert_sql(&ma, "t", old, dialects()[2]).is_ok());
}

/// MariaDB's SQL is MySQL's (the strings above) but for the collation of text, which MariaDB
/// spells `utf8mb4_nopad_bin`, and the values of collection elements, whose `JSON_VALUE` has
/// no `RETURNING` there and is cast instead. `tests/sql_mariadb.rs` runs it on a real server.
#[test]
fn mariadb_is_mysql_but_for_the_collation_and_json_values() {
    let (mysql, mariadb) = (dialects()[2], &sql::MariaDbDialect as &dyn sql::Dialect);
    let maria = |s: &str| s.replace("utf8mb4_0900_bin", "utf8mb4_nopad_bin");
    let ma = all_filterable(&catalog::machine_action());
    let m = all_filterable(&catalog::machine());
    for (name, filter, machine, want) in WHERE_CASES {
        let s = if *machine { &m } else { &ma };
        let got = where_sql(s, filter, mariadb);
        assert_eq!(got.params, where_sql(s, filter, mysql).params, "{name}");
        if *name == "any_all" {
            assert_eq!(
                got.sql,
                r#"((EXISTS (SELECT 1 FROM JSON_TABLE(`t`.`machineTags`, '$[*]' COLUMNS (v JSON PATH '$')) AS _e1 WHERE ((JSON_VALUE(_e1.v, '$') COLLATE utf8mb4_nopad_bin) = ?))) AND (NOT EXISTS (SELECT 1 FROM JSON_TABLE(`t`.`ipAddresses`, '$[*]' COLUMNS (v JSON PATH '$')) AS _e1 WHERE NOT ((((JSON_VALUE(_e1.v, '$."macAddress"') COLLATE utf8mb4_nopad_bin) IS NOT NULL)) IS TRUE))))"#
            );
        } else {
            assert!(
                !want[2].contains("JSON_VALUE"),
                "{name}: pin its MariaDB SQL here"
            );
            assert_eq!(got.sql, maria(want[2]), "{name}");
        }
    }
    // Numbers and Booleans in collections are cast from JSON_VALUE's text.
    let things = sql_support::gen::schema();
    let w = where_sql(
        &things,
        "nums/any(n: n gt 2) and items/all(it: it/name eq 'x' or it/qty eq 2)",
        mariadb,
    );
    assert_eq!(
        w.sql,
        "((EXISTS (SELECT 1 FROM JSON_TABLE(`t`.`nums`, '$[*]' COLUMNS (v JSON PATH '$')) AS _e1 \
         WHERE (CAST(JSON_VALUE(_e1.v, '$') AS SIGNED) > ?))) AND (NOT EXISTS (SELECT 1 FROM \
         JSON_TABLE(`t`.`items`, '$[*]' COLUMNS (v JSON PATH '$')) AS _e1 WHERE NOT \
         (((((JSON_VALUE(_e1.v, '$.\"name\"') COLLATE utf8mb4_nopad_bin) = ?) OR \
         (CAST(JSON_VALUE(_e1.v, '$.\"qty\"') AS SIGNED) = ?))) IS TRUE))))"
    );
    let q = query(
        &ma,
        Some("status eq 'Succeeded'"),
        &["scope desc"],
        20,
        Some(10),
    );
    let q2 = query(&ma, None, &[], 5, None);
    let [select, page, count] = SELECTS[2];
    assert_eq!(
        sql::select(&q, &ma, "MachineActions", mariadb).unwrap(),
        sql::select(&q, &ma, "MachineActions", mysql).unwrap()
    );
    assert_eq!(
        sql::select(&q, &ma, "MachineActions", mariadb).unwrap().sql,
        maria(select)
    );
    assert_eq!(
        sql::select(&q2, &ma, "MachineActions", mariadb)
            .unwrap()
            .sql,
        maria(page)
    );
    assert_eq!(
        sql::count(&q, &ma, "MachineActions", mariadb).unwrap().sql,
        maria(count)
    );
    let machines = catalog::machine();
    let [create, index, insert] = TABLES[2];
    assert!(create.contains("utf8mb4_0900_bin"));
    let t = sql::create_table_sql(&machines, "Machines", mariadb).unwrap();
    assert_eq!(
        t,
        sql::create_table_sql(&machines, "Machines", mysql)
            .unwrap()
            .iter()
            .map(|s| maria(s))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        (t[0].as_str(), t[1].as_str()),
        (maria(create).as_str(), index)
    );
    let line = include_str!("../data/machines.ndjson")
        .lines()
        .next()
        .unwrap();
    let ins = sql::insert_sql(&machines, "Machines", line, mariadb).unwrap();
    assert_eq!(
        ins,
        sql::insert_sql(&machines, "Machines", line, mysql).unwrap()
    );
    assert_eq!(ins.sql, insert);
    // Whatever else the generated filters write is MySQL's too.
    use proptest::strategy::{Strategy, ValueTree};
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let (mut same, mut json) = (0, 0);
    for _ in 0..500 {
        let text = sql_support::gen::filter()
            .new_tree(&mut runner)
            .unwrap()
            .current();
        let Some(q) = sql_support::gen::make_query(&things, &text, &(Vec::new(), 0, None)) else {
            continue;
        };
        let (Ok(my), Ok(mdb)) = (
            sql::select(&q, &things, "Things", mysql),
            sql::select(&q, &things, "Things", mariadb),
        ) else {
            continue;
        };
        assert_eq!(my.params, mdb.params, "{text}");
        if my.sql.contains("JSON_VALUE") {
            json += 1;
        } else {
            assert_eq!(maria(&my.sql), mdb.sql, "{text}");
            same += 1;
        }
    }
    assert!(same > 300 && json > 20, "{same} {json}");
}

#[test]
fn mariadb_by_name() {
    for name in ["mariadb", "MariaDB"] {
        assert_eq!(sql::dialect_from_str(name).unwrap().name(), "mariadb");
    }
}

/// `$orderby` over a member of a structured field: the member's own column, with OData's
/// null order (a missing parent makes the member null), in both layouts.
#[test]
fn order_by_a_structured_member() {
    let schema = sql_support::gen::schema();
    let (q, _) = odata_filter::query::QueryOptions::new()
        .parse(&schema, "$orderby=c/cs desc,c/ci&$top=2")
        .unwrap();
    let expected = [
        [
            r#""c_cs" DESC NULLS LAST, "c_ci" ASC NULLS FIRST, "id" ASC NULLS FIRST"#,
            r#"SELECT "_doc" FROM "Things" ORDER BY "c_cs" DESC NULLS LAST, "c_ci" ASC NULLS FIRST, "id" ASC NULLS FIRST, "_id" ASC LIMIT ?1"#,
        ],
        [
            r#""c_cs" DESC NULLS LAST, "c_ci" ASC NULLS FIRST, "id" ASC NULLS FIRST"#,
            r#"SELECT "_doc" FROM "Things" ORDER BY "c_cs" DESC NULLS LAST, "c_ci" ASC NULLS FIRST, "id" ASC NULLS FIRST, "_id" ASC LIMIT $1::bigint"#,
        ],
        [
            r#"CASE WHEN `c_cs` IS NULL THEN 0 ELSE 1 END DESC, `c_cs` DESC, CASE WHEN `c_ci` IS NULL THEN 0 ELSE 1 END ASC, `c_ci` ASC, CASE WHEN `id` IS NULL THEN 0 ELSE 1 END ASC, `id` ASC"#,
            r#"SELECT `_doc` FROM `Things` ORDER BY CASE WHEN `c_cs` IS NULL THEN 0 ELSE 1 END DESC, `c_cs` DESC, CASE WHEN `c_ci` IS NULL THEN 0 ELSE 1 END ASC, `c_ci` ASC, CASE WHEN `id` IS NULL THEN 0 ELSE 1 END ASC, `id` ASC, `_id` ASC LIMIT ?"#,
        ],
        [
            r#"CASE WHEN [c_cs] IS NULL THEN 0 ELSE 1 END DESC, [c_cs] DESC, CASE WHEN [c_ci] IS NULL THEN 0 ELSE 1 END ASC, [c_ci] ASC, CASE WHEN [id] IS NULL THEN 0 ELSE 1 END ASC, [id] ASC"#,
            r#"SELECT [_doc] FROM [Things] ORDER BY CASE WHEN [c_cs] IS NULL THEN 0 ELSE 1 END DESC, [c_cs] DESC, CASE WHEN [c_ci] IS NULL THEN 0 ELSE 1 END ASC, [c_ci] ASC, CASE WHEN [id] IS NULL THEN 0 ELSE 1 END ASC, [id] ASC, [_id] ASC OFFSET 0 ROWS FETCH NEXT @p1 ROWS ONLY"#,
        ],
    ];
    for (d, [clause, own]) in dialects().into_iter().zip(expected) {
        assert_eq!(
            sql::order_by_clause(&q, &schema, d).unwrap(),
            clause,
            "{}",
            d.name()
        );
        assert_eq!(
            sql::select(&q, &schema, "Things", d).unwrap().sql,
            own,
            "{}",
            d.name()
        );
        // The application's layout: the same columns, the same order.
        let rows = sql::select_rows(&q, &schema, "Things", d).unwrap().sql;
        assert!(
            rows.contains(&format!(" ORDER BY {clause} ")),
            "{}: {rows}",
            d.name()
        );
    }
}

/// Issue 14: a Date compared with a DateTimeOffset value (not a literal, which the checker
/// folds to a date comparison) is refused by every dialect at the comparison; against an
/// instant literal that is not a UTC midnight, `eq` is false and `ne` true, whatever the date.
#[test]
fn dates_against_instant_values_are_refused_at_the_comparison() {
    refused_everywhere_at(
        &[
            ("dt le t", 0, 7),
            ("s eq 'a' and t gt dt", 13, 20),
            ("date(t) lt t", 0, 12),
            ("items/any(it: dt ge it/at)", 14, 25),
        ],
        "comparing an Edm.Date value with an Edm.DateTimeOffset value",
    );
    let things = sql_support::gen::schema();
    for (text, always) in [
        ("dt eq 2024-03-01T07:29:59Z", false),
        ("dt ne 2024-03-01T00:30:00+01:00", true),
    ] {
        let f = sql_support::filter(&things, text);
        let q = sql::where_clause(&f, &things, "Things", &sql::SqliteDialect).unwrap();
        let expected = sql::where_clause(
            &sql_support::filter(&things, if always { "true" } else { "false" }),
            &things,
            "Things",
            &sql::SqliteDialect,
        )
        .unwrap();
        assert_eq!(q.sql, expected.sql, "{text}");
    }
}
