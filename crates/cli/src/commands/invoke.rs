//! `portico invoke NAME`: each JSON document on stdin is one synchronous
//! invocation of the alias, through the running server when there is one
//! (so its warm environments are used), else by a local engine.

use crate::cli::InvokeArgs;
use crate::context::Context;
use crate::endpoint;
use anyhow::{Context as _, Result, bail};
use base64::Engine as _;
use bytes::Bytes;
use portico_lambda::{Engine, InvokeRequest};
use std::io::{IsTerminal, Read};
use std::process::ExitCode;

struct Reply {
    payload: Bytes,
    function_error: bool,
    log: Option<String>,
}

pub async fn invoke(ctx: &Context, a: InvokeArgs) -> Result<ExitCode> {
    let project = ctx.project()?;
    let functions = project.select(std::slice::from_ref(&a.name))?;
    let Some(f) = functions.first() else {
        bail!("no function loaded")
    };
    let name = f.full_name().to_string();
    let docs = read_documents()?;
    let server = endpoint::find(ctx.global.endpoint.as_deref(), &ctx.state_dir);
    let mut local: Option<Engine> = None;
    let mut failed = false;
    for doc in docs {
        // Apex's form: {"event": ..., "context": ...} sends `event` with `context` as ClientContext.
        let (event, client_context) = match &doc {
            serde_json::Value::Object(m) if m.contains_key("event") => {
                let cc = m
                    .get("context")
                    .map(|c| base64::engine::general_purpose::STANDARD.encode(c.to_string()));
                (m.get("event").cloned().unwrap_or_default(), cc)
            }
            _ => (doc.clone(), None),
        };
        let payload = Bytes::from(event.to_string());
        let reply = match &server {
            Some(url) => match remote(
                url,
                &name,
                &a.alias,
                payload.clone(),
                client_context.clone(),
            )
            .await
            {
                Ok(r) => r,
                Err(e) => bail!("the server at {url} did not answer: {e:#}"),
            },
            None => {
                if local.is_none() {
                    local = Some(Engine::new(ctx.engine_config())?);
                }
                let engine = local.as_ref().context("engine")?;
                let mut req = InvokeRequest::sync(&name, Some(&a.alias), payload);
                req.log_tail = true;
                req.client_context = client_context;
                let r = engine
                    .invoke(req)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                Reply {
                    payload: r.payload,
                    function_error: r.function_error.is_some(),
                    log: r.log_result,
                }
            }
        };
        if a.logs
            && let Some(log) = reply
                .log
                .as_deref()
                .and_then(|l| base64::engine::general_purpose::STANDARD.decode(l).ok())
        {
            eprint!("{}", String::from_utf8_lossy(&log));
        }
        if reply.function_error {
            failed = true;
            let msg = serde_json::from_slice::<serde_json::Value>(&reply.payload)
                .ok()
                .and_then(|v| {
                    v.get("errorMessage")
                        .and_then(|m| m.as_str())
                        .map(str::to_string)
                })
                .unwrap_or_else(|| String::from_utf8_lossy(&reply.payload).to_string());
            eprintln!("Error: function response: {msg}");
        } else {
            println!("{}", String::from_utf8_lossy(&reply.payload));
        }
    }
    if let Some(engine) = local {
        engine.shutdown();
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// The JSON documents on stdin (`{}` when stdin is a terminal).
fn read_documents() -> Result<Vec<serde_json::Value>> {
    if std::io::stdin().is_terminal() {
        return Ok(vec![serde_json::json!({})]);
    }
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .context("reading stdin")?;
    let mut docs = Vec::new();
    for d in serde_json::Deserializer::from_str(&input).into_iter::<serde_json::Value>() {
        docs.push(d.context("stdin is not a stream of JSON documents")?);
    }
    if docs.is_empty() {
        docs.push(serde_json::json!({}));
    }
    Ok(docs)
}

async fn remote(
    url: &str,
    name: &str,
    alias: &str,
    payload: Bytes,
    client_context: Option<String>,
) -> Result<Reply> {
    let client = reqwest::Client::builder().no_proxy().build()?;
    let mut req = client
        .post(format!(
            "{url}/2015-03-31/functions/{name}/invocations?Qualifier={alias}"
        ))
        .header("X-Amz-Log-Type", "Tail")
        .body(payload);
    if let Some(cc) = client_context {
        req = req.header("X-Amz-Client-Context", cc);
    }
    let resp = req.send().await?;
    let status = resp.status();
    let headers = resp.headers().clone();
    let header = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let function_error = header("x-amz-function-error").is_some();
    let log = header("x-amz-log-result");
    let error_type = header("x-amzn-errortype");
    let body: Bytes = resp.bytes().await?;
    if !status.is_success() {
        let msg = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| {
                v.get("message")
                    .or_else(|| v.get("Message"))
                    .and_then(|m| m.as_str())
                    .map(str::to_string)
            })
            .unwrap_or_else(|| String::from_utf8_lossy(&body).to_string());
        bail!(
            "{}: {msg}",
            error_type.unwrap_or_else(|| status.to_string())
        );
    }
    Ok(Reply {
        payload: body,
        function_error,
        log,
    })
}
