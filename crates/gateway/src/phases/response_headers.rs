//! Response headers, the last step for every answer (success or gateway
//! response): `x-amzn-RequestId`, `x-amz-apigw-id`, and `X-Amzn-Trace-Id`
//! on successful non-MOCK integrations only (AWS-rec test_invocation_trace_id).
//! Header names or values that HTTP cannot carry (a mapping can produce
//! them) are dropped with a log line rather than failing the response.

use crate::context::{MethodOut, RequestContext};
use http::{HeaderName, HeaderValue, Response};

pub(crate) fn finish(
    ctx: &mut RequestContext<'_>,
    out: MethodOut,
    trace: bool,
) -> Response<bytes::Bytes> {
    let mut resp = Response::new(out.body);
    *resp.status_mut() =
        http::StatusCode::from_u16(out.status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    let mut headers = out.headers;
    headers.push(("x-amzn-RequestId".into(), ctx.ids.request_id.clone()));
    headers.push(("x-amz-apigw-id".into(), ctx.ids.extended_id.clone()));
    if trace {
        headers.push(("X-Amzn-Trace-Id".into(), ctx.ids.trace_id.clone()));
    }
    for (k, v) in headers {
        match (
            HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(&v),
        ) {
            (Ok(n), Ok(v)) => {
                resp.headers_mut().append(n, v);
            }
            _ => ctx.log.explain(format!(
                "the response header `{k}` could not be sent: its name or value is not valid HTTP"
            )),
        }
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{stage_for, with_ctx};
    use bytes::Bytes;

    #[test]
    fn adds_ids_and_drops_invalid_headers() {
        let stage = stage_for(serde_json::json!({}));
        with_ctx(&stage, http::Request::new(Bytes::new()), "/", |ctx| {
            let out = MethodOut {
                status: 201,
                headers: vec![("bad name".into(), "v".into()), ("X-A".into(), "b".into())],
                body: Bytes::new(),
            };
            let r = finish(ctx, out, false);
            assert_eq!(r.status(), 201);
            assert_eq!(r.headers()["x-amzn-requestid"].len(), 36);
            assert!(
                r.headers().contains_key("x-amz-apigw-id")
                    && !r.headers().contains_key("x-amzn-trace-id")
            );
            assert_eq!(r.headers()["x-a"], "b");
            assert!(ctx.log.lines.iter().any(|l| l.contains("bad name")));
            let r = finish(
                ctx,
                MethodOut {
                    status: 1000,
                    ..Default::default()
                },
                true,
            );
            assert_eq!(r.status(), 500);
            assert!(r.headers().contains_key("x-amzn-trace-id"));
        });
    }
}
