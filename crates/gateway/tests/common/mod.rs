//! Test doubles: a scripted Lambda backend whose policy check is
//! `portico_model::Statement::allows_service_invoke`, and a collecting log sink.
#![allow(dead_code)]

use bytes::Bytes;
use portico_gateway::*;
use portico_model::{Principal, Scope, Statement};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub type Script =
    Box<dyn Fn(&FunctionTarget, &[u8]) -> Result<LambdaResult, LambdaInvokeError> + Send + Sync>;

pub struct FakeLambda {
    pub script: Script,
    pub source_arns: Vec<String>,
    pub payloads: Mutex<Vec<Bytes>>,
    pub delay: Duration,
}

impl FakeLambda {
    pub fn new(source_arns: &[&str], script: Script) -> FakeLambda {
        FakeLambda {
            script,
            source_arns: source_arns.iter().map(|s| s.to_string()).collect(),
            payloads: Mutex::new(Vec::new()),
            delay: Duration::ZERO,
        }
    }
}

impl LambdaBackend for FakeLambda {
    fn invoke<'a>(
        &'a self,
        target: &'a FunctionTarget,
        payload: Bytes,
    ) -> BoxFuture<'a, Result<LambdaResult, LambdaInvokeError>> {
        Box::pin(async move {
            self.payloads.lock().unwrap().push(payload.clone());
            if !self.delay.is_zero() {
                tokio::time::sleep(self.delay).await;
            }
            (self.script)(target, &payload)
        })
    }

    fn policy_allows(&self, target: &FunctionTarget, source_arn: &str) -> PolicyDecision {
        let statements: Vec<Statement> = self
            .source_arns
            .iter()
            .map(|p| Statement {
                sid: "AllowInvokeFromAPIGateway".into(),
                action: "lambda:InvokeFunction".into(),
                principal: Principal::Service("apigateway.amazonaws.com".into()),
                resource: target.function_arn.clone(),
                source_arn: Some(p.clone()),
                source_account: None,
            })
            .collect();
        if statements.iter().any(|s| {
            s.allows_service_invoke("apigateway.amazonaws.com", source_arn, "000000000000")
        }) {
            PolicyDecision::Allowed
        } else {
            PolicyDecision::Denied {
                patterns: self.source_arns.clone(),
            }
        }
    }
}

#[derive(Default)]
pub struct Collect(pub Mutex<Vec<LogRecord>>);

impl LogSink for Collect {
    fn submit(&self, batch: Vec<LogRecord>) {
        self.0.lock().unwrap().extend(batch);
    }
}

impl Collect {
    pub fn text(&self) -> String {
        self.0
            .lock()
            .unwrap()
            .iter()
            .map(|r| r.message.clone())
            .collect::<Vec<_>>()
            .join("\n")
    }
    pub fn clear(&self) {
        self.0.lock().unwrap().clear();
    }
}

pub fn stage(snapshot: &serde_json::Value, variables: &[(&str, &str)]) -> StageView {
    let api = CompiledApi::compile(snapshot).unwrap();
    StageView {
        api_id: api.api_id().to_string(),
        stage: "test".into(),
        deployment_id: "dep001".into(),
        variables: variables
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        api: Arc::new(api),
        settings: Default::default(),
    }
}

pub fn gateway(lambda: Arc<FakeLambda>, logs: Arc<Collect>) -> Gateway {
    Gateway::new(lambda, logs, Scope::default())
}

pub fn ip() -> IpAddr {
    "127.0.0.1".parse().unwrap()
}

pub fn load(name: &str) -> serde_json::Value {
    let p = format!("{}/tests/golden/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap()
}

pub fn header<'a>(r: &'a http::Response<Bytes>, name: &str) -> &'a str {
    r.headers()
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or("")
}
