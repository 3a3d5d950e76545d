//! End-to-end tests of the example server (`defender-api`) over real HTTP on loopback.
//!
//! Each test starts its own server on `127.0.0.1:0` with a temporary database and tokens file,
//! from the library the binary serves, or (for the startup output and exit codes) runs the
//! binary itself.

use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use clap::Parser;
use defender_api::{App, Config, DemoToken, Principal, Tokens};
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Every permission.
const FULL: &str = "token-full";
/// Machine.Read.All only.
const MACHINE_READ: &str = "token-machine-read";
/// Alert.Read.All only.
const ALERT_READ: &str = "token-alert-read";
/// Machine.ReadWrite.All and Alert.ReadWrite.All, but not Machine.CollectForensics.
const READ_WRITE: &str = "token-read-write";
/// A second token with every permission, to show that limits are per token.
const OTHER: &str = "token-other";

/// The documented machine of the MachineActions examples.
const SEED_MACHINE: &str = "f46b9bb259ed4a7fb9981b73510e3cc7aa81ec1f";
/// The machine of the collect example.
const COLLECT_MACHINE: &str = "fb9ab6be3965095a09c057be7c90f0a2";

/// Writes the tokens file the tests use.
fn write_tokens(path: &Path) {
    let entry = |app: &str, identity: Option<&str>, perms: &[&str]| json!({"application": app, "identity": identity, "permissions": perms});
    let tokens = json!({
        FULL: entry("SOC automation", Some("Analyst@contoso.com"), defender_api::ALL_PERMISSIONS),
        OTHER: entry("Second app", None, defender_api::ALL_PERMISSIONS),
        MACHINE_READ: entry("Inventory", None, &["Machine.Read.All"]),
        ALERT_READ: entry("Alert dashboard", None, &["Alert.Read.All"]),
        READ_WRITE: entry("Writer", None, &["Machine.ReadWrite.All", "Alert.ReadWrite.All"]),
    });
    std::fs::write(path, tokens.to_string()).unwrap();
}

/// A configuration for a server in `dir`: ephemeral port, small seed, generous limits.
fn config(dir: &Path) -> Config {
    let tokens = dir.join("tokens.json");
    if !tokens.exists() {
        write_tokens(&tokens);
    }
    Config::parse_from([
        "defender-api",
        "--listen",
        "127.0.0.1:0",
        "--db",
        dir.join("defender.db").to_str().unwrap(),
        "--tokens",
        tokens.to_str().unwrap(),
        "--seed-count",
        "300",
        "--per-minute",
        "10000",
        "--per-hour",
        "100000",
    ])
}

/// A running server.
struct Server {
    /// `http://127.0.0.1:PORT`.
    base: String,
    /// What startup did.
    startup: defender_api::Startup,
    /// The database file.
    db: PathBuf,
    /// Stops the server.
    stop: tokio::sync::oneshot::Sender<()>,
    /// The serving task.
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    /// HTTP client.
    client: reqwest::Client,
    /// The server's state, for its read counters.
    app: App,
}

/// A response: status, headers, body text and (when it is JSON) the parsed body.
struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    text: String,
    json: Value,
}

impl Reply {
    /// The `request-id` header.
    fn request_id(&self) -> &str {
        self.headers
            .get("request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("no request-id header: {}", self.text))
    }

    /// Asserts an error response of the documented shape, and returns its message.
    fn error(&self, status: u16, code: &str) -> &str {
        assert_eq!(self.status.as_u16(), status, "{}", self.text);
        let error = &self.json["error"];
        assert_eq!(error["code"], code, "{}", self.text);
        assert_eq!(error["target"], self.request_id(), "{}", self.text);
        let keys: BTreeSet<&str> = self.json["error"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, BTreeSet::from(["code", "message", "target"]));
        error["message"].as_str().unwrap()
    }

    /// The `value` array of a list response.
    fn value(&self) -> &Vec<Value> {
        assert_eq!(self.status, StatusCode::OK, "{}", self.text);
        self.json["value"].as_array().unwrap()
    }
}

impl Server {
    /// Starts a server for `config`.
    async fn start(config: Config) -> Server {
        let db = config.db.clone();
        let (app, startup) = tokio::task::spawn_blocking(move || App::open(&config))
            .await
            .unwrap()
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(defender_api::serve(
            listener,
            app.router(),
            app.limits(),
            async {
                let _ = stopped.await;
            },
        ));
        Server {
            base,
            startup,
            db,
            stop,
            task,
            client: reqwest::Client::new(),
            app,
        }
    }

    /// Starts a server in `dir` with the test configuration.
    async fn in_dir(dir: &Path) -> Server {
        Server::start(config(dir)).await
    }

    /// The server's read counters now.
    fn reads(&self) -> defender_api::Reads {
        self.app.state().db.reads()
    }

    /// Stops the server and waits until it has finished.
    async fn shutdown(self) {
        let _ = self.stop.send(());
        self.task.await.unwrap().unwrap();
    }

    /// `GET path` with `token` (none when empty).
    async fn get(&self, token: &str, path: &str) -> Reply {
        let mut request = self.client.get(format!("{}{path}", self.base));
        if !token.is_empty() {
            request = request.bearer_auth(token);
        }
        reply(request.send().await.unwrap()).await
    }

    /// `POST path` with `token` and a JSON `body`.
    async fn post(&self, token: &str, path: &str, body: &str) -> Reply {
        let request = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body.to_owned());
        reply(request.send().await.unwrap()).await
    }

    /// Collects an investigation package on `machine`.
    async fn collect(&self, token: &str, machine: &str, comment: &str) -> Reply {
        let body = json!({ "Comment": comment }).to_string();
        let path = format!("/api/machines/{machine}/collectInvestigationPackage");
        self.post(token, &path, &body).await
    }
}

/// Reads a response.
async fn reply(response: reqwest::Response) -> Reply {
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        text,
        json,
    }
}

/// The instant of a Defender timestamp.
fn instant(text: &Value) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339(text.as_str().unwrap()).unwrap()
}

/// Whether `text` is a UTC timestamp with exactly 7 fractional digits.
fn is_defender_time(text: &str) -> bool {
    text.len() == 28
        && text.ends_with('Z')
        && text.as_bytes()[19] == b'.'
        && chrono::DateTime::parse_from_rfc3339(text).is_ok()
}

/// The documented records of the "List MachineActions" example, in order.
fn documented_actions() -> Vec<Value> {
    vec![
        json!({
            "id": "69dc3630-1ccc-4342-acf3-35286eec741d",
            "type": "CollectInvestigationPackage",
            "requestor": "Analyst@contoso.com",
            "requestorComment": "test",
            "status": "Succeeded",
            "machineId": SEED_MACHINE,
            "creationDateTimeUtc": "2018-12-04T12:43:57.2011911Z",
            "lastUpdateTimeUtc": "2018-12-04T12:45:25.4049122Z",
            "relatedFileInfo": null
        }),
        json!({
            "id": "2e9da30d-27f6-4208-81f2-9cd3d67893ba",
            "type": "RunAntiVirusScan",
            "requestor": "Analyst@contoso.com",
            "requestorComment": "Check machine for viruses due to alert 3212",
            "status": "Succeeded",
            "machineId": SEED_MACHINE,
            "creationDateTimeUtc": "2018-12-04T12:18:27.1293487Z",
            "lastUpdateTimeUtc": "2018-12-04T12:18:57.5511934Z",
            "relatedFileInfo": null
        }),
        json!({
            "id": "44cffc15-0e3d-4cbf-96aa-bf76f9b27f5e",
            "type": "StopAndQuarantineFile",
            "requestor": "Analyst@contoso.com",
            "requestorComment": "test",
            "status": "Succeeded",
            "machineId": SEED_MACHINE,
            "creationDateTimeUtc": "2018-12-04T12:15:40.6052029Z",
            "lastUpdateTimeUtc": "2018-12-04T12:16:14.2899973Z",
            "relatedFileInfo": {
                "fileIdentifier": "a0c659857ccbe457fdaf5fe21d54efdcbf6f6508",
                "fileIdentifierType": "Sha1"
            }
        }),
    ]
}

