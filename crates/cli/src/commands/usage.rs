//! `portico usage KEY_ID`: an API key's usage per day and plan, as
//! `aws apigateway get-usage` would report it.

use crate::context::Context;
use anyhow::Result;
use std::process::ExitCode;

pub fn usage(ctx: &Context, key_id: &str) -> Result<ExitCode> {
    let mut store = ctx.store()?;
    let rows = store.read()?.usage(key_id)?;
    if rows.is_empty() {
        println!("No usage recorded for API key {key_id}.");
        return Ok(ExitCode::SUCCESS);
    }
    println!("{:<12} {:<10} {:>10}", "day", "plan", "requests");
    for r in rows {
        println!("{:<12} {:<10} {:>10}", r.day, r.plan_id, r.used);
    }
    Ok(ExitCode::SUCCESS)
}
