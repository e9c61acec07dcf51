//! Lambda's JSON shapes (PascalCase members), converted from domain types.

use portico_model::{Principal, Statement};
use serde_json::{Map, Value, json};

/// A statement as AWS renders it: keys in the order Sid, Effect, Principal,
/// Action, Resource, Condition; condition values are single strings.
pub fn statement(s: &Statement) -> Value {
    let mut m = Map::new();
    m.insert("Sid".into(), json!(s.sid));
    m.insert("Effect".into(), json!("Allow"));
    m.insert(
        "Principal".into(),
        match &s.principal {
            Principal::Any => json!("*"),
            Principal::Service(svc) => json!({"Service": svc}),
            Principal::Aws(arn) => json!({"AWS": arn}),
        },
    );
    m.insert("Action".into(), json!(s.action));
    m.insert("Resource".into(), json!(s.resource));
    let mut cond = Map::new();
    if let Some(a) = &s.source_account {
        cond.insert("StringEquals".into(), json!({"AWS:SourceAccount": a}));
    }
    if let Some(a) = &s.source_arn {
        cond.insert("ArnLike".into(), json!({"AWS:SourceArn": a}));
    }
    if !cond.is_empty() {
        m.insert("Condition".into(), Value::Object(cond));
    }
    Value::Object(m)
}

/// The policy document GetPolicy returns as a string.
pub fn policy(statements: &[Statement]) -> String {
    json!({"Version": "2012-10-17", "Id": "default", "Statement": statements.iter().map(statement).collect::<Vec<_>>()}).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statement_shape_and_key_order() {
        let s = Statement {
            sid: "s3".into(),
            action: "lambda:InvokeFunction".into(),
            principal: Principal::Service("s3.amazonaws.com".into()),
            resource: "arn:aws:lambda:us-east-1:111111111111:function:f".into(),
            source_arn: Some("arn:aws:s3:::bucket".into()),
            source_account: None,
        };
        assert_eq!(
            statement(&s).to_string(),
            r#"{"Sid":"s3","Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:us-east-1:111111111111:function:f","Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:s3:::bucket"}}}"#
        );
    }
}
