//! `AddPermission`, `GetPolicy`, `RemovePermission`.

use super::wire;
use crate::AwsError;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use portico_lambda::Engine;
use portico_model::{FunctionRef, LATEST, Principal, Statement, validate_statement_id};
use portico_store::StoreError;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AddPermissionInput {
    statement_id: String,
    action: String,
    principal: String,
    source_arn: Option<String>,
    source_account: Option<String>,
}

fn target(
    engine: &Engine,
    name: &str,
    query: &HashMap<String, String>,
) -> Result<(String, Option<String>), AwsError> {
    let decoded = percent_encoding::percent_decode_str(name)
        .decode_utf8_lossy()
        .to_string();
    let r =
        FunctionRef::parse(&decoded).map_err(|e| AwsError::InvalidParameterValue(e.to_string()))?;
    let q = r.qualifier.or_else(|| query.get("Qualifier").cloned());
    let exists = engine
        .with_store(|s| s.read()?.function_exists(&r.name))
        .map_err(|e| AwsError::Service(e.to_string()))?;
    if !exists {
        return Err(AwsError::ResourceNotFound(format!(
            "Function not found: {}",
            engine.config().scope.function_arn(&r.name)
        )));
    }
    Ok((r.name, q))
}

fn store_error(engine: &Engine, name: &str, q: Option<&str>, e: StoreError) -> AwsError {
    match e {
        StoreError::StatementExists(_) => AwsError::ResourceConflict(e.to_string()),
        StoreError::StatementNotFound(_) | StoreError::NoPolicy => {
            AwsError::ResourceNotFound(e.to_string())
        }
        StoreError::QualifierNotFound { .. } => AwsError::ResourceNotFound(format!(
            "Cannot find alias arn: {}",
            engine.config().scope.qualified_arn(name, q)
        )),
        other => AwsError::Service(other.to_string()),
    }
}

pub async fn add_permission(
    State(engine): State<Arc<Engine>>,
    Path(function_name): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    Json(input): Json<AddPermissionInput>,
) -> Result<Response, AwsError> {
    let (name, q) = target(&engine, &function_name, &query)?;
    if q.as_deref() == Some(LATEST) {
        return Err(AwsError::InvalidParameterValue(
            "We currently do not support adding policies for $LATEST.".into(),
        ));
    }
    validate_statement_id(&input.statement_id).map_err(|_| {
        AwsError::Validation(format!(
            "1 validation error detected: Value '{}' at 'statementId' failed to satisfy constraint: Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)",
            input.statement_id
        ))
    })?;
    let principal = Principal::from_input(&input.principal).ok_or_else(|| {
        AwsError::InvalidParameterValue(
            "The provided principal was invalid. Please check the principal and try again.".into(),
        )
    })?;
    let st = Statement {
        sid: input.statement_id,
        action: input.action,
        principal,
        resource: engine.config().scope.qualified_arn(&name, q.as_deref()),
        source_arn: input.source_arn,
        source_account: input.source_account,
    };
    engine
        .with_store(|s| {
            let tx = s.write()?;
            if let Some(q) = q.as_deref() {
                tx.resolve(&name, Some(q))?;
            }
            tx.add_statement(&name, q.as_deref(), &st)?;
            tx.commit()
        })
        .map_err(|e| store_error(&engine, &name, q.as_deref(), e))?;
    let body = serde_json::json!({"Statement": wire::statement(&st).to_string()});
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

pub async fn get_policy(
    State(engine): State<Arc<Engine>>,
    Path(function_name): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, AwsError> {
    let (name, q) = target(&engine, &function_name, &query)?;
    let (statements, revision) = engine
        .with_store(|s| {
            let tx = s.read()?;
            Ok((
                tx.statements(&name, q.as_deref())?,
                tx.policy_revision(&name, q.as_deref())?,
            ))
        })
        .map_err(|e| store_error(&engine, &name, q.as_deref(), e))?;
    if statements.is_empty() {
        return Err(AwsError::ResourceNotFound(
            "The resource you requested does not exist.".into(),
        ));
    }
    let body = serde_json::json!({"Policy": wire::policy(&statements), "RevisionId": revision.unwrap_or_default()});
    Ok(Json(body).into_response())
}

pub async fn remove_permission(
    State(engine): State<Arc<Engine>>,
    Path((function_name, statement_id)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, AwsError> {
    let (name, q) = target(&engine, &function_name, &query)?;
    engine
        .with_store(|s| {
            let tx = s.write()?;
            tx.remove_statement(&name, q.as_deref(), &statement_id)?;
            tx.commit()
        })
        .map_err(|e| store_error(&engine, &name, q.as_deref(), e))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
