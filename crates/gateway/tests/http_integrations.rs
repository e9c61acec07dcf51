//! HTTP and HTTP_PROXY integrations against a loopback backend: status
//! selection for HTTP (backend 400 with only a default 200 gives 200),
//! status and body passthrough for HTTP_PROXY, and header remapping.

mod common;

use bytes::Bytes;
use common::*;
use serde_json::json;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Answers every connection with `400`, a `Server` header and the request
/// line echoed in the body.
async fn backend() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let n = sock.read(&mut buf).await.unwrap_or(0);
                let head = String::from_utf8_lossy(&buf[..n]).to_string();
                let line = head.lines().next().unwrap_or_default().to_string();
                let ua = head
                    .lines()
                    .find(|l| l.to_ascii_lowercase().starts_with("user-agent:"))
                    .unwrap_or_default()
                    .to_string();
                let body = format!("{line}|{ua}");
                let resp = format!(
                    "HTTP/1.1 400 Bad Request\r\nServer: tiny\r\nX-Backend: yes\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = sock.write_all(resp.as_bytes()).await;
            });
        }
    });
    port
}

fn api(kind: &str, port: u16) -> serde_json::Value {
    json!({
        "rest_api": {"id": "h77p000001"},
        "resources": [{"id":"root01","parent_id":"","path_part":"","path":"/"},{"id":"it","parent_id":"root01","path_part":"{id}","path":"/{id}"}],
        "methods": [{"resource_id":"it","http_method":"GET","authorization":"NONE"}],
        "integrations": [{"resource_id":"it","http_method":"GET","type":kind,"integration_http_method":"GET",
            "uri": format!("http://127.0.0.1:{port}/items/{{id}}?v=${{stageVariables.v}}"),
            "request_parameters": {"integration.request.path.id": "method.request.path.id"}}],
        "integration_responses": [{"resource_id":"it","http_method":"GET","status_code":"200","selection_pattern":"",
            "response_parameters": {"method.response.header.Server": "integration.response.header.Server"}}]
    })
}

#[tokio::test]
async fn http_selects_on_status_and_proxy_passes_through() {
    let port = backend().await;
    let gw = gateway(
        Arc::new(FakeLambda::new(&[], Box::new(|_, _| unreachable!()))),
        Arc::new(Collect::default()),
    );

    let stage = stage(&api("HTTP", port), &[("v", "2")]);
    let r = gw
        .handle(
            &stage,
            http::Request::get("/a1").body(Bytes::new()).unwrap(),
            "/a1",
            ip(),
        )
        .await;
    assert_eq!(
        r.status(),
        200,
        "backend 400, only a default 200: the client gets 200 (AWS-rec)"
    );
    assert_eq!(
        &r.body()[..],
        b"GET /items/a1?v=2 HTTP/1.1|user-agent: AmazonAPIGateway_h77p000001"
    );
    assert_eq!(
        header(&r, "x-amzn-Remapped-Server"),
        "tiny",
        "mapped Server is remapped"
    );
    assert_eq!(
        header(&r, "x-backend"),
        "",
        "backend headers only reach the client through mappings"
    );

    let stage = common::stage(&api("HTTP_PROXY", port), &[("v", "2")]);
    let req = http::Request::get("/a1?q=1")
        .header("user-agent", "curl/8")
        .body(Bytes::new())
        .unwrap();
    let r = gw.handle(&stage, req, "/a1", ip()).await;
    assert_eq!(
        r.status(),
        400,
        "HTTP_PROXY passes the backend status through"
    );
    assert_eq!(
        &r.body()[..],
        b"GET /items/a1?v=2&q=1 HTTP/1.1|user-agent: curl/8"
    );
    assert_eq!(header(&r, "x-backend"), "yes");
    assert_eq!(header(&r, "x-amzn-Remapped-Server"), "tiny");
}

#[tokio::test]
async fn unreachable_backend_is_500() {
    let gw = gateway(
        Arc::new(FakeLambda::new(&[], Box::new(|_, _| unreachable!()))),
        Arc::new(Collect::default()),
    );
    let stage = stage(&api("HTTP", 1), &[]);
    let r = gw
        .handle(
            &stage,
            http::Request::get("/a").body(Bytes::new()).unwrap(),
            "/a",
            ip(),
        )
        .await;
    assert_eq!(
        (r.status().as_u16(), &r.body()[..]),
        (500, &br#"{"message": "Internal server error"}"#[..])
    );
}
