//! The binary's side of the API Gateway data plane: which stage a request
//! names, the stage's frozen deployment compiled once and cached (with the
//! stage's method settings), the Lambda engine behind the gateway's
//! `LambdaBackend`, API keys and usage plans behind its `UsageBackend`
//! (`usage`), and its logs into the store.

use anyhow::Result;
use axum::body::Body;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use portico_gateway::{
    BoxFuture, CompiledApi, FunctionTarget, Gateway, LambdaBackend, LambdaInvokeError,
    LambdaResult, LogKind, LogRecord, LogSink, MethodSettings, PolicyDecision, StageSettings,
    StageView,
};
use portico_lambda::{Engine, InvokeError, InvokeRequest};
use portico_store::{LogWriter, Store};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, RwLock};

/// The execution-log group of a stage, as API Gateway names it.
pub fn execution_log_group(api: &str, stage: &str) -> String {
    format!("API-Gateway-Execution-Logs_{api}/{stage}")
}

/// The access-log group Portico writes one line per request to.
pub fn access_log_group(api: &str, stage: &str) -> String {
    format!("API-Gateway-Access-Logs_{api}/{stage}")
}

/// What the data plane has read from the store, valid while the store's
/// change counter still reads `generation`.
#[derive(Default)]
struct Cache {
    generation: Option<u64>,
    /// Ready-to-serve stages by API id, then stage name (two lookups by
    /// `&str`, so a request allocates no key).
    views: HashMap<String, HashMap<String, Arc<StageView>>>,
    /// Compiled deployments by (API id, deployment id); kept across
    /// changes, since a deployment is a frozen snapshot.
    compiled: HashMap<(String, String), Arc<CompiledApi>>,
    /// Stages whose deployment could not be read or compiled, by
    /// `api/stage`, with the reason.
    broken: HashMap<String, String>,
}

impl Cache {
    fn lookup(&self, api: &str, stage: &str) -> Result<Option<Arc<StageView>>, String> {
        if let Some(v) = self.views.get(api).and_then(|m| m.get(stage)) {
            return Ok(Some(v.clone()));
        }
        match self.broken.get(&format!("{api}/{stage}")) {
            Some(e) => Err(e.clone()),
            None => Ok(None),
        }
    }
}

/// Serves every deployed stage.
pub struct DataPlane {
    gateway: Gateway,
    store: Mutex<Store>,
    generation: portico_store::Generation,
    cache: RwLock<Cache>,
}

struct Backend(Arc<Engine>);

impl LambdaBackend for Backend {
    fn invoke<'a>(
        &'a self,
        target: &'a FunctionTarget,
        payload: Bytes,
    ) -> BoxFuture<'a, Result<LambdaResult, LambdaInvokeError>> {
        Box::pin(async move {
            let req = InvokeRequest::sync(&target.name, target.qualifier.as_deref(), payload);
            match self.0.invoke(req).await {
                Ok(r) => Ok(LambdaResult {
                    payload: r.payload,
                    function_error: r.function_error.is_some(),
                }),
                Err(InvokeError::NotFound(m)) => Err(LambdaInvokeError::NotFound(m)),
                Err(InvokeError::Throttled { .. }) => Err(LambdaInvokeError::Throttled),
                Err(InvokeError::RequestTooLarge(_)) => Err(LambdaInvokeError::TooLarge),
                Err(e) => Err(LambdaInvokeError::Other(e.to_string())),
            }
        })
    }

    fn policy_allows(&self, target: &FunctionTarget, source_arn: &str) -> PolicyDecision {
        let account = &self.0.config().scope.account;
        let statements = self
            .0
            .policy(&target.name, target.qualifier.as_deref())
            .unwrap_or_default();
        if statements
            .iter()
            .any(|s| s.allows_service_invoke("apigateway.amazonaws.com", source_arn, account))
        {
            PolicyDecision::Allowed
        } else {
            let patterns = statements
                .iter()
                .map(|s| {
                    s.source_arn
                        .clone()
                        .unwrap_or_else(|| "(no SourceArn condition)".into())
                })
                .collect();
            PolicyDecision::Denied { patterns }
        }
    }
}

struct Logs(LogWriter);

