//! The real router over a real system database, driven request by request.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::Value;
use strata_api::{AppState, router};
use strata_db::SystemDatabase;
use strata_db::testing::TestDb;
use tower::ServiceExt;

struct Answer {
    status: StatusCode,
    content_type: String,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text()))
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

async fn get(db: &TestDb, path: &str) -> Answer {
    let system = SystemDatabase::open(db.address()).await.unwrap();
    let response =
        router(AppState::new(system)).oneshot(Request::get(path).body(Body::empty()).unwrap()).await.unwrap();
    let status = response.status();
    let content_type =
        response.headers().get(header::CONTENT_TYPE).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    let body = response.into_body().collect().await.unwrap().to_bytes().to_vec();
    Answer { status, content_type, body }
}

#[tokio::test]
async fn health_reports_the_server_and_its_kind() {
    let db = TestDb::new().await;
    let answer = get(&db, "/api/v1/health").await;
    assert_eq!(answer.status, StatusCode::OK);
    let health = answer.json();
    assert_eq!(health["status"], "ok");
    let version = health["postgres_version"].as_str().unwrap();
    assert!(version.split('.').next().unwrap().parse::<u32>().unwrap() >= 15, "{version}");
    let kind = db.address().kind().as_str();
    assert_eq!(health["database"], kind);
}

#[tokio::test]
async fn unknown_api_paths_are_problems() {
    let db = TestDb::new().await;
    for path in ["/api/v1/nothing", "/api/v2/health", "/api", "/api/v1/health/extra"] {
        let answer = get(&db, path).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(answer.content_type, "application/problem+json", "{path}");
        let problem = answer.json();
        assert_eq!(problem["status"], 404);
        assert_eq!(problem["title"], "Not Found");
        assert!(problem["detail"].as_str().unwrap().contains(path), "{problem}");
    }
}

#[tokio::test]
async fn the_openapi_document_describes_health() {
    let db = TestDb::new().await;
    let answer = get(&db, "/api/openapi.json").await;
    assert_eq!(answer.status, StatusCode::OK);
    let doc = answer.json();
    assert_eq!(doc["info"]["title"], "Strata API");
    assert!(doc["paths"]["/api/v1/health"]["get"].is_object(), "{doc}");
    assert!(doc["components"]["schemas"]["Problem"].is_object());

    let ui = get(&db, "/api/docs/").await;
    assert_eq!(ui.status, StatusCode::OK);
    assert!(ui.text().contains("swagger"), "{}", ui.text());
}

#[tokio::test]
async fn the_app_is_served_for_its_own_routes() {
    let db = TestDb::new().await;
    for path in ["/", "/databases/shop/tables/orders"] {
        let answer = get(&db, path).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}");
        assert!(answer.content_type.starts_with("text/html"), "{path}: {}", answer.content_type);
        // Built or not, the page names Strata: the app itself, or how to build it.
        assert!(answer.text().contains("Strata"), "{path}");
    }
}

#[tokio::test]
async fn health_says_when_the_database_is_down() {
    let address = strata_db::ServerAddress::parse("postgres://strata:hunter2@127.0.0.1:1/strata").unwrap();
    let system = SystemDatabase { pool: address.pool(1), address };
    let response = router(AppState::new(system))
        .oneshot(Request::get("/api/v1/health").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let problem: Value = serde_json::from_slice(&body).unwrap();
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains("127.0.0.1:1"), "{detail}");
    assert!(!detail.contains("hunter2"), "{detail}");
}
