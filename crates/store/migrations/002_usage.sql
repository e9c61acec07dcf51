-- API Gateway account-level resources: API keys, usage plans (the
-- provider's attributes as JSON), their keys, per-day usage counts, and
-- each stage's method settings (they belong to the stage, not to a
-- deployment).
CREATE TABLE apigw_api_keys (
  id            TEXT PRIMARY KEY,
  name          TEXT NOT NULL,
  value         TEXT NOT NULL UNIQUE,
  enabled       INTEGER NOT NULL,
  description   TEXT NOT NULL DEFAULT '',
  created       TEXT NOT NULL
);
CREATE TABLE apigw_usage_plans (
  id            TEXT PRIMARY KEY,
  name          TEXT NOT NULL,
  plan_json     TEXT NOT NULL,
  created_ms    INTEGER NOT NULL
);
CREATE TABLE apigw_usage_plan_keys (
  plan_id       TEXT NOT NULL,
  key_id        TEXT NOT NULL,
  PRIMARY KEY (plan_id, key_id)
);
CREATE TABLE apigw_usage (
  key_id        TEXT NOT NULL,
  plan_id       TEXT NOT NULL,
  day           TEXT NOT NULL,
  used          INTEGER NOT NULL,
  PRIMARY KEY (key_id, plan_id, day)
);
CREATE TABLE apigw_method_settings (
  api_id        TEXT NOT NULL,
  stage_name    TEXT NOT NULL,
  method_path   TEXT NOT NULL,
  settings_json TEXT NOT NULL,
  PRIMARY KEY (api_id, stage_name, method_path)
);
