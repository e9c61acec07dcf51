//! API keys and usage plans: account-level, not part of a deployment, so
//! the gateway reads them through [`UsageBackend`], which the binary
//! implements over its store. A plan is given in the AWS provider's shape
//! (the attributes of `aws_api_gateway_usage_plan`, blocks as lists) and
//! parsed here by [`UsagePlan::from_provider_json`].

use serde_json::Value;
use std::sync::Arc;

/// A rate limit: `rate` requests per second refilling a bucket of `burst`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Throttle {
    pub rate: f64,
    pub burst: f64,
}

/// A quota period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotaPeriod {
    Day,
    Week,
    Month,
}

/// `quota_settings`: `limit` requests per period; in the period the plan
/// was created in, `offset` of them count as already used (the
/// provider's "number of requests subtracted from the given limit in the
/// initial time period").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub limit: u64,
    pub offset: u64,
    pub period: QuotaPeriod,
}

/// One `api_stages` entry: the stage the plan covers and its per-method
/// throttles, keyed by `/RESOURCE_PATH/METHOD` as the provider's `path`.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanStage {
    pub api_id: String,
    pub stage: String,
    pub method_throttles: Vec<(String, Throttle)>,
}

/// A usage plan.
#[derive(Debug, Clone, PartialEq)]
pub struct UsagePlan {
    pub id: String,
    pub name: String,
    pub stages: Vec<PlanStage>,
    pub throttle: Option<Throttle>,
    pub quota: Option<Quota>,
    /// When the plan was created (ms since the epoch), for the initial
    /// quota period.
    pub created_ms: i64,
}

/// An API key with the plans it is attached to.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiKey {
    pub id: String,
    pub enabled: bool,
    pub plans: Vec<Arc<UsagePlan>>,
}

/// Where API keys, plans and usage counts live.
pub trait UsageBackend: Send + Sync {
    /// The key whose value is `value`, with its plans.
    fn key_by_value(&self, value: &str) -> Option<Arc<ApiKey>>;
    /// Requests counted for (key, plan) on the UTC days `from..=to`
    /// (`YYYY-MM-DD`).
    fn used(&self, key_id: &str, plan_id: &str, from: &str, to: &str) -> u64;
    /// Counts one request on `day`. Must not block the request.
    fn record(&self, key_id: &str, plan_id: &str, day: &str);
}

/// No keys at all: every key is unknown (the default of a [`crate::Gateway`]).
#[derive(Debug, Default)]
pub struct NoUsage;

impl UsageBackend for NoUsage {
    fn key_by_value(&self, _: &str) -> Option<Arc<ApiKey>> {
        None
    }
    fn used(&self, _: &str, _: &str, _: &str, _: &str) -> u64 {
        0
    }
    fn record(&self, _: &str, _: &str, _: &str) {}
}

fn number(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// The first object of a block list (the provider stores single blocks as
/// one-element lists) or the object itself.
fn block(v: Option<&Value>) -> Option<&Value> {
    match v? {
        Value::Array(a) => a.first(),
        o @ Value::Object(_) => Some(o),
        _ => None,
    }
}

fn throttle(v: Option<&Value>) -> Option<Throttle> {
    let b = block(v)?;
    let rate = number(b.get("rate_limit"));
    let burst = number(b.get("burst_limit"));
    if rate.is_none() && burst.is_none() {
        return None;
    }
    Some(Throttle {
        rate: rate.unwrap_or(0.0),
        burst: burst.unwrap_or(0.0),
    })
}

impl UsagePlan {
    /// Reads the provider's attributes of `aws_api_gateway_usage_plan`.
    pub fn from_provider_json(id: &str, v: &Value, created_ms: i64) -> Result<UsagePlan, String> {
        let mut stages = Vec::new();
        for s in v
            .get("api_stages")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let method_throttles = s
                .get("throttle")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|t| {
                    let path = t.get("path")?.as_str()?.to_string();
                    Some((path, throttle(Some(t))?))
                })
                .collect();
            stages.push(PlanStage {
                api_id: s
                    .get("api_id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .into(),
                stage: s
                    .get("stage")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .into(),
                method_throttles,
            });
        }
        let quota = match block(v.get("quota_settings")) {
            Some(q) => {
                let period = match q.get("period").and_then(Value::as_str).unwrap_or_default() {
                    "DAY" => QuotaPeriod::Day,
                    "WEEK" => QuotaPeriod::Week,
                    "MONTH" => QuotaPeriod::Month,
                    other => {
                        return Err(format!("quota period `{other}` is not DAY, WEEK or MONTH"));
                    }
                };
                Some(Quota {
                    limit: number(q.get("limit")).unwrap_or(0.0).max(0.0) as u64,
                    offset: number(q.get("offset")).unwrap_or(0.0).max(0.0) as u64,
                    period,
                })
            }
            None => None,
        };
        Ok(UsagePlan {
            id: id.to_string(),
            name: v
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .into(),
            stages,
            throttle: throttle(v.get("throttle_settings")),
            quota,
            created_ms,
        })
    }

    /// The stage entry covering `api`/`stage`, if the plan covers it.
    pub fn stage(&self, api: &str, stage: &str) -> Option<&PlanStage> {
        self.stages
            .iter()
            .find(|s| s.api_id == api && s.stage == stage)
    }
}

/// `/pets/{id}/GET`, `pets/{id}/GET` and `//GET` name the same method:
/// compare without leading slashes.
pub(crate) fn same_method_path(a: &str, b: &str) -> bool {
    a.trim_start_matches('/') == b.trim_start_matches('/')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_the_provider_shape() {
        let p = UsagePlan::from_provider_json(
            "p1",
            &json!({"name":"basic","api_stages":[{"api_id":"a","stage":"s","throttle":[{"path":"/pets/GET","rate_limit":1,"burst_limit":2}]}],
                    "quota_settings":[{"limit":10,"offset":2,"period":"WEEK"}],"throttle_settings":[{"rate_limit":5.5,"burst_limit":3}]}),
            0,
        )
        .unwrap();
        assert_eq!(p.stage("a", "s").unwrap().method_throttles[0].1.burst, 2.0);
        assert!(p.stage("a", "t").is_none());
        assert_eq!(p.quota.unwrap().period, QuotaPeriod::Week);
        assert_eq!(p.throttle.unwrap().rate, 5.5);
        assert!(same_method_path("//GET", "/GET"));
        assert!(
            UsagePlan::from_provider_json("p", &json!({"quota_settings":[{"period":"YEAR"}]}), 0)
                .is_err()
        );
    }
}