impl LogSink for Logs {
    /// The gateway hands a request's execution log as one record (its lines
    /// joined by newlines; `portico logs` prints them line by line) and its
    /// access-log line as another.
    fn submit(&self, batch: Vec<LogRecord>) {
        for r in batch {
            let group = match r.kind {
                LogKind::Execution => execution_log_group(&r.api_id, &r.stage),
                LogKind::Access => access_log_group(&r.api_id, &r.stage),
            };
            self.0.send(&group, "portico", r.epoch_ms, r.message);
        }
    }
}

impl DataPlane {
    /// A data plane over the engine, with its own store connection.
    pub fn new(engine: Arc<Engine>, store_dir: &std::path::Path) -> Result<DataPlane> {
        let logs = Arc::new(Logs(engine.log_writer().clone()));
        let scope = engine.config().scope.clone();
        let usage = Arc::new(crate::usage::UsageStore::open(store_dir)?);
        let gateway = Gateway::new(Arc::new(Backend(engine)), logs, scope)
            .with_usage(usage)
            .with_credentials(credentials());
        let store = Store::open(store_dir)?;
        Ok(DataPlane {
            gateway,
            generation: store.generation(),
            store: Mutex::new(store),
            cache: RwLock::new(Cache::default()),
        })
    }

    /// The stage and its compiled deployment, re-read when the store changed
    /// (an apply by another process takes effect on the next request). The
    /// common case is one atomic load and a read lock.
    fn stage(&self, api: &str, stage: &str) -> Result<Option<Arc<StageView>>, String> {
        let generation = self.generation.get();
        {
            let cache = self.cache.read().unwrap_or_else(|e| e.into_inner());
            if cache.generation == Some(generation) {
                return cache.lookup(api, stage);
            }
        }
        let mut cache = self.cache.write().unwrap_or_else(|e| e.into_inner());
        if cache.generation != Some(generation) {
            let mut store = self.store.lock().unwrap_or_else(|e| e.into_inner());
            reload(&mut store, &mut cache)?;
            // Tagged with the value read before SQLite: a change landing in
            // between makes the next request reload again.
            cache.generation = Some(generation);
        }
        cache.lookup(api, stage)
    }

    fn known(&self) -> Vec<String> {
        let cache = self.cache.read().unwrap_or_else(|e| e.into_inner());
        let mut v: Vec<String> = cache
            .views
            .iter()
            .flat_map(|(a, m)| m.keys().map(move |s| format!("{a}/{s}")))
            .chain(cache.broken.keys().cloned())
            .collect();
        v.sort();
        v
    }

