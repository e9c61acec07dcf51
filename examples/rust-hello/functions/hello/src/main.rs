//! GET /hello?name=you behind a Lambda proxy integration: the event is the
//! whole HTTP request, the result says the status, headers and body.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::{json, Value};

async fn handler(event: LambdaEvent<Value>) -> Result<Value, Error> {
    let (request, ctx) = event.into_parts();
    let name = request["queryStringParameters"]["name"]
        .as_str()
        .unwrap_or("world")
        .to_string();
    println!("greeting {name}");
    let body = json!({
        "message": format!("Hello, {name}, from Rust!"),
        "request_id": ctx.request_id,
    });
    Ok(json!({
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
        "body": body.to_string(),
    }))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(handler)).await
}
