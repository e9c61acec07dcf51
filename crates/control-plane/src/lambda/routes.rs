//! Lambda's route table, one line per operation in API-reference order.

use super::{invoke, policy};
use axum::Router;
use axum::routing::{delete, post};
use portico_lambda::Engine;
use std::sync::Arc;

/// The Lambda API's routes, sharing the engine.
pub fn router(engine: Arc<Engine>) -> Router {
    Router::new()
        .route(
            "/2015-03-31/functions/{function_name}/invocations",
            post(invoke::invoke),
        )
        .route(
            "/2015-03-31/functions/{function_name}/policy",
            post(policy::add_permission).get(policy::get_policy),
        )
        .route(
            "/2015-03-31/functions/{function_name}/policy/{statement_id}",
            delete(policy::remove_permission),
        )
        .with_state(engine)
}