    /// Serves a request addressed to a stage, or `None` when the request
    /// names no stage (so that the caller's other routes answer).
    pub async fn serve(&self, req: Request, peer: Option<SocketAddr>) -> Option<Response> {
        let host = req
            .headers()
            .get(http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .map(str::to_string);
        let path = req.uri().path().to_string();
        let addr = portico_gateway::parse_stage_address(host.as_deref(), &path)?;
        let (api, stage_name, rest) = (
            addr.api_id.to_string(),
            addr.stage.to_string(),
            addr.path.to_string(),
        );
        let stage = match self.stage(&api, &stage_name) {
            Ok(Some(s)) => s,
            Ok(None) => {
                let known = self.known();
                let msg = if known.is_empty() {
                    format!(
                        "Portico serves no stage {api}/{stage_name}: no stage is deployed (run `portico infra apply`)"
                    )
                } else {
                    format!(
                        "Portico serves no stage {api}/{stage_name}; deployed stages: {}",
                        known.join(", ")
                    )
                };
                return Some(not_found(&msg));
            }
            Err(e) => {
                return Some(not_found(&format!(
                    "stage {api}/{stage_name} cannot be served: {e}"
                )));
            }
        };
        let (parts, body) = req.into_parts();
        let limit = portico_gateway::MAX_PAYLOAD_BYTES + 1;
        let bytes = {
            use http_body_util::BodyExt;
            match http_body_util::Limited::new(body, limit).collect().await {
                Ok(c) => c.to_bytes(),
                // Too large: hand the gateway a body over its limit so that it
                // answers 413 (customisable as REQUEST_TOO_LARGE) itself.
                Err(_) => Bytes::from(vec![0u8; limit]),
            }
        };
        let req = http::Request::from_parts(parts, bytes);
        let ip = peer
            .map(|p| p.ip())
            .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
        let resp = self.gateway.handle(stage.as_ref(), req, &rest, ip).await;
        let (parts, body) = resp.into_parts();
        Some(Response::from_parts(parts, Body::from(body)))
    }
}

/// Re-reads every stage and its method settings, compiling deployments not
/// compiled yet. A stage whose deployment cannot be read or compiled goes
/// to `broken`, reported only to requests for that stage.
fn reload(store: &mut Store, cache: &mut Cache) -> Result<(), String> {
    let stages = store
        .read()
        .and_then(|t| t.stages())
        .map_err(|e| e.to_string())?;
    let rows = store
        .read()
        .and_then(|t| t.method_settings())
        .map_err(|e| e.to_string())?;
    let mut settings: HashMap<(String, String), StageSettings> = HashMap::new();
    for r in rows {
        let v: serde_json::Value = serde_json::from_str(&r.settings_json).unwrap_or_default();
        settings
            .entry((r.api_id, r.stage_name))
            .or_default()
            .methods
            .push((r.method_path, MethodSettings::from_provider_json(&v)));
    }
    let mut views: HashMap<String, HashMap<String, Arc<StageView>>> = HashMap::new();
    cache.broken.clear();
    for s in stages {
        let key = (s.api_id.clone(), s.deployment_id.clone());
        let compiled = match cache.compiled.get(&key) {
            Some(c) => c.clone(),
            None => match compile(store, &s.api_id, &s.stage_name, &s.deployment_id) {
                Ok(c) => {
                    cache.compiled.insert(key, c.clone());
                    c
                }
                Err(e) => {
                    cache
                        .broken
                        .insert(format!("{}/{}", s.api_id, s.stage_name), e);
                    continue;
                }
            },
        };
        let view = StageView {
            settings: settings
                .remove(&(s.api_id.clone(), s.stage_name.clone()))
                .unwrap_or_default(),
            api_id: s.api_id.clone(),
            stage: s.stage_name.clone(),
            deployment_id: s.deployment_id,
            variables: s.variables.into_iter().collect(),
            api: compiled,
        };
        views
            .entry(s.api_id)
            .or_default()
            .insert(s.stage_name, Arc::new(view));
    }
    cache.views = views;
    Ok(())
}

/// A stage's deployment, compiled.
fn compile(
    store: &mut Store,
    api: &str,
    stage: &str,
    deployment_id: &str,
) -> Result<Arc<CompiledApi>, String> {
    let d = store
        .read()
        .and_then(|t| t.deployment(api, deployment_id))
        .map_err(|e| e.to_string())?
        .ok_or_else(|| {
            format!("stage {stage} points at deployment {deployment_id} which does not exist")
        })?;
    let json: serde_json::Value = serde_json::from_str(&d.snapshot_json)
        .map_err(|e| format!("deployment {}: {e}", d.deployment_id))?;
    let compiled =
        CompiledApi::compile(&json).map_err(|e| format!("deployment {}: {e}", d.deployment_id))?;
    Ok(Arc::new(compiled))
}

/// The credentials `AWS_IAM` methods verify signatures against:
/// `PORTICO_ACCESS_KEY_ID` / `PORTICO_SECRET_ACCESS_KEY` when both are
/// set, else `test` / `test`.
fn credentials() -> Vec<(String, String)> {
    match (
        std::env::var("PORTICO_ACCESS_KEY_ID"),
        std::env::var("PORTICO_SECRET_ACCESS_KEY"),
    ) {
        (Ok(k), Ok(s)) if !k.is_empty() => vec![(k, s)],
        _ => {
            let (k, s) = portico_gateway::DEFAULT_CREDENTIALS;
            vec![(k.to_string(), s.to_string())]
        }
    }
}

fn not_found(message: &str) -> Response {
    let body = serde_json::json!({"message": message}).to_string();
    (
        http::StatusCode::NOT_FOUND,
        [("content-type", "application/json")],
        body,
    )
        .into_response()
}
