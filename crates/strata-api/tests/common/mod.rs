//! Shared by the API tests: the real router over a system database and a user database next to
//! it, both throw-away, driven request by request with `oneshot`.
#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::Value;
use strata_api::{AppState, router};
use strata_db::SystemDatabase;
use strata_db::testing::TestDb;
use tower::ServiceExt;

/// An HTTP answer.
pub struct Answer {
    pub status: StatusCode,
    pub content_type: String,
    /// The `Strata-Action` header's value, if there was one.
    pub action_header: Option<String>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text()))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Asserts a problem+json answer with `status`, and returns the problem.
    #[track_caller]
    pub fn problem(&self, status: StatusCode) -> Value {
        assert_eq!(self.status, status, "{}", self.text());
        assert_eq!(self.content_type, "application/problem+json", "{}", self.text());
        let problem = self.json();
        assert_eq!(problem["status"], status.as_u16());
        problem
    }

    /// Asserts a 400 that names `parameter`.
    #[track_caller]
    pub fn bad_parameter(&self, parameter: &str) -> Value {
        let problem = self.problem(StatusCode::BAD_REQUEST);
        assert_eq!(problem["parameter"], parameter, "{problem}");
        assert!(problem["detail"].as_str().unwrap().contains(parameter), "{problem}");
        problem
    }

    /// The action a successful write made, from its `Strata-Action` header.
    #[track_caller]
    pub fn action(&self) -> i64 {
        assert!(self.status.is_success(), "{}: {}", self.status, self.text());
        let header =
            self.action_header.as_deref().unwrap_or_else(|| panic!("no Strata-Action header: {}", self.text()));
        header.parse().unwrap_or_else(|e| panic!("Strata-Action {header:?}: {e}"))
    }

    /// Asserts a 200 and returns the JSON.
    #[track_caller]
    pub fn ok(&self) -> Value {
        assert_eq!(self.status, StatusCode::OK, "{}", self.text());
        self.json()
    }
}

/// The router over a fresh system database, and a fresh user database on the same server.
pub struct Api {
    pub system: TestDb,
    pub user: TestDb,
    app: Router,
}

impl Api {
    pub async fn new() -> Api {
        let system = TestDb::new().await;
        let user = TestDb::new().await;
        // The test database is the system database (cloned from a migrated template);
        // `SystemDatabase::open` would pick the embedded cluster's shared `strata` instead.
        let address = system.address().clone();
        let app = router(AppState::new(SystemDatabase { pool: address.pool(4), address }));
        Api { system, user, app }
    }

    /// The user database's name.
    pub fn db(&self) -> &str {
        self.user.name()
    }

    /// Runs SQL in the user database.
    pub async fn sql(&self, sql: &str) {
        self.user.client().await.batch_execute(sql).await.unwrap_or_else(|e| panic!("{e}: {sql}"));
    }

    /// `/api/v1/databases/{db}/schemas/{schema}/tables/{table}` with every part encoded.
    pub fn table_path(&self, schema: &str, table: &str) -> String {
        format!("/api/v1/databases/{}/schemas/{}/tables/{}", enc(self.db()), enc(schema), enc(table))
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(Request::get(path).body(Body::empty()).unwrap()).await
    }

    pub async fn post(&self, path: &str, body: &str) -> Answer {
        let request =
            Request::post(path).header(header::CONTENT_TYPE, "application/json").body(Body::from(body.to_string()));
        self.send(request.unwrap()).await
    }

    /// Any method, with an optional JSON body.
    pub async fn call(&self, method: &str, path: &str, body: Option<&str>) -> Answer {
        let request = Request::builder().method(method).uri(path).header(header::CONTENT_TYPE, "application/json");
        self.send(request.body(Body::from(body.unwrap_or_default().to_string())).unwrap()).await
    }

    /// Sends any request.
    pub async fn send(&self, request: Request<Body>) -> Answer {
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let content_type =
            response.headers().get(header::CONTENT_TYPE).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        let action_header = response.headers().get("strata-action").map(|v| v.to_str().unwrap().to_string());
        let body = response.into_body().collect().await.unwrap().to_bytes().to_vec();
        Answer { status, content_type, action_header, body }
    }
}

/// Percent-encodes a path segment or query value.
pub fn enc(text: &str) -> String {
    strata_db::percent_encode(text)
}

/// A query string from pairs, each part encoded.
pub fn query(pairs: &[(&str, &str)]) -> String {
    pairs.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&")
}
