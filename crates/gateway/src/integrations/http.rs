//! HTTP and HTTP_PROXY: the backend is called with `reqwest`. Non-proxy
//! calls carry only the mapped headers plus the ones API Gateway adds
//! (`Accept`, `User-Agent: AmazonAPIGateway_{api}`,
//! `X-Amzn-Apigateway-Api-Id`); proxy calls forward the client's request.

use bytes::Bytes;

/// What the backend answered.
pub(crate) struct HttpAnswer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

/// Why the call did not happen.
pub(crate) enum HttpFailure {
    /// The URI cannot be called (500 API_CONFIGURATION_ERROR).
    BadUri(String),
    /// Connection or protocol failure (500).
    Network(String),
}

pub(crate) struct HttpCall<'a> {
    pub method: &'a str,
    pub uri: &'a str,
    pub headers: &'a [(String, String)],
    pub query: &'a [(String, String)],
    pub body: Bytes,
}

pub(crate) async fn call(
    client: &reqwest::Client,
    c: HttpCall<'_>,
) -> Result<HttpAnswer, HttpFailure> {
    let mut url =
        reqwest::Url::parse(c.uri).map_err(|e| HttpFailure::BadUri(format!("`{}`: {e}", c.uri)))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(HttpFailure::BadUri(format!(
            "`{}` is not an http(s) URL",
            c.uri
        )));
    }
    if !c.query.is_empty() {
        let mut q = url.query_pairs_mut();
        for (k, v) in c.query {
            q.append_pair(k, v);
        }
    }
    let method = reqwest::Method::from_bytes(c.method.as_bytes())
        .map_err(|_| HttpFailure::BadUri(format!("method `{}`", c.method)))?;
    let mut rb = client.request(method, url);
    for (k, v) in c.headers {
        rb = rb.header(k.as_str(), v.as_str());
    }
    let resp = rb
        .body(c.body)
        .send()
        .await
        .map_err(|e| HttpFailure::Network(e.to_string()))?;
    let status = resp.status().as_u16();
    let headers = resp
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                crate::phases::parse::title_case(k.as_str()),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let body = resp
        .bytes()
        .await
        .map_err(|e| HttpFailure::Network(e.to_string()))?;
    Ok(HttpAnswer {
        status,
        headers,
        body,
    })
}