/// Asserts that `record` has every field of `documented` with the same value. The
/// documented `lastUpdateTimeUtc` may be served as `lastUpdateDateTimeUtc` (its real name).
fn assert_documented(record: &Value, documented: &Value) {
    for (key, value) in documented.as_object().unwrap() {
        let served = record.get(key).or_else(|| match key.as_str() {
            "lastUpdateTimeUtc" => record.get("lastUpdateDateTimeUtc"),
            _ => None,
        });
        assert_eq!(served, Some(value), "{key} in {record}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn list_machine_actions_example_1_shape() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::in_dir(dir.path()).await;
    let r = server.get(FULL, "/api/machineactions").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers["content-type"], "application/json");
    assert_eq!(
        r.json["@odata.context"],
        format!("{}/api/$metadata#MachineActions", server.base)
    );
    let value = r.value();
    // 300 generated + 10 samples, all on one page.
    assert_eq!(value.len(), 310);
    assert!(r.json.get("@odata.nextLink").is_none());
    // Newest first.
    for pair in value.windows(2) {
        assert!(
            instant(&pair[0]["creationDateTimeUtc"]) >= instant(&pair[1]["creationDateTimeUtc"]),
            "{} before {}",
            pair[0]["creationDateTimeUtc"],
            pair[1]["creationDateTimeUtc"]
        );
    }
    // The documented records are there, and everything has the documented fields.
    let by_id: HashMap<&str, &Value> = value
        .iter()
        .map(|r| (r["id"].as_str().unwrap(), r))
        .collect();
    for documented in documented_actions() {
        assert_documented(by_id[documented["id"].as_str().unwrap()], &documented);
    }
    for record in value {
        for key in [
            "id",
            "type",
            "requestor",
            "status",
            "machineId",
            "creationDateTimeUtc",
        ] {
            assert!(record.get(key).is_some(), "{key} missing in {record}");
        }
    }
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn list_machine_actions_example_2_latest_two_of_a_machine() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::in_dir(dir.path()).await;
    let path = format!("/api/machineactions?$filter=machineId eq '{SEED_MACHINE}'&$top=2");
    let r = server.get(FULL, &path).await;
    let value = r.value();
    assert_eq!(value.len(), 2, "{}", r.text);
    let documented = documented_actions();
    assert_documented(&value[0], &documented[0]);
    assert_documented(&value[1], &documented[1]);
    assert!(r.json.get("@odata.nextLink").is_none());

    // The same query as Defender's docs spell it, with `+` for spaces.
    let plus = format!("/api/machineactions?$filter=machineId+eq+'{SEED_MACHINE}'&$top=2");
    assert_eq!(server.get(FULL, &plus).await.json["value"], r.json["value"]);

    // All three, newest first.
    let path = format!("/api/machineactions?$filter=machineId eq '{SEED_MACHINE}'");
    let r = server.get(FULL, &path).await;
    let ids: Vec<&str> = r
        .value()
        .iter()
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    let want: Vec<String> = documented
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, want);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn get_machine_action_and_404() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::in_dir(dir.path()).await;
    let r = server
        .get(
            FULL,
            "/api/machineactions/2e9da30d-27f6-4208-81f2-9cd3d67893ba",
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.json["@odata.context"],
        format!("{}/api/$metadata#MachineActions/$entity", server.base)
    );
    assert_documented(&r.json, &documented_actions()[1]);

    for id in [
        "00000000-0000-4000-8000-000000000000",
        "not-a-guid",
        "2e9da30d'",
    ] {
        let r = server.get(FULL, &format!("/api/machineactions/{id}")).await;
        let message = r.error(404, "ResourceNotFound");
        assert!(message.contains("was not found"), "{message}");
    }

    // List options do not apply to one entity.
    let r = server
        .get(
            FULL,
            "/api/machineactions/2e9da30d-27f6-4208-81f2-9cd3d67893ba?$top=1",
        )
        .await;
    r.error(400, "ODataError");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn collect_investigation_package_201_then_400() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::in_dir(dir.path()).await;
    let before = std::time::SystemTime::now();
    let r = server
        .collect(FULL, COLLECT_MACHINE, "Collect forensics due to alert 1234")
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let action = &r.json;
    assert_eq!(
        action["@odata.context"],
        format!("{}/api/$metadata#MachineActions/$entity", server.base)
    );
    assert_eq!(action["type"], "CollectInvestigationPackage");
    assert_eq!(action["status"], "Pending");
    assert_eq!(action["requestor"], "Analyst@contoso.com");
    assert_eq!(
        action["requestorComment"],
        "Collect forensics due to alert 1234"
    );
    assert_eq!(action["machineId"], COLLECT_MACHINE);
    assert_eq!(action["computerDnsName"], "desktop-fb9ab6b");
    assert_eq!(action["relatedFileInfo"], Value::Null);
    let id = action["id"].as_str().unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
    let created = action["creationDateTimeUtc"].as_str().unwrap();
    assert!(is_defender_time(created), "{created}");
    let created = chrono::DateTime::parse_from_rfc3339(created).unwrap();
    let before = chrono::DateTime::<chrono::Utc>::from(before);
    assert!(
        created >= before - chrono::Duration::seconds(1),
        "{created} {before}"
    );
    assert_eq!(
        r.headers["location"],
        format!("{}/api/machineactions/{id}", server.base).as_str()
    );

    // It is stored, and it is now the newest action.
    let stored = server.get(FULL, &format!("/api/machineactions/{id}")).await;
    assert_eq!(stored.status, StatusCode::OK);
    assert_eq!(stored.json, r.json);
    let latest = server.get(FULL, "/api/machineactions?$top=1").await;
    assert_eq!(latest.value()[0]["id"], id);

    // A second request while the first is pending.
    let again = server.collect(FULL, COLLECT_MACHINE, "again").await;
    let message = again.error(400, "BadRequest");
    assert!(message.contains("already in progress"), "{message}");

    // Another machine is fine; an unknown one is not found.
    assert_eq!(
        server.collect(OTHER, SEED_MACHINE, "x").await.json["requestor"],
        "Second app"
    );
    let r = server.collect(FULL, "0123456789abcdef", "x").await;
    assert_eq!(
        r.error(404, "ResourceNotFound"),
        "Machine 0123456789abcdef was not found"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn collect_request_body_errors() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::in_dir(dir.path()).await;
    let path = format!("/api/machines/{COLLECT_MACHINE}/collectInvestigationPackage");

    let r = server
        .post(FULL, &path, r#"{"comment": "lower case"}"#)
        .await;
    let message = r.error(400, "MissingRequiredParameter");
    assert!(
        message.starts_with("Parameter Comment is missing."),
        "{message}"
    );
    assert!(message.contains("found 'comment'"), "{message}");

    let r = server.post(FULL, &path, r#"{}"#).await;
    assert_eq!(
        r.error(400, "MissingRequiredParameter"),
        "Parameter Comment is missing."
    );
    let r = server.post(FULL, &path, r#"{"Comment": null}"#).await;
    r.error(400, "MissingRequiredParameter");

    for body in [
        r#"{"Comment": "x""#,
        "",
        "Comment=x",
        r#"{"Comment": 5}"#,
        r#"["x"]"#,
    ] {
        let r = server.post(FULL, &path, body).await;
        let message = r.error(400, "InvalidRequestBody");
        assert!(
            message.starts_with("Request body is incorrect"),
            "{body}: {message}"
        );
    }

    // Content-Type: application/json is required.
    let r = reply(
        server
            .client
            .post(format!("{}{path}", server.base))
            .bearer_auth(FULL)
            .body(r#"{"Comment": "x"}"#)
            .send()
            .await
            .unwrap(),
    )
    .await;
    r.error(400, "InvalidRequestBody");

    // None of these created anything.
    let filter = format!("machineId eq '{COLLECT_MACHINE}'");
    let r = server
        .get(FULL, &format!("/api/machineactions?$filter={filter}"))
        .await;
    assert!(r.value().is_empty());
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_collects_create_exactly_one_action() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::in_dir(dir.path()).await;
    let server = std::sync::Arc::new(server);
    let mut tasks = Vec::new();
    for i in 0..20 {
        let server = server.clone();
        tasks.push(tokio::spawn(async move {
            server
                .collect(FULL, COLLECT_MACHINE, &format!("request {i}"))
                .await
        }));
    }
    let mut created = 0;
    for task in tasks {
        let r = task.await.unwrap();
        match r.status {
            StatusCode::CREATED => created += 1,
            _ => {
                r.error(400, "BadRequest");
            }
        }
    }
    assert_eq!(created, 1);
    let filter =
        format!("machineId eq '{COLLECT_MACHINE}' and type eq 'CollectInvestigationPackage'");
    let r = server
        .get(
            FULL,
            &format!("/api/machineactions/$count?$filter={filter}"),
        )
        .await;
    assert_eq!(r.text, "1");
    let Ok(server) = std::sync::Arc::try_unwrap(server) else {
        panic!("server still shared");
    };
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn investigations_by_id_and_by_triggering_alert_id() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::in_dir(dir.path()).await;
    let documented = json!({
        "id": "63017",
        "startTime": "2020-01-06T14:11:34Z",
        "endTime": null,
        "state": "Running",
        "cancelledBy": null,
        "statusDetails": null,
        "machineId": "a69a22debe5f274d8765ea3c368d00762e057b30",
        "computerDnsName": "desktop-gtrcon0",
        "triggeringAlertId": "da637139166940871892_-598649278"
    });
    let by_id = server.get(ALERT_READ, "/api/investigations/63017").await;
    assert_eq!(by_id.status, StatusCode::OK, "{}", by_id.text);
    assert_eq!(
        by_id.json["@odata.context"],
        format!("{}/api/$metadata#Investigations/$entity", server.base)
    );
    assert_documented(&by_id.json, &documented);
    let by_alert = server
        .get(
            ALERT_READ,
            "/api/investigations/da637139166940871892_-598649278",
        )
        .await;
    assert_eq!(by_alert.json, by_id.json);
    server
        .get(ALERT_READ, "/api/investigations/99999999")
        .await
        .error(404, "ResourceNotFound");

    let list = server.get(ALERT_READ, "/api/investigations").await;
    assert_eq!(
        list.json["@odata.context"],
        format!("{}/api/$metadata#Investigations", server.base)
    );
    assert!(list.value().iter().any(|i| i["id"] == "63017"));
    let running = server
        .get(
            ALERT_READ,
            "/api/investigations?$filter=state eq 'Running' and startTime lt 2021-01-01Z",
        )
        .await;
    let ids: Vec<&Value> = running.value().iter().map(|i| &i["id"]).collect();
    assert_eq!(ids, [&json!("63017")]);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn odata_errors_are_400_with_positioned_messages() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::in_dir(dir.path()).await;

    let r = server
        .get(FULL, "/api/machineactions?$filter=status eq")
        .await;
    let message = r.error(400, "ODataError");
    assert!(message.starts_with("error: "), "{message}");
    assert!(message.contains("1 | status eq\n"), "{message}");
    assert!(message.contains('^'), "{message}");

    let r = server.get(FULL, "/api/machineactions?$stop=10").await;
    let message = r.error(400, "ODataError");
    assert!(
        message.starts_with("error: unknown query option '$stop'; did you mean '$top'?"),
        "{message}"
    );
    assert!(message.contains("1 | $stop=10"), "{message}");

    for bad in [
        "$top=10001",
        "$top=-1",
        "$filter=computerDnsName eq 'x'",
        "$filter=status eq 'Done'",
        "$filter=machineId eq 1",
        "$orderby=requestorComment",
        "$select=nope",
        "$filter=requestor eq '%ff'",
        "$top=1&$top=2",
    ] {
        let r = server
            .get(FULL, &format!("/api/machineactions?{bad}"))
            .await;
        let message = r.error(400, "ODataError");
        assert!(message.starts_with("error: "), "{bad}: {message}");
    }
    // The same on the other lists and on $count.
    for path in [
        "/api/investigations?$filter=nope eq 1",
        "/api/alerts?$filter=severity eq",
        "/api/machines?$filter=lastSeen gt 'yesterday'",
        "/api/alerts/$count?$filter=(",
        "/api/machines/f46b9bb259ed4a7fb9981b73510e3cc7aa81ec1f/alerts/$count?$filter=machineId eq 'x'",
    ] {
        server.get(FULL, path).await.error(400, "ODataError");
    }
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn tokens_are_required_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::in_dir(dir.path()).await;
    for path in [
        "/api/machineactions",
        "/api/machineactions/2e9da30d-27f6-4208-81f2-9cd3d67893ba",
        "/api/alerts/$count",
        "/api/no/such/route",
    ] {
        let r = server.get("", path).await;
        r.error(401, "Unauthorized");
        assert_eq!(r.headers["www-authenticate"], "Bearer");
        server
            .get("wrong-token", path)
            .await
            .error(401, "Unauthorized");
    }
    let basic = reply(
        server
            .client
            .get(format!("{}/api/machineactions", server.base))
            .header("authorization", format!("Basic {FULL}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    basic.error(401, "Unauthorized");
    let r = server
        .post(
            "nope",
            &format!("/api/machines/{COLLECT_MACHINE}/collectInvestigationPackage"),
            "{}",
        )
        .await;
    r.error(401, "Unauthorized");

    // With a token, unknown routes and methods are 404 NotFound.
    server
        .get(FULL, "/api/no/such/route")
        .await
        .error(404, "NotFound");
    server.get(FULL, "/").await.error(404, "NotFound");
    server
        .post(FULL, "/api/machineactions", "{}")
        .await
        .error(404, "NotFound");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn each_endpoint_needs_its_documented_permission() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::in_dir(dir.path()).await;
    let machine_paths = [
        "/api/machineactions",
        "/api/machineactions/$count",
        "/api/machineactions/2e9da30d-27f6-4208-81f2-9cd3d67893ba",
        "/api/machines",
        "/api/machines/f46b9bb259ed4a7fb9981b73510e3cc7aa81ec1f",
    ];
    let alert_paths = [
        "/api/investigations",
        "/api/investigations/63017",
        "/api/alerts",
        "/api/alerts/$count",
        "/api/machines/f46b9bb259ed4a7fb9981b73510e3cc7aa81ec1f/alerts/$count",
    ];
    let groups = [
        (
            machine_paths.as_slice(),
            MACHINE_READ,
            ALERT_READ,
            "Machine.Read.All or Machine.ReadWrite.All",
        ),
        (
            alert_paths.as_slice(),
            ALERT_READ,
            MACHINE_READ,
            "Alert.Read.All or Alert.ReadWrite.All",
        ),
    ];
    for (paths, allowed, denied, needed) in groups {
        for &path in paths {
            for token in [allowed, READ_WRITE] {
                assert_eq!(
                    server.get(token, path).await.status,
                    StatusCode::OK,
                    "{path}"
                );
            }
            let message = server
                .get(denied, path)
                .await
                .error(403, "Forbidden")
                .to_owned();
            assert!(message.contains(needed), "{message}");
        }
    }
    // Collecting needs Machine.CollectForensics, which read-write does not include.
    for token in [MACHINE_READ, ALERT_READ, READ_WRITE] {
        let r = server.collect(token, COLLECT_MACHINE, "x").await;
        assert!(r
            .error(403, "Forbidden")
            .contains("Machine.CollectForensics"));
    }
    // Permissions are checked before the query.
    server
        .get(ALERT_READ, "/api/machineactions?$filter=(")
        .await
        .error(403, "Forbidden");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn rate_limits_per_token_with_retry_after() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path());
    config.per_minute = 3;
    let server = Server::start(config).await;
    for _ in 0..3 {
        assert_eq!(
            server.get(FULL, "/api/machineactions?$top=1").await.status,
            StatusCode::OK
        );
    }
    let r = server.get(FULL, "/api/machineactions?$top=1").await;
    r.error(429, "TooManyRequests");
    let retry: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    // Retrying early is refused again; errors count like any call; other tokens are unaffected.
    server
        .get(FULL, "/api/machines")
        .await
        .error(429, "TooManyRequests");
    server
        .get(OTHER, "/api/machineactions?$filter=(")
        .await
        .error(400, "ODataError");
    assert_eq!(
        server.get(OTHER, "/api/machineactions?$top=1").await.status,
        StatusCode::OK
    );
    assert_eq!(
        server.get(OTHER, "/api/alerts?$top=1").await.status,
        StatusCode::OK
    );
    server
        .get(OTHER, "/api/alerts")
        .await
        .error(429, "TooManyRequests");
    server.shutdown().await;

    // The hourly window.
    let dir = tempfile::tempdir().unwrap();
    let mut config = self::config(dir.path());
    config.per_hour = 2;
    let server = Server::start(config).await;
    for _ in 0..2 {
        assert_eq!(
            server.get(FULL, "/api/machines?$top=1").await.status,
            StatusCode::OK
        );
    }
    let r = server.get(FULL, "/api/machines?$top=1").await;
    r.error(429, "TooManyRequests");
    let retry: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((3500..=3600).contains(&retry), "{retry}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn database_failures_are_500_without_details() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::in_dir(dir.path()).await;
    assert_eq!(
        server.get(FULL, "/api/alerts?$top=1").await.status,
        StatusCode::OK
    );
    // Damage the database behind the server's back: the alerts table disappears.
    let conn = rusqlite::Connection::open(&server.db).unwrap();
    conn.execute_batch(&format!(
        "DROP TABLE \"{}\"",
        defender_api::table(defender_api::Kind::Alert)
    ))
    .unwrap();
    drop(conn);
    for path in ["/api/alerts?$top=1", "/api/alerts/$count"] {
        let r = server.get(FULL, path).await;
        assert_eq!(r.error(500, "InternalServerError"), "");
        assert!(!r.text.contains("table"), "{}", r.text);
    }
    // The rest still works.
    assert_eq!(
        server.get(FULL, "/api/machines?$top=1").await.status,
        StatusCode::OK
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn data_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::in_dir(dir.path()).await;
    assert!(!server.startup.seeded.is_empty());
    let created = server
        .collect(FULL, COLLECT_MACHINE, "before restart")
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let id = created.json["id"].as_str().unwrap().to_owned();
    let total = server.get(FULL, "/api/machineactions/$count").await.text;
    server.shutdown().await;

    let server = Server::in_dir(dir.path()).await;
    assert!(server.startup.seeded.is_empty(), "seeded again");
    let r = server.get(FULL, &format!("/api/machineactions/{id}")).await;
    let without_context = |v: &Value| {
        let mut v = v.clone();
        v.as_object_mut().unwrap().remove("@odata.context");
        v
    };
    assert_eq!(without_context(&r.json), without_context(&created.json));
    assert_eq!(
        server.get(FULL, "/api/machineactions/$count").await.text,
        total
    );
    // Still pending, so still refused.
    server
        .collect(FULL, COLLECT_MACHINE, "after restart")
        .await
        .error(400, "BadRequest");
    server.shutdown().await;
}

/// Run by [`acknowledged_actions_survive_a_crash`] in a child process: serves the database
/// named by `DEFENDER_API_CRASH_DIR` and prints its address, until killed.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "helper process of acknowledged_actions_survive_a_crash"]
async fn crash_child() {
    let Ok(dir) = std::env::var("DEFENDER_API_CRASH_DIR") else {
        return;
    };
    let server = Server::in_dir(Path::new(&dir)).await;
    println!("LISTENING {}", server.base);
    std::future::pending::<()>().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn acknowledged_actions_survive_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["crash_child", "--exact", "--ignored", "--nocapture"])
        .env("DEFENDER_API_CRASH_DIR", dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let base = tokio::task::spawn_blocking(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .find_map(|line| line.strip_prefix("LISTENING ").map(str::to_owned))
    })
    .await
    .unwrap()
    .expect("the child server did not start");

    let client = reqwest::Client::new();
    let mut ids = Vec::new();
    for machine in [COLLECT_MACHINE, SEED_MACHINE] {
        let response = client
            .post(format!(
                "{base}/api/machines/{machine}/collectInvestigationPackage"
            ))
            .bearer_auth(FULL)
            .header("content-type", "application/json")
            .body(r#"{"Comment": "acknowledged, then the server dies"}"#)
            .send()
            .await
            .unwrap();
        let r = reply(response).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        ids.push(r.json["id"].as_str().unwrap().to_owned());
    }
    // SIGKILL: no shutdown, no destructors.
    child.kill().unwrap();
    child.wait().unwrap();

    let server = Server::in_dir(dir.path()).await;
    for id in ids {
        let r = server.get(FULL, &format!("/api/machineactions/{id}")).await;
        assert_eq!(r.status, StatusCode::OK, "{id}: {}", r.text);
        assert_eq!(r.json["status"], "Pending");
    }
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn next_link_only_when_rows_remain() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path());
    config.page_size = 4;
    let server = Server::start(config).await;

    // Without $top: pages of 4, each linking to the next, until the last.
    let filter = "$filter=type eq 'RunAntiVirusScan'";
    let total: usize = server
        .get(FULL, &format!("/api/machineactions/$count?{filter}"))
        .await
        .text
        .parse()
        .unwrap();
    assert!(total > 8, "{total}");
    let mut seen = Vec::new();
    let mut next = Some(format!(
        "{}/api/machineactions?{filter}&api-version=1.0",
        server.base
    ));
    let mut pages = 0;
    while let Some(url) = next {
        let r = reply(
            server
                .client
                .get(&url)
                .bearer_auth(FULL)
                .send()
                .await
                .unwrap(),
        )
        .await;
        let value = r.value();
        assert!(value.len() <= 4);
        seen.extend(value.iter().map(|v| v["id"].as_str().unwrap().to_owned()));
        next = r.json["@odata.nextLink"].as_str().map(str::to_owned);
        if let Some(link) = &next {
            assert_eq!(value.len(), 4);
            assert!(
                link.starts_with(&format!("{}/api/machineactions?", server.base)),
                "{link}"
            );
            assert!(link.contains(&format!("$skip={}", seen.len())), "{link}");
            assert!(link.contains("api-version=1.0"), "{link}");
        }
        pages += 1;
    }
    assert_eq!(seen.len(), total);
    assert_eq!(pages, total.div_ceil(4));
    let all = server
        .get(FULL, &format!("/api/machineactions?{filter}&$top={total}"))
        .await;
    let all: Vec<String> = all
        .value()
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(all.len(), 4, "a $top larger than the page is cut to a page");
    assert_eq!(all, seen[..4]);

    // $top within a page: no link, even though more rows match.
    let r = server
        .get(FULL, &format!("/api/machineactions?{filter}&$top=3"))
        .await;
    assert_eq!(r.value().len(), 3);
    assert!(r.json.get("@odata.nextLink").is_none());

    // $top beyond a page: the link asks for the rest of the $top rows.
    let r = server
        .get(FULL, &format!("/api/machineactions?{filter}&$top=6"))
        .await;
    assert_eq!(r.value().len(), 4);
    let link = r.json["@odata.nextLink"].as_str().unwrap();
    assert!(
        link.contains("$skip=4") && link.contains("$top=2"),
        "{link}"
    );
    let r = reply(
        server
            .client
            .get(link)
            .bearer_auth(FULL)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let ids: Vec<String> = r
        .value()
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, seen[4..6]);
    assert!(r.json.get("@odata.nextLink").is_none());
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn count_segment_and_count_option() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::in_dir(dir.path()).await;
    let r = server.get(FULL, "/api/machineactions/$count").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers["content-type"], "text/plain; charset=utf-8");
    assert_eq!(r.text, "310");

    let filter = "$filter=status eq 'Succeeded' and creationDateTimeUtc ge 2024-01-01T00:00:00Z";
    let n: u64 = server
        .get(FULL, &format!("/api/machineactions/$count?{filter}"))
        .await
        .text
        .parse()
        .unwrap();
    let r = server
        .get(
            FULL,
            &format!("/api/machineactions?{filter}&$count=true&$top=1"),
        )
        .await;
    assert_eq!(r.json["@odata.count"], n);
    assert_eq!(r.value().len(), 1);

    // The documented example: a machine's unresolved alerts (one, in the samples).
    let path = format!("/api/machines/{SEED_MACHINE}/alerts/$count?$filter=status ne 'Resolved'");
    assert_eq!(server.get(FULL, &path).await.text, "1");
    let path = format!("/api/machines/{SEED_MACHINE}/alerts/$count?$filter=status eq 'Resolved'");
    assert_eq!(server.get(FULL, &path).await.text, "0");
    let path = format!("/api/machines/{SEED_MACHINE}/alerts/$count");
    assert_eq!(server.get(FULL, &path).await.text, "1");
    server
        .get(FULL, "/api/machines/0000/alerts/$count")
        .await
        .error(404, "ResourceNotFound");

    for set in ["alerts", "machines", "investigations"] {
        let count: usize = server
            .get(FULL, &format!("/api/{set}/$count"))
            .await
            .text
            .parse()
            .unwrap();
        assert_eq!(
            server.get(FULL, &format!("/api/{set}")).await.value().len(),
            count
        );
    }
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn select_orderby_skip_and_expand() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::in_dir(dir.path()).await;
    let r = server
        .get(
            FULL,
            "/api/machineactions?$select=id,status&$orderby=creationDateTimeUtc asc&$top=2",
        )
        .await;
    assert_eq!(
        r.json["@odata.context"],
        format!("{}/api/$metadata#MachineActions(id,status)", server.base)
    );
    let value = r.value();
    assert_eq!(
        value[0],
        json!({"id": "44cffc15-0e3d-4cbf-96aa-bf76f9b27f5e", "status": "Succeeded"})
    );
    assert_eq!(value[1]["id"], "2e9da30d-27f6-4208-81f2-9cd3d67893ba");

    let r = server
        .get(
            FULL,
            "/api/machineactions?$orderby=creationDateTimeUtc asc&$skip=1&$top=1",
        )
        .await;
    assert_eq!(r.value()[0]["id"], "2e9da30d-27f6-4208-81f2-9cd3d67893ba");

    // Evidence only with $expand=evidence.
    let r = server
        .get(FULL, "/api/alerts?$filter=severity eq 'High'&$top=5")
        .await;
    assert!(!r.value().is_empty());
    assert!(r.value().iter().all(|a| a["evidence"] == json!([])));
    let r = server
        .get(
            FULL,
            "/api/alerts?$filter=severity eq 'High'&$top=5&$expand=evidence",
        )
        .await;
    assert!(r
        .value()
        .iter()
        .any(|a| a["evidence"].as_array().is_some_and(|e| !e.is_empty())));

    // Machines: collection lambdas, case-insensitive names, nullable enums.
    let r = server
        .get(FULL, "/api/machines?$filter=machineTags/any(t: t eq 'Finance') and onboardingstatus eq 'onboarded'")
        .await;
    assert!(!r.value().is_empty());
    assert!(r.value().iter().all(|m| m["machineTags"]
        .as_array()
        .unwrap()
        .contains(&json!("Finance"))));
    let r = server
        .get(
            FULL,
            "/api/machines?$filter=riskScore eq 'High' and healthStatus ne 'Inactive'",
        )
        .await;
    assert!(r
        .value()
        .iter()
        .all(|m| m["riskScore"] == "High" && m["healthStatus"] != "Inactive"));
    let r = server
        .get(FULL, &format!("/api/machines/{SEED_MACHINE}"))
        .await;
    assert_eq!(r.json["computerDnsName"], "desktop-39g9tgl");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn import_ndjson_detects_entities_and_skips_known_keys() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("extra.ndjson");
    let lines = [
        json!({"id": "5a5a5a5a-1111-4222-8333-444455556666", "type": "Isolate", "scope": "Full",
               "requestor": "import@contoso.com", "status": "Succeeded",
               "machineId": SEED_MACHINE, "creationDateTimeUtc": "2017-01-01T00:00:00.0000000Z",
               "lastUpdateDateTimeUtc": "2017-01-01T00:01:00.0000000Z"}),
        json!({"id": "90001", "startTime": "2021-05-05T10:00:00Z", "state": "Benign",
               "machineId": SEED_MACHINE, "triggeringAlertId": "da1_1"}),
        // Already stored: skipped.
        json!({"@odata.context": "https://x/api/$metadata#Investigations/$entity",
               "id": "63017", "state": "Failed", "machineId": "m", "triggeringAlertId": "t"}),
    ];
    let text: Vec<String> = lines.iter().map(Value::to_string).collect();
    std::fs::write(&data, text.join("\n") + "\n\n").unwrap();
    let mut config = config(dir.path());
    config.data = Some(data.clone());
    let server = Server::start(config.clone()).await;
    assert_eq!(
        server.startup.imported,
        [
            (defender_api::Kind::MachineAction, 1),
            (defender_api::Kind::Investigation, 1)
        ]
    );
    assert_eq!(server.startup.skipped, 1);
    let r = server
        .get(
            FULL,
            "/api/machineactions/5a5a5a5a-1111-4222-8333-444455556666",
        )
        .await;
    assert_eq!(r.json["requestor"], "import@contoso.com");
    let r = server.get(FULL, "/api/investigations/da1_1").await;
    assert_eq!(r.json["id"], "90001");
    assert_eq!(
        server.get(FULL, "/api/investigations/63017").await.json["state"],
        "Running"
    );
    server.shutdown().await;

    // Importing the same file again changes nothing.
    let server = Server::start(config.clone()).await;
    assert!(server.startup.imported.is_empty());
    assert_eq!(server.startup.skipped, 3);
    server.shutdown().await;

    // A record of no known entity is an error, with its line; --data-entity decides instead.
    std::fs::write(&data, "{\"id\": \"x\"}\n").unwrap();
    let err = App::open(&config).unwrap_err().to_string();
    assert!(
        err.contains("extra.ndjson:1: cannot tell which entity"),
        "{err}"
    );
    config.data_entity = Some(defender_api::Kind::Machine);
    let err = App::open(&config).unwrap_err().to_string();
    assert!(
        err.contains("extra.ndjson:1: Machine record: `firstSeen` is missing"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_tokens_file_is_created_with_a_demo_token() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path());
    config.tokens = dir.path().join("new-tokens.json");
    let server = Server::start(config.clone()).await;
    let Some(DemoToken::Created(token)) = server.startup.demo_token.clone() else {
        panic!("no demo token: {:?}", server.startup);
    };
    assert_eq!(server.startup.other_tokens, 0);
    assert!(token.len() >= 64, "{token}");
    assert!(defender_api::is_plain_token(&token), "{token}");
    assert_eq!(
        server.get(&token, "/api/alerts?$top=1").await.status,
        StatusCode::OK
    );
    let r = server.collect(&token, COLLECT_MACHINE, "demo").await;
    assert_eq!(r.json["requestor"], "Analyst@contoso.com");
    server.shutdown().await;

    // The file is reused, not replaced, and its demo token is found again.
    let (tokens, created) = Tokens::load_or_create(&config.tokens).unwrap();
    assert!(created.is_none());
    assert_eq!(tokens.demo_token(), Some(token.as_str()));
    let principal: Principal = (*tokens.get(&token).unwrap()).clone();
    assert_eq!(principal, defender_api::demo_principal());
    assert_eq!(
        principal.permissions.len(),
        defender_api::ALL_PERMISSIONS.len()
    );
    assert_eq!(format!("{tokens:?}"), "Tokens { count: 1 }");
    let (_, startup) = App::open(&config).unwrap();
    assert_eq!(startup.demo_token, Some(DemoToken::Reused(token)));
    assert_eq!(startup.other_tokens, 0);
}

/// The `defender-api` binary in a child process, killed when dropped.
struct MainChild {
    /// The process.
    child: std::process::Child,
    /// Its stderr, kept open so that it can still print.
    _pipe: Option<BufReader<std::process::ChildStderr>>,
    /// The lines it printed on stderr, up to `listening on ...` or its exit.
    stderr: Vec<String>,
    /// `http://ADDR` from its `listening on` line; `None` when it exited before listening.
    base: Option<String>,
}

impl Drop for MainChild {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl MainChild {
    /// Runs `defender-api` with the database in `dir`, the tokens file `tokens`, an ephemeral
    /// port, a small seed and the `extra` arguments; returns once it listens or has exited.
    async fn start(dir: &Path, tokens: &Path, extra: &[&str]) -> MainChild {
        let db = dir.join("defender.db");
        let mut args = vec![
            "--listen",
            "127.0.0.1:0",
            "--db",
            db.to_str().unwrap(),
            "--tokens",
            tokens.to_str().unwrap(),
            "--seed-count",
            "300",
        ];
        args.extend(extra);
        let mut child = Command::new(env!("CARGO_BIN_EXE_defender-api"))
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut pipe = BufReader::new(child.stderr.take().unwrap());
        // Killed by `drop` if reading panics or times out, which ends the read.
        let mut main = MainChild {
            child,
            _pipe: None,
            stderr: Vec::new(),
            base: None,
        };
        let read = tokio::task::spawn_blocking(move || {
            let mut lines = Vec::new();
            let mut line = String::new();
            while pipe.read_line(&mut line).unwrap_or(0) > 0 {
                let text = line.trim_end().to_owned();
                line.clear();
                let base = text.strip_prefix("listening on ").map(str::to_owned);
                lines.push(text);
                if base.is_some() {
                    return (pipe, lines, base);
                }
            }
            (pipe, lines, None)
        });
        let (pipe, stderr, base) = tokio::time::timeout(std::time::Duration::from_secs(120), read)
            .await
            .expect("the child neither listened nor exited within 2 minutes")
            .unwrap();
        main._pipe = Some(pipe);
        main.stderr = stderr;
        main.base = base;
        main
    }

    /// `http://ADDR`; panics with what it printed when it did not start.
    fn base(&self) -> &str {
        self.base
            .as_deref()
            .unwrap_or_else(|| panic!("the server did not start:\n{}", self.stderr.join("\n")))
    }

    /// The tokens of the `export TOKEN=<token>` lines it printed.
    fn exported_tokens(&self) -> Vec<&str> {
        self.stderr
            .iter()
            .filter_map(|line| line.strip_prefix("export TOKEN="))
            .collect()
    }

    /// Waits (at most 60 s) until it exits, and returns its exit status.
    async fn wait(&mut self) -> std::process::ExitStatus {
        for _ in 0..600 {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("the child did not exit:\n{}", self.stderr.join("\n"));
    }
}

/// The status of `method path` on `base` with `token`.
async fn status(base: &str, token: &str, method: &str, path: &str) -> StatusCode {
    let client = reqwest::Client::new();
    let url = format!("{base}{path}");
    let request = match method {
        "GET" => client.get(url),
        _ => client
            .post(url)
            .header("content-type", "application/json")
            .body(r#"{"Comment": "from the README"}"#),
    };
    request.bearer_auth(token).send().await.unwrap().status()
}

/// Asserts that `token` has what the README's curl lines need: reading machine actions,
/// machines, alerts and investigations, and collecting an investigation package (the first
/// collection on `COLLECT_MACHINE` when `collect` is set).
async fn assert_readme_token(base: &str, token: &str, collect: bool) {
    for path in [
        "/api/machineactions?$top=1",
        "/api/machines/$count",
        "/api/alerts?$top=1",
        "/api/investigations/63017",
    ] {
        assert_eq!(
            status(base, token, "GET", path).await,
            StatusCode::OK,
            "{path}"
        );
    }
    if collect {
        let path = format!("/api/machines/{COLLECT_MACHINE}/collectInvestigationPackage");
        assert_eq!(
            status(base, token, "POST", &path).await,
            StatusCode::CREATED
        );
    }
    let wrong = format!("{token}x");
    assert_eq!(
        status(base, &wrong, "GET", "/api/alerts").await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn startup_prints_an_export_token_line_that_the_api_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("new-tokens.json");
    let child = MainChild::start(dir.path(), &tokens, &[]).await;
    let base = child.base().to_owned();
    let exported = child.exported_tokens();
    assert_eq!(exported.len(), 1, "{}", child.stderr.join("\n"));
    let token = exported[0].to_owned();
    assert!(token.len() >= 64, "{token}");
    assert!(defender_api::is_plain_token(&token), "{token}");
    // It is the token written to the tokens file.
    let file: HashMap<String, Value> =
        serde_json::from_slice(&std::fs::read(&tokens).unwrap()).unwrap();
    assert_eq!(file.keys().collect::<Vec<_>>(), [&token]);
    assert_readme_token(&base, &token, true).await;
    drop(child);

    // A later start reuses the file and prints the same line again.
    let child = MainChild::start(dir.path(), &tokens, &[]).await;
    assert_eq!(child.exported_tokens(), [token.as_str()]);
    assert_readme_token(child.base(), &token, false).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_token_flag_makes_that_token_work() {
    const DEMO: &str = "readme-demo-token-0123";
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens.json");
    let child = MainChild::start(dir.path(), &tokens, &["--demo-token", DEMO]).await;
    assert_eq!(
        child.exported_tokens(),
        [DEMO],
        "{}",
        child.stderr.join("\n")
    );
    assert_readme_token(child.base(), DEMO, true).await;
    drop(child);
    assert!(!tokens.exists(), "--demo-token created the tokens file");

    // With a tokens file: its tokens stay valid but are not printed, and the file is unchanged.
    write_tokens(&tokens);
    let before = std::fs::read(&tokens).unwrap();
    let child = MainChild::start(dir.path(), &tokens, &["--demo-token", DEMO]).await;
    assert_eq!(child.exported_tokens(), [DEMO]);
    let printed = child.stderr.join("\n");
    for token in [FULL, OTHER, MACHINE_READ, ALERT_READ, READ_WRITE] {
        assert!(!printed.contains(token), "{token} printed:\n{printed}");
    }
    assert!(printed.contains("5 other tokens"), "{printed}");
    assert_readme_token(child.base(), DEMO, false).await;
    assert_eq!(
        status(child.base(), FULL, "GET", "/api/alerts?$top=1").await,
        StatusCode::OK
    );
    drop(child);
    assert_eq!(std::fs::read(&tokens).unwrap(), before);

    // Without it, a file of other tokens has no demo token to print.
    let mut config = config(dir.path());
    let (_, startup) = App::open(&config).unwrap();
    assert_eq!((startup.demo_token, startup.other_tokens), (None, 5));
    // A --demo-token that the file gives other permissions is refused.
    config.demo_token = Some(FULL.to_owned());
    let err = App::open(&config).unwrap_err().to_string();
    assert!(err.contains("--demo-token"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_too_short_or_unprintable_demo_token_exits_non_zero() {
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens.json");
    for (token, message) in [
        ("short", "too short"),
        ("", "empty"),
        ("fifteen-chars-1", "too short"),
        ("a token with spaces in it", "only ASCII letters"),
        ("$(touch-nothing-here)", "only ASCII letters"),
    ] {
        let mut child = MainChild::start(dir.path(), &tokens, &["--demo-token", token]).await;
        let printed = child.stderr.join("\n");
        assert!(child.base.is_none(), "{token:?} was accepted:\n{printed}");
        assert_eq!(child.wait().await.code(), Some(2), "{printed}");
        assert!(
            printed.contains("--demo-token") && printed.contains(message),
            "{token:?}:\n{printed}"
        );
        assert!(child.exported_tokens().is_empty(), "{printed}");
    }
    // Refused before anything was written.
    assert!(!dir.path().join("defender.db").exists());
    assert!(!tokens.exists());
}

#[test]
fn readme_curl_lines_use_the_exported_token() {
    let readme = include_str!("../README.md");
    // The lines of its ```sh blocks.
    let mut sh = Vec::new();
    let mut in_sh = false;
    for line in readme.lines().map(str::trim) {
        if line.starts_with("```") {
            in_sh = line == "```sh";
        } else if in_sh {
            sh.push(line);
        }
    }
    let curls: Vec<&str> = sh
        .iter()
        .copied()
        .filter(|line| line.starts_with("curl "))
        .collect();
    assert!(curls.len() >= 20, "{}", curls.len());
    for line in curls {
        if line.ends_with("# 401 Unauthorized") {
            assert!(!line.contains("Authorization"), "{line}");
        } else {
            assert!(
                line.contains(r#"-H "Authorization: Bearer $TOKEN""#),
                "{line}"
            );
        }
    }
    // No literal token to paste but one chosen with --demo-token: the others are random.
    for line in sh {
        assert!(!line.starts_with("TOKEN="), "{line}");
        if let Some(token) = line.strip_prefix("export TOKEN=") {
            assert!(readme.contains(&format!("--demo-token {token}")), "{line}");
            assert!(
                defender_api::is_plain_token(token)
                    && token.len() >= defender_api::MIN_DEMO_TOKEN_LEN
            );
        }
    }
}

#[test]
fn command_line_defaults_and_limits() {
    let config = Config::parse_from(["defender-api"]);
    assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(config.db, PathBuf::from("defender.db"));
    assert_eq!((config.per_minute, config.per_hour), (100, 1_500));
    assert_eq!(config.page_size, 10_000);
    assert_eq!(config.seed_count, defender_api::DEFAULT_SEED_COUNT);
    assert!(Config::try_parse_from(["defender-api", "--per-minute", "0"]).is_err());
    assert!(Config::try_parse_from(["defender-api", "--page-size", "10001"]).is_err());
    let config = Config::parse_from(["defender-api", "--data-entity", "MachineActions"]);
    assert_eq!(config.data_entity, Some(defender_api::Kind::MachineAction));
    assert!(Config::try_parse_from(["defender-api", "--data-entity", "vulns"]).is_err());
    assert_eq!(config.demo_token, None);
    let config = Config::parse_from(["defender-api", "--demo-token", "0123456789abcdef"]);
    assert_eq!(config.demo_token.as_deref(), Some("0123456789abcdef"));
    for bad in [
        "",
        "0123456789abcde",
        "0123456789 abcdef",
        "~0123456789abcdef",
        "'0123456789abcdef'",
    ] {
        assert!(
            Config::try_parse_from(["defender-api", "--demo-token", bad]).is_err(),
            "{bad:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_response_has_a_request_id() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::in_dir(dir.path()).await;
    let mut ids = BTreeSet::new();
    for (token, path) in [
        (FULL, "/api/machineactions?$top=1"),
        (FULL, "/api/machineactions/$count"),
        (FULL, "/nope"),
        ("", "/api/alerts"),
        (FULL, "/api/alerts?$filter=x"),
    ] {
        let r = server.get(token, path).await;
        ids.insert(r.request_id().to_owned());
    }
    assert_eq!(ids.len(), 5);
    server.shutdown().await;
}

#[test]
fn generated_records_conform_to_the_catalogue() {
    // Every generated and fixed record fits its schema: non-nullable fields present, values of
    // the declared JSON shapes, enum members as declared.
    let mut all = Vec::new();
    defender_api::generate(2_000, 500, |kind, batch| {
        all.extend(batch.into_iter().map(|r| (kind, r)));
        Ok(())
    })
    .unwrap();
    for (kind, record) in all.iter().chain(&defender_api::fixtures().unwrap()) {
        if let Err(e) = defender_api::validate(*kind, record) {
            panic!("{kind:?}: {e}: {record}");
        }
        if *kind == defender_api::Kind::MachineAction {
            for key in [
                "creationDateTimeUtc",
                "lastUpdateDateTimeUtc",
                "lastUpdateTimeUtc",
            ] {
                if let Some(t) = record.get(key).and_then(Value::as_str) {
                    assert!(chrono::DateTime::parse_from_rfc3339(t).is_ok(), "{t}");
                }
            }
        }
    }
    let generated = all
        .iter()
        .filter(|(k, _)| *k == defender_api::Kind::MachineAction)
        .map(|(_, r)| r["creationDateTimeUtc"].as_str().unwrap());
    for t in generated {
        assert!(is_defender_time(t), "{t}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_database_itself_refuses_a_second_running_collection() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::in_dir(dir.path()).await;
    let r = server.collect(FULL, COLLECT_MACHINE, "first").await;
    assert_eq!(r.status, StatusCode::CREATED);
    // Another writer, bypassing the server's check, cannot add a second running collection.
    let conn = rusqlite::Connection::open(&server.db).unwrap();
    let schema = defender_api::Kind::MachineAction.schema();
    let mut second = r.json.clone();
    second["id"] = json!(uuid::Uuid::new_v4().to_string());
    second["status"] = json!("InProgress");
    let insert = |record: &serde_json::Value| {
        odata_filter::sql::rusqlite::insert_records(&conn, schema, [record.to_string()])
    };
    let err = insert(&second).unwrap_err();
    let source = std::error::Error::source(&err).and_then(|s| s.downcast_ref());
    assert!(
        matches!(
            source,
            Some(rusqlite::Error::SqliteFailure(e, _))
                if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
        ),
        "{err}"
    );
    // A finished one is fine.
    second["status"] = json!("Succeeded");
    insert(&second).unwrap();
    server.shutdown().await;
}

#[test]
fn another_sqlite_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    rusqlite::Connection::open(&config.db)
        .unwrap()
        .execute_batch("CREATE TABLE unrelated (x)")
        .unwrap();
    let err = App::open(&config).unwrap_err().to_string();
    assert!(err.contains("is not a database of this server"), "{err}");
    // A failed seeding leaves nothing behind at the database path.
    let dir = tempfile::tempdir().unwrap();
    let mut config = self::config(dir.path());
    config.db = dir.path().join("no-such-dir").join("defender.db");
    assert!(App::open(&config).is_err());
    assert!(!config.db.exists());
}

/// The plan SQLite chooses for the crate's SQL of `query_string` over machine actions.
fn plan(db: &Path, query_string: &str) -> String {
    let schema = defender_api::Kind::MachineAction.schema();
    let (query, _) = odata_filter::query::QueryOptions::new()
        .parse(schema, query_string)
        .unwrap();
    let select = odata_filter::sql::select(
        &query,
        schema,
        defender_api::table(defender_api::Kind::MachineAction),
        &odata_filter::sql::SqliteDialect,
    )
    .unwrap();
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare(&format!("EXPLAIN QUERY PLAN {}", select.sql))
        .unwrap();
    let rows = stmt
        .query_map(rusqlite::params_from_iter(&select.params), |r| {
            r.get::<_, String>(3)
        })
        .unwrap();
    rows.map(Result::unwrap).collect::<Vec<_>>().join("; ")
}

#[tokio::test(flavor = "multi_thread")]
async fn list_pages_come_off_an_index_without_sorting() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::in_dir(dir.path()).await;
    for query in [
        "$top=100",
        "$top=100&$skip=50",
        "$filter=machineId eq 'x' and creationDateTimeUtc gt 2024-01-01T00:00:00Z&$top=100",
        "$filter=type eq 'Isolate'&$top=10",
    ] {
        let plan = plan(&server.db, query);
        assert!(plan.contains("USING INDEX"), "{query}: {plan}");
        assert!(!plan.contains("TEMP B-TREE"), "{query}: {plan}");
    }
    server.shutdown().await;
}

// Hostile load and odd requests: slow and idle connections, connection and request caps,
// errors below the handlers, duplicate credentials, oversized comments.

/// The test configuration with `set` applied to its limits.
fn limited(dir: &Path, set: impl FnOnce(&mut defender_api::Limits)) -> Config {
    let mut config = config(dir);
    set(&mut config.limits);
    config
}

/// A raw TCP connection to `server`, for what an HTTP client library would not send.
async fn connect(server: &Server) -> tokio::net::TcpStream {
    let addr = server.base.trim_start_matches("http://");
    tokio::net::TcpStream::connect(addr).await.unwrap()
}

/// Reads what the server sends on `stream` until it closes the connection (end of stream or
/// reset), for at most `within`: the bytes and the time until the close, or `None` when the
/// connection is still open at the end.
async fn until_closed(
    stream: &mut tokio::net::TcpStream,
    within: Duration,
) -> Option<(Vec<u8>, Duration)> {
    use tokio::io::AsyncReadExt;
    let start = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let left = within.checked_sub(start.elapsed())?;
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0) | Err(_)) => return Some((got, start.elapsed())),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
        }
    }
}

/// Reads one response (with a `content-length`) from `stream`.
async fn read_reply(stream: &mut tokio::net::TcpStream) -> Reply {
    use tokio::io::AsyncReadExt;
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let mut more = async |data: &mut Vec<u8>| {
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf))
            .await
            .expect("no response within 10 s")
            .unwrap();
        assert!(n > 0, "closed before a whole response: {data:?}");
        data.extend_from_slice(&buf[..n]);
    };
    let end = loop {
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        more(&mut data).await;
    };
    let head = String::from_utf8(data[..end].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let mut headers = HeaderMap::new();
    for line in lines {
        let (name, value) = line.split_once(':').unwrap();
        headers.append(
            reqwest::header::HeaderName::from_bytes(name.trim().as_bytes()).unwrap(),
            value.trim().parse().unwrap(),
        );
    }
    let len: usize = headers
        .get("content-length")
        .map_or(0, |v| v.to_str().unwrap().parse().unwrap());
    while data.len() < end + 4 + len {
        more(&mut data).await;
    }
    let text = String::from_utf8(data[end + 4..end + 4 + len].to_vec()).unwrap();
    Reply {
        status: StatusCode::from_u16(status).unwrap(),
        headers,
        json: serde_json::from_str(&text).unwrap_or(Value::Null),
        text,
    }
}

/// Writes `bytes` to `stream`.
async fn send(stream: &mut tokio::net::TcpStream, bytes: &[u8]) {
    use tokio::io::AsyncWriteExt;
    stream.write_all(bytes).await.unwrap();
}

/// A whole `GET path` request with the full token, keeping the connection alive.
fn get_request(path: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nhost: test\r\nauthorization: Bearer {FULL}\r\n\r\n")
}

/// Sends a header field every 50 ms on `stream` (the slowloris pattern) until writing fails.
fn trickle(mut stream: tokio::io::WriteHalf<tokio::net::TcpStream>) {
    tokio::spawn(async move {
        use tokio::io::AsyncWriteExt;
        for i in 0..200 {
            if stream
                .write_all(format!("x-{i}: y\r\n").as_bytes())
                .await
                .is_err()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
}

#[test]
fn limit_options_defaults_and_parsing() {
    let limits = Config::parse_from(["defender-api"]).limits;
    assert_eq!(limits.header_timeout, Duration::from_secs(10));
    assert_eq!(limits.idle_timeout, Duration::from_secs(60));
    assert_eq!(limits.body_timeout, Duration::from_secs(10));
    assert_eq!(limits.max_connections, 512);
    assert_eq!(limits.max_in_flight, 256);
    assert_eq!(limits.max_uri_len, 32_768);
    assert_eq!(limits.max_header_bytes, 32_768);
    assert_eq!(limits.query_timeout, Duration::from_secs(10));
    assert_eq!(limits.max_heavy, 2);
    assert_eq!(limits.heavy_wait, Duration::from_secs(1));
    let limits = Config::parse_from([
        "defender-api",
        "--header-timeout",
        "250ms",
        "--idle-timeout",
        "7",
        "--body-timeout",
        "3s",
    ])
    .limits;
    assert_eq!(limits.header_timeout, Duration::from_millis(250));
    assert_eq!(limits.idle_timeout, Duration::from_secs(7));
    assert_eq!(limits.body_timeout, Duration::from_secs(3));
    for bad in [
        ["--header-timeout", "0"],
        ["--idle-timeout", "1.5s"],
        ["--body-timeout", "ten"],
        ["--max-connections", "0"],
        ["--max-in-flight", "0"],
        ["--max-uri-len", "65535"],
        ["--max-header-bytes", "300000"],
        ["--query-timeout", "0ms"],
        ["--max-heavy", "0"],
        ["--heavy-wait", "1m"],
    ] {
        let args = ["defender-api", bad[0], bad[1]];
        assert!(Config::try_parse_from(args).is_err(), "{bad:?}");
    }
}

#[test]
fn every_option_is_in_the_readme_table() {
    use clap::CommandFactory;
    let readme = include_str!("../README.md");
    for arg in Config::command().get_arguments() {
        if let Some(long) = arg.get_long().filter(|l| !["help", "version"].contains(l)) {
            assert!(readme.contains(&format!("| `--{long} ")), "--{long}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn slow_request_heads_are_closed_after_the_header_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(limited(dir.path(), |limits| {
        limits.header_timeout = Duration::from_millis(300);
        limits.idle_timeout = Duration::from_secs(30);
    }))
    .await;

    // A request line, then a header field every 50 ms: closed, unanswered, at the timeout.
    let stream = connect(&server).await;
    let (mut read, mut write) = tokio::io::split(stream);
    use tokio::io::AsyncWriteExt;
    write.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
    trickle(write);
    let mut got = Vec::new();
    let start = Instant::now();
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        use tokio::io::AsyncReadExt;
        let mut buf = [0u8; 1024];
        while let Ok(n @ 1..) = read.read(&mut buf).await {
            got.extend_from_slice(&buf[..n]);
        }
    })
    .await;
    let took = start.elapsed();
    assert!(closed.is_ok(), "a trickling client was not closed in 5 s");
    assert!(took >= Duration::from_millis(250), "{took:?}");
    assert!(got.is_empty(), "{}", String::from_utf8_lossy(&got));

    // A connection that sends nothing is closed after the header timeout too.
    let mut silent = connect(&server).await;
    let (got, took) = until_closed(&mut silent, Duration::from_secs(5))
        .await
        .expect("a silent connection was not closed");
    assert!(
        got.is_empty() && took >= Duration::from_millis(250),
        "{took:?}"
    );

    // Between requests the idle timeout applies, not the header timeout: a connection idle for
    // longer than the header timeout still serves its next request ...
    let mut kept = connect(&server).await;
    send(
        &mut kept,
        get_request("/api/machineactions?$top=1").as_bytes(),
    )
    .await;
    assert_eq!(read_reply(&mut kept).await.status, StatusCode::OK);
    assert!(until_closed(&mut kept, Duration::from_millis(900))
        .await
        .is_none());
    send(&mut kept, get_request("/api/machines?$top=1").as_bytes()).await;
    assert_eq!(read_reply(&mut kept).await.status, StatusCode::OK);
    // ... and once the next request has started, its head has the header timeout.
    send(&mut kept, b"GET / HTTP/1.1\r\n").await;
    let (got, took) = until_closed(&mut kept, Duration::from_secs(5))
        .await
        .expect("a started head was not timed out");
    assert!(got.is_empty(), "{}", String::from_utf8_lossy(&got));
    assert!(took < Duration::from_secs(3), "{took:?}");

    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn idle_keep_alive_connections_are_closed() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(limited(dir.path(), |limits| {
        limits.header_timeout = Duration::from_secs(30);
        limits.idle_timeout = Duration::from_millis(300);
    }))
    .await;
    let mut stream = connect(&server).await;
    send(&mut stream, get_request("/api/alerts?$top=1").as_bytes()).await;
    let r = read_reply(&mut stream).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.headers.get("connection").is_none(), "{:?}", r.headers);
    let (got, took) = until_closed(&mut stream, Duration::from_secs(5))
        .await
        .expect("an idle keep-alive connection was not closed in 5 s");
    assert!(got.is_empty(), "{}", String::from_utf8_lossy(&got));
    assert!(took >= Duration::from_millis(250), "{took:?}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn at_the_connection_cap_a_new_connection_closes_the_longest_waiting_one() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(limited(dir.path(), |limits| {
        limits.max_connections = 2;
        limits.header_timeout = Duration::from_secs(30);
    }))
    .await;
    // Two slow clients hold both connections, long before their header timeout.
    let mut slow = Vec::new();
    for _ in 0..2 {
        let mut stream = connect(&server).await;
        send(&mut stream, b"GET / HTTP/1.1\r\nx: 1\r\n").await;
        slow.push(stream);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;

    // A legitimate request is served at once: its connection closes the slow one that has
    // waited longest, unanswered; the other stays open.
    let start = Instant::now();
    let r = reqwest::Client::new()
        .get(format!("{}/api/machineactions?$top=1", server.base))
        .bearer_auth(FULL)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    let (got, _) = until_closed(&mut slow[0], Duration::from_secs(2))
        .await
        .expect("the oldest slow client was not closed");
    assert!(got.is_empty(), "{}", String::from_utf8_lossy(&got));
    assert!(until_closed(&mut slow[1], Duration::from_millis(300))
        .await
        .is_none());

    // Shutting down closes what waits for a head, too.
    let start = Instant::now();
    server.shutdown().await;
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn at_the_connection_cap_busy_connections_are_waited_for() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(limited(dir.path(), |limits| {
        limits.max_connections = 1;
    }))
    .await;
    // The only connection (it has answered, so it holds the slot) is busy with a request whose
    // body is still coming.
    let body = r#"{"Comment": "busy"}"#;
    let mut busy = connect(&server).await;
    send(&mut busy, get_request("/api/alerts?$top=1").as_bytes()).await;
    assert_eq!(read_reply(&mut busy).await.status, StatusCode::OK);
    let head = format!(
        "POST /api/machines/{COLLECT_MACHINE}/collectInvestigationPackage HTTP/1.1\r\n\
         host: test\r\nauthorization: Bearer {FULL}\r\ncontent-type: application/json\r\n\
         content-length: {}\r\n\r\n",
        body.len()
    );
    send(&mut busy, head.as_bytes()).await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Another connection is not served meanwhile, and does not close the busy one ...
    let url = format!("{}/api/machineactions?$top=1", server.base);
    let waiting = tokio::spawn(async move {
        let client = reqwest::Client::new();
        client
            .get(url)
            .bearer_auth(FULL)
            .send()
            .await
            .unwrap()
            .status()
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!waiting.is_finished());
    // ... and is served once the busy connection is done.
    send(&mut busy, body.as_bytes()).await;
    let created = read_reply(&mut busy).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    drop(busy);
    let status = tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .expect("the waiting request was not served")
        .unwrap();
    assert_eq!(status, StatusCode::OK);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn over_max_in_flight_requests_get_503_with_the_documented_body() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(limited(dir.path(), |limits| {
        limits.max_in_flight = 1;
        limits.body_timeout = Duration::from_secs(20);
    }))
    .await;
    // A collect request whose body is slow to come holds the only slot ...
    let body = r#"{"Comment": "slow body"}"#;
    let mut slow = connect(&server).await;
    let head = format!(
        "POST /api/machines/{COLLECT_MACHINE}/collectInvestigationPackage HTTP/1.1\r\n\
         host: test\r\nauthorization: Bearer {FULL}\r\ncontent-type: application/json\r\n\
         content-length: {}\r\n\r\n",
        body.len()
    );
    send(&mut slow, head.as_bytes()).await;
    send(&mut slow, &body.as_bytes()[..5]).await;

    // ... so another request is shed at once (once the slow one holds the slot), with the
    // documented body.
    let start = Instant::now();
    let r = loop {
        let r = server.get(FULL, "/api/machineactions?$top=1").await;
        if r.status != StatusCode::OK || start.elapsed() > Duration::from_secs(5) {
            break r;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let message = r.error(503, "ServiceUnavailable");
    assert!(message.contains("busy"), "{message}");
    assert_eq!(r.headers["retry-after"], "1");
    assert_eq!(r.headers["content-type"], "application/json");
    // Without a token too: the cap comes before authentication.
    server
        .get("", "/api/alerts")
        .await
        .error(503, "ServiceUnavailable");

    // Once the slow request completes, the slot is free again.
    send(&mut slow, &body.as_bytes()[5..]).await;
    let created = read_reply(&mut slow).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.json["requestorComment"], "slow body");
    assert_eq!(
        server.get(FULL, "/api/machineactions?$top=1").await.status,
        StatusCode::OK
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_collect_body_is_408_after_the_body_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(limited(dir.path(), |limits| {
        limits.body_timeout = Duration::from_millis(300);
    }))
    .await;
    let mut slow = connect(&server).await;
    let head = format!(
        "POST /api/machines/{COLLECT_MACHINE}/collectInvestigationPackage HTTP/1.1\r\n\
         host: test\r\nauthorization: Bearer {FULL}\r\ncontent-type: application/json\r\n\
         content-length: 100\r\n\r\n{{\"Comment\""
    );
    send(&mut slow, head.as_bytes()).await;
    let start = Instant::now();
    let r = read_reply(&mut slow).await;
    assert!(start.elapsed() >= Duration::from_millis(250));
    let message = r.error(408, "RequestTimeout");
    assert_eq!(message, "The request body did not arrive within 300ms.");
    // The rest of the body is never read: the connection is closed.
    assert!(until_closed(&mut slow, Duration::from_secs(2))
        .await
        .is_some());
    // Nothing was created.
    let filter = format!("machineId eq '{COLLECT_MACHINE}'");
    let r = server
        .get(FULL, &format!("/api/machineactions?$filter={filter}"))
        .await;
    assert!(r.value().is_empty());
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn long_targets_and_large_headers_get_the_documented_body() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(limited(dir.path(), |limits| {
        limits.max_uri_len = 1_000;
        limits.max_header_bytes = 2_000;
    }))
    .await;
    let long = format!("/api/machineactions?$top=1&pad={}", "a".repeat(1_000));
    let r = server.get(FULL, &long).await;
    let message = r.error(414, "UriTooLong");
    assert!(message.contains("at most 1000 bytes"), "{message}");
    assert_eq!(r.headers["content-type"], "application/json");
    // Checked before authentication.
    server.get("", &long).await.error(414, "UriTooLong");
    let fits = format!("/api/machineactions?$top=1&pad={}", "a".repeat(900));
    assert_eq!(server.get(FULL, &fits).await.status, StatusCode::OK);

    let big = reply(
        server
            .client
            .get(format!("{}/api/machineactions?$top=1", server.base))
            .bearer_auth(FULL)
            .header("x-padding", "b".repeat(2_000))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let message = big.error(431, "RequestHeaderFieldsTooLarge");
    assert!(message.contains("at most 2000 bytes"), "{message}");

    // What hyper refuses itself has no body (README, "Errors"): a request line it cannot
    // parse, a target over 65,534 bytes, more than 100 header fields.
    let many: String = (0..101).map(|i| format!("x-{i}: y\r\n")).collect();
    for (request, status) in [
        ("GET /a b c HTTP/1.1\r\n\r\n".to_owned(), 400),
        (format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(70_000)), 414),
        (format!("GET / HTTP/1.1\r\n{many}\r\n"), 431),
    ] {
        let mut stream = connect(&server).await;
        send(&mut stream, request.as_bytes()).await;
        let r = read_reply(&mut stream).await;
        assert_eq!(r.status.as_u16(), status);
        assert_eq!(r.text, "");
        assert!(r.headers.get("request-id").is_none());
    }
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn two_authorization_headers_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::in_dir(dir.path()).await;
    for pair in [[FULL, "bogus"], ["bogus", FULL], [FULL, FULL]] {
        let r = reply(
            server
                .client
                .get(format!("{}/api/machineactions?$top=1", server.base))
                .header("authorization", format!("Bearer {}", pair[0]))
                .header("authorization", format!("Bearer {}", pair[1]))
                .send()
                .await
                .unwrap(),
        )
        .await;
        let message = r.error(401, "Unauthorized");
        assert_eq!(
            message, "The request has 2 Authorization headers; send exactly one.",
            "{pair:?}"
        );
        assert_eq!(r.headers["www-authenticate"], "Bearer");
    }
    assert_eq!(
        server.get(FULL, "/api/machineactions?$top=1").await.status,
        StatusCode::OK
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn collect_comments_are_capped_and_null_is_not_a_case_hint() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::in_dir(dir.path()).await;
    let path = format!("/api/machines/{COLLECT_MACHINE}/collectInvestigationPackage");

    let r = server
        .collect(FULL, COLLECT_MACHINE, &"x".repeat(1_001))
        .await;
    let message = r.error(400, "InvalidRequestBody");
    assert_eq!(
        message,
        "Request body is incorrect: Comment has 1001 characters; at most 1000 are allowed."
    );
    // A body far larger than any allowed comment is refused before it is parsed.
    let r = server
        .collect(FULL, COLLECT_MACHINE, &"x".repeat(20_000))
        .await;
    let message = r.error(400, "InvalidRequestBody");
    assert_eq!(
        message,
        "Request body is incorrect: it is larger than 16384 bytes."
    );

    let r = server.post(FULL, &path, r#"{"Comment": null}"#).await;
    assert_eq!(
        r.error(400, "MissingRequiredParameter"),
        "Parameter Comment is missing. It is null; give a string."
    );
    let r = server
        .post(FULL, &path, r#"{"Comment": null, "comment": "x"}"#)
        .await;
    assert_eq!(
        r.error(400, "MissingRequiredParameter"),
        "Parameter Comment is missing. Parameter names are case-sensitive: found 'comment'."
    );

    // 1,000 characters are accepted, counted as characters (each of these is 2 bytes), and
    // escaped as \uXXXX they still fit the body limit.
    let comment = "é".repeat(1_000);
    let body = format!("{{\"Comment\": \"{}\"}}", "\\u00e9".repeat(1_000));
    let r = server.post(FULL, &path, &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["requestorComment"], comment.as_str());
    server.shutdown().await;
}

// Hostile load, part 2: filters at the parser's limits, the read budget, cancellation, heavy
// pages, streamed pages, links near the URI limit, import errors.

/// The largest `n` up to `hi` for which `make(n)` is a `$filter` the Alerts schema accepts
/// (the parser's limits decide), given that `make(1)` is accepted.
fn largest_accepted(hi: usize, make: impl Fn(usize) -> String) -> usize {
    let schema = defender_api::Kind::Alert.schema();
    let ok = |n: usize| odata_filter::query::Query::from_filter(schema, &make(n)).is_ok();
    assert!(ok(1));
    let (mut lo, mut hi) = (1, hi);
    assert!(!ok(hi), "{hi} is accepted");
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        match ok(mid) {
            true => lo = mid,
            false => hi = mid,
        }
    }
    lo
}

/// `GET target` with the full token on a connection of its own, exactly as given (no client
/// library re-encodes it).
async fn raw_get(server: &Server, target: &str) -> Reply {
    let mut stream = connect(server).await;
    send(&mut stream, get_request(target).as_bytes()).await;
    read_reply(&mut stream).await
}

#[tokio::test(flavor = "multi_thread")]
async fn machine_alert_count_takes_client_filters_at_the_parser_limits() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(limited(dir.path(), |limits| limits.max_uri_len = 65_534)).await;
    let alert = server.get(FULL, "/api/alerts?$top=1").await;
    let machine = alert.value()[0]["machineId"].as_str().unwrap().to_owned();
    let count = async |filter: &str| {
        let target = format!(
            "/api/machines/{machine}/alerts/$count?$filter={}",
            filter.replace(' ', "+")
        );
        assert!(target.len() <= 65_534, "{}", target.len());
        let r = raw_get(&server, &target).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        r.text.parse::<u64>().unwrap()
    };

    // `not` nested as deep as the parser allows: an even depth is the plain condition.
    let deep = |n: usize| format!("{}(status eq 'New')", "not ".repeat(n));
    let depth = largest_accepted(1_000, deep) & !1;
    assert!(depth >= 90, "{depth}");
    // An `or` chain with as many terms as the node limit allows.
    let chain = |n: usize| vec!["status eq 'New'"; n].join(" or ");
    let terms = largest_accepted(20_000, chain);
    assert!(terms >= 3_000, "{terms}");
    let plain = count("status eq 'New'").await;
    assert_eq!(count(&deep(depth)).await, plain);
    assert_eq!(count(&chain(terms)).await, plain);

    // A filter whose canonical print is longer than its text (instants print in full), as
    // long as the parser accepts (its canonical print within the input limit); one term more
    // is the client's error, as on /api/alerts, not the server's.
    let term = "lastUpdateTime gt 2019-01-01Z";
    let dates = |n: usize| vec![term; n].join(" or ");
    let n = largest_accepted(5_000, dates);
    let schema = defender_api::Kind::Alert.schema();
    let checked = odata_filter::query::Query::from_filter(schema, &dates(n)).unwrap();
    let canonical = checked.filter.unwrap().to_string();
    assert!(
        canonical.len() > dates(n).len() + 10_000,
        "{}",
        canonical.len()
    );
    assert_eq!(count(&dates(n)).await, count(term).await);
    let target = format!(
        "/api/machines/{machine}/alerts/$count?$filter={}",
        dates(n + 1).replace(' ', "+")
    );
    raw_get(&server, &target).await.error(400, "ODataError");
    server.shutdown().await;
}

/// The test configuration with one more machine whose `machineTags` has `tags` tags, so that
/// [`QUADRATIC`] costs `tags`² comparisons on it: far more than any test waits for.
fn with_tagged_machine(dir: &Path, tags: usize) -> Config {
    let (_, mut machine) = defender_api::fixtures()
        .unwrap()
        .into_iter()
        .find(|(kind, _)| *kind == defender_api::Kind::Machine)
        .unwrap();
    machine["id"] = "tagged-machine".into();
    machine["machineTags"] = (0..tags).map(|i| format!("tag-{i:06}")).collect();
    let data = dir.join("tagged.ndjson");
    std::fs::write(&data, format!("{machine}\n")).unwrap();
    let mut config = config(dir);
    config.data = Some(data);
    config
}

/// A filter that compares every pair of a machine's tags and matches none.
const QUADRATIC: &str = "machineTags/any(a:machineTags/any(b:b+gt+a+and+b+lt+a))";

/// Waits until `ready` holds for the server's read counters, for at most `within`.
async fn until_reads(
    server: &Server,
    within: Duration,
    ready: impl Fn(defender_api::Reads) -> bool,
) {
    let start = Instant::now();
    while !ready(server.reads()) {
        assert!(
            start.elapsed() < within,
            "read counters: {:?}",
            server.reads()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_read_over_its_budget_is_503_query_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = with_tagged_machine(dir.path(), 20_000);
    config.limits.query_timeout = Duration::from_secs(1);
    let server = Server::start(config).await;
    let list = raw_get(&server, &format!("/api/machines?$filter={QUADRATIC}")).await;
    let message = list.error(503, "QueryTimeout");
    assert!(message.contains("within 1000 ms"), "{message}");
    assert_eq!(list.headers["content-type"], "application/json");
    let count = raw_get(
        &server,
        &format!("/api/machines/$count?$filter={QUADRATIC}"),
    )
    .await;
    count.error(503, "QueryTimeout");
    let reads = server.reads();
    assert_eq!((reads.timed_out, reads.cancelled, reads.running), (2, 0, 0));
    // The pooled connections serve the next reads, without the stopped reads' handlers.
    for _ in 0..3 {
        let r = server.get(FULL, "/api/machines?$top=2").await;
        assert_eq!(r.value().len(), 2);
    }
    assert_eq!(server.reads().timed_out, 2);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_that_disconnects_stops_its_read() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = with_tagged_machine(dir.path(), 20_000);
    config.limits.query_timeout = Duration::from_secs(600);
    let server = Server::start(config).await;
    for (i, target) in [
        format!("/api/machines?$filter={QUADRATIC}"),
        format!("/api/machines/$count?$filter={QUADRATIC}"),
    ]
    .iter()
    .enumerate()
    {
        let mut stream = connect(&server).await;
        send(&mut stream, get_request(target).as_bytes()).await;
        until_reads(&server, Duration::from_secs(30), |r| r.running == 1).await;
        drop(stream);
        // The read would take minutes; it stops once the server sees the client gone.
        until_reads(&server, Duration::from_secs(60), |r| r.running == 0).await;
        let reads = server.reads();
        assert_eq!((reads.cancelled, reads.timed_out), (i as u64 + 1, 0));
    }
    assert_eq!(
        server.get(FULL, "/api/machines?$top=1").await.status,
        StatusCode::OK
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn heavy_pages_wait_for_a_slot_and_light_requests_are_still_served() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = with_tagged_machine(dir.path(), 20_000);
    config.limits.query_timeout = Duration::from_secs(600);
    config.limits.max_heavy = 1;
    config.limits.heavy_wait = Duration::from_millis(200);
    let server = Server::start(config).await;
    // A heavy page (10,000 rows without $top) that reads for minutes holds the only slot.
    let mut hog = connect(&server).await;
    let target = format!("/api/machines?$filter={QUADRATIC}");
    send(&mut hog, get_request(&target).as_bytes()).await;
    until_reads(&server, Duration::from_secs(30), |r| r.running == 1).await;

    // A flood of heavy pages (a sorted order, a large $top) is refused after a short wait,
    // while light requests are answered all along.
    let heavy = [
        "/api/machineactions?$orderby=requestor&$top=5",
        "/api/alerts?$top=5000",
    ];
    let light = [
        "/api/machineactions?$top=5",
        "/api/machineactions/$count",
        "/api/alerts?$top=1&$orderby=alertCreationTime desc",
        "/api/machines/f46b9bb259ed4a7fb9981b73510e3cc7aa81ec1f",
    ];
    let mut tasks = Vec::new();
    for i in 0..16 {
        let (client, base) = (server.client.clone(), server.base.clone());
        let (path, is_heavy) = match i % 2 {
            0 => (heavy[i / 2 % heavy.len()], true),
            _ => (light[i / 2 % light.len()], false),
        };
        tasks.push(tokio::spawn(async move {
            let url = format!("{base}{path}");
            let r = reply(client.get(url).bearer_auth(FULL).send().await.unwrap()).await;
            (path, is_heavy, r)
        }));
    }
    for task in tasks {
        let (path, is_heavy, r) = task.await.unwrap();
        match is_heavy {
            true => {
                let message = r.error(503, "ServiceUnavailable");
                assert!(message.contains("busy with 1 large"), "{message}");
                assert_eq!(r.headers["retry-after"], "1", "{path}");
            }
            false => assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text),
        }
    }
    // Once the heavy page's client leaves, its read stops and the slot is free.
    drop(hog);
    until_reads(&server, Duration::from_secs(60), |r| r.running == 0).await;
    for path in heavy {
        assert_eq!(
            server.get(FULL, path).await.status,
            StatusCode::OK,
            "{path}"
        );
    }
    server.shutdown().await;
}

/// The body the server sent before pages were streamed: the stored records of `query_string`
/// over machine actions, each reshaped by `reshape`, in a page of `context` (and `count`).
fn expected_page(
    db: &Path,
    query_string: &str,
    context: &str,
    count: Option<u64>,
    reshape: impl Fn(Value) -> Value,
) -> String {
    let schema = defender_api::Kind::MachineAction.schema();
    let (query, _) = odata_filter::query::QueryOptions::new()
        .parse(schema, query_string)
        .unwrap();
    let conn = rusqlite::Connection::open(db).unwrap();
    let texts = odata_filter::sql::rusqlite::query_text(&conn, schema, &query).unwrap();
    let rows: Vec<String> = texts
        .iter()
        .map(|t| match query.select {
            Some(_) => reshape(query.project(serde_json::from_str(t).unwrap())).to_string(),
            None => t.clone(),
        })
        .collect();
    let count = count.map_or(String::new(), |n| format!(",\"@odata.count\":{n}"));
    format!(
        "{{\"@odata.context\":{}{count},\"value\":[{}]}}",
        Value::from(context),
        rows.join(",")
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn large_pages_are_streamed_with_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::in_dir(dir.path()).await;
    let context = format!("{}/api/$metadata#MachineActions", server.base);
    let total: u64 = server
        .get(FULL, "/api/machineactions/$count")
        .await
        .text
        .parse()
        .unwrap();

    // More than one chunk of 64 KiB: sent chunked, byte for byte what a whole body was.
    let r = server.get(FULL, "/api/machineactions?$top=300").await;
    assert!(r.text.len() > 2 * 64 * 1024, "{}", r.text.len());
    assert_eq!(r.headers["transfer-encoding"], "chunked");
    assert!(r.headers.get("content-length").is_none());
    let expected = expected_page(&server.db, "$top=300", &context, None, |v| v);
    assert!(r.text == expected, "the streamed page differs");

    // Records the server projects, with a count, streamed too.
    let select = "$select=id,type,status,requestor,requestorComment,machineId,computerDnsName,creationDateTimeUtc,lastUpdateDateTimeUtc";
    let r = server
        .get(
            FULL,
            &format!("/api/machineactions?{select}&$count=true&$top=300"),
        )
        .await;
    assert_eq!(r.headers["transfer-encoding"], "chunked");
    let context_selected = format!(
        "{context}(id,type,status,requestor,requestorComment,machineId,computerDnsName,creationDateTimeUtc,lastUpdateDateTimeUtc)"
    );
    let query = format!("{select}&$top=300");
    let expected = expected_page(&server.db, &query, &context_selected, Some(total), |v| v);
    assert!(r.text == expected, "the streamed projected page differs");

    // A page within one chunk keeps its content-length.
    let r = server.get(FULL, "/api/machineactions?$top=2").await;
    assert_eq!(r.headers["content-length"], r.text.len().to_string());
    let expected = expected_page(&server.db, "$top=2", &context, None, |v| v);
    assert_eq!(r.text, expected);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn next_links_near_the_uri_limit_are_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = limited(dir.path(), |limits| limits.max_uri_len = 2_000);
    config.page_size = 4;
    let server = Server::start(config).await;
    let filter = "$filter=type+eq+%27RunAntiVirusScan%27+and+status+ne+%27Failed%27";
    let path = "/api/machineactions";
    // A link adds at most `&$skip=` and 20 digits (27 bytes) to the query as sent.
    let padded = |len: usize| {
        let target = format!("{path}?{filter}&api-version=1.0&pad=");
        format!("{target}{}", "a".repeat(len - target.len()))
    };
    let first = padded(2_000 - 27);
    let schema = defender_api::Kind::MachineAction.schema();
    let (query, _) = odata_filter::query::QueryOptions::new()
        .parse(schema, filter)
        .unwrap();
    let conn = rusqlite::Connection::open(&server.db).unwrap();
    let all: Vec<String> = odata_filter::sql::rusqlite::query(&conn, schema, &query)
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(all.len() > 8, "{}", all.len());
    // Every link is the client's query as sent, with its own $skip, and is accepted.
    let mut seen = Vec::new();
    let mut next = Some(format!("{}{first}", server.base));
    while let Some(url) = next {
        let r = reply(
            server
                .client
                .get(&url)
                .bearer_auth(FULL)
                .send()
                .await
                .unwrap(),
        )
        .await;
        seen.extend(
            r.value()
                .iter()
                .map(|v| v["id"].as_str().unwrap().to_owned()),
        );
        next = r.json["@odata.nextLink"].as_str().map(str::to_owned);
        if let Some(link) = &next {
            let expected = format!("{}{first}&$skip={}", server.base, seen.len());
            assert_eq!(link, &expected);
        }
    }
    assert_eq!(seen, all);

    // One byte more and the links could not all be accepted: refused at once, with the
    // documented body; unless no link can follow.
    let r = server.get(FULL, &padded(2_000 - 26)).await;
    let message = r.error(414, "UriTooLong");
    assert!(message.contains("@odata.nextLink"), "{message}");
    let within_a_page = format!("{}&$top=3", padded(2_000 - 26 - 7));
    assert_eq!(server.get(FULL, &within_a_page).await.value().len(), 3);
    server.shutdown().await;
}

#[test]
fn import_errors_name_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("bad.ndjson");
    let mut config = config(dir.path());
    config.data = Some(data.clone());
    let good = [
        json!({"id": "90002", "startTime": "2021-05-05T10:00:00Z", "state": "Benign",
               "machineId": SEED_MACHINE, "triggeringAlertId": "da2_2"}),
        json!({"id": "5a5a5a5a-1111-4222-8333-444455556667", "type": "Isolate",
               "scope": "Full", "requestor": "import@contoso.com", "status": "Succeeded",
               "machineId": SEED_MACHINE, "creationDateTimeUtc": "2017-01-01T00:00:00Z",
               "lastUpdateDateTimeUtc": "2017-01-01T00:01:00Z"}),
    ];
    let mut bad_action = good[1].clone();
    bad_action["id"] = "5a5a5a5a-1111-4222-8333-444455556668".into();
    let mut status = bad_action.clone();
    status["status"] = "Done".into();
    let mut not_a_guid = bad_action.clone();
    not_a_guid["id"] = "not-a-guid".into();
    let mut unstorable = bad_action.clone();
    unstorable["requestorComment"] = "nul \u{0} inside".into();
    for (bad, why) in [
        (status, "MachineAction record: `status` is not a valid"),
        (not_a_guid, "`not-a-guid` is not a valid id"),
        (
            unstorable,
            "MachineAction record 5a5a5a5a-1111-4222-8333-444455556668 cannot be stored",
        ),
    ] {
        let lines = [good[0].to_string(), good[1].to_string(), bad.to_string()];
        std::fs::write(&data, lines.join("\n") + "\n").unwrap();
        let err = App::open(&config).unwrap_err().to_string();
        let at = format!("{}:3: {why}", data.display());
        assert!(err.contains(&at), "{err}");
    }
    // Nothing of a failed import is stored.
    let conn = rusqlite::Connection::open(&config.db).unwrap();
    let stored: i64 = conn
        .query_row(
            &format!(
                "SELECT count(*) FROM \"{}\" WHERE id = '90002'",
                defender_api::table(defender_api::Kind::Investigation)
            ),
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, 0);
}
