//! `portico logs`: function logs (or an API's logs with `--api`) from the
//! log store, optionally followed.

use crate::cli::LogsArgs;
use crate::context::Context;
use anyhow::{Result, bail};
use portico_store::{LogFilter, LogStore, now_ms};
use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

/// Parses `30s`, `5m`, `2h`, `1d` into milliseconds.
pub fn parse_since(s: &str) -> Result<i64> {
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: i64 = num
        .parse()
        .map_err(|_| anyhow::anyhow!("--since '{s}': expected a number and a unit, e.g. 5m"))?;
    let ms = match unit {
        "ms" => 1,
        "s" | "" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => bail!("--since '{s}': unknown unit '{unit}' (use s, m, h or d)"),
    };
    Ok(n.saturating_mul(ms))
}

pub async fn logs(ctx: &Context, a: LogsArgs) -> Result<ExitCode> {
    let groups: Vec<String> = match &a.api {
        Some(api) => api_groups(ctx, api, a.stage.as_deref())?,
        None => {
            let project = ctx.project()?;
            project
                .select(&a.names)?
                .iter()
                .map(|f| format!("/aws/lambda/{}", f.full_name()))
                .collect()
        }
    };
    flush_server_logs(ctx).await;
    let store = LogStore::open(&ctx.state_dir)?;
    let color = std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal();
    let mut filter = LogFilter {
        groups,
        since_ms: Some(now_ms() - parse_since(&a.since)?),
        contains: a.filter.clone(),
        ..Default::default()
    };
    loop {
        let events = store.query(&filter)?;
        for e in &events {
            // A record may hold several lines (an API request's execution log).
            for line in e.message.lines() {
                if a.filter.as_deref().is_some_and(|f| !line.contains(f)) {
                    continue;
                }
                if color {
                    println!("\x1b[34m{}\x1b[0m {line}", e.group);
                } else {
                    println!("{} {line}", e.group);
                }
            }
        }
        if let Some(last) = events.last() {
            filter.after_id = Some(last.id);
        }
        if !a.follow {
            return Ok(ExitCode::SUCCESS);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Asks a running server to store the lines it still holds, so that the
/// lines of a request made just before (an invoke, a curl) are read. Without
/// a server, or if it does not answer within a second, the store is read as
/// it is.
async fn flush_server_logs(ctx: &Context) {
    let Some(url) = crate::endpoint::find(ctx.global.endpoint.as_deref(), &ctx.state_dir) else {
        return;
    };
    let sent = async {
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(1))
            .build()?;
        client
            .post(format!("{url}/_portico/logs/flush"))
            .send()
            .await
    };
    if let Err(e) = sent.await {
        tracing::debug!("the server at {url} did not flush its logs: {e}");
    }
}

/// The log groups of an API: execution logs and access logs per stage.
fn api_groups(ctx: &Context, api: &str, stage: Option<&str>) -> Result<Vec<String>> {
    let mut store = ctx.store()?;
    let stages: Vec<String> = store
        .read()?
        .stages()?
        .into_iter()
        .filter(|s| s.api_id == api && stage.is_none_or(|st| st == s.stage_name))
        .map(|s| s.stage_name)
        .collect();
    let stages = if stages.is_empty() {
        stage.map(|s| vec![s.to_string()]).unwrap_or_default()
    } else {
        stages
    };
    if stages.is_empty() {
        bail!("REST API {api} has no stage (apply a deployment first)");
    }
    Ok(stages
        .iter()
        .flat_map(|s| {
            [
                format!("API-Gateway-Execution-Logs_{api}/{s}"),
                format!("API-Gateway-Access-Logs_{api}/{s}"),
            ]
        })
        .collect())
}

#[cfg(test)]
mod tests {
    #[test]
    fn since() {
        assert_eq!(super::parse_since("5m").unwrap(), 300_000);
        assert_eq!(super::parse_since("2h").unwrap(), 7_200_000);
        assert!(super::parse_since("5x").is_err());
        assert!(super::parse_since("m").is_err());
    }
}
