-- Functions and their versions. `$LATEST` is stored as a version row like
-- the published ones; `next_version` never goes back (AWS never reuses numbers).
CREATE TABLE functions (
  name          TEXT PRIMARY KEY,
  next_version  INTEGER NOT NULL DEFAULT 1,
  created       TEXT NOT NULL
);
CREATE TABLE versions (
  function      TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,
  version       TEXT NOT NULL,
  config_json   TEXT NOT NULL,
  code_sha256   TEXT NOT NULL,
  code_size     INTEGER NOT NULL,
  last_modified TEXT NOT NULL,
  revision_id   TEXT NOT NULL,
  PRIMARY KEY (function, version)
);
CREATE TABLE aliases (
  function      TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,
  name          TEXT NOT NULL,
  version       TEXT NOT NULL,
  description   TEXT NOT NULL DEFAULT '',
  revision_id   TEXT NOT NULL,
  PRIMARY KEY (function, name)
);
-- Resource policies are per qualifier ('' = unqualified / $LATEST).
CREATE TABLE policy_statements (
  function      TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,
  qualifier     TEXT NOT NULL,
  sid           TEXT NOT NULL,
  position      INTEGER NOT NULL,
  statement_json TEXT NOT NULL,
  PRIMARY KEY (function, qualifier, sid)
);
CREATE TABLE policy_revisions (
  function      TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,
  qualifier     TEXT NOT NULL,
  revision_id   TEXT NOT NULL,
  PRIMARY KEY (function, qualifier)
);
-- Asynchronous (Event) invocations, kept until done so they survive a restart.
CREATE TABLE events (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  request_id    TEXT NOT NULL,
  function      TEXT NOT NULL,
  qualifier     TEXT,
  payload       BLOB NOT NULL,
  attempts      INTEGER NOT NULL DEFAULT 0,
  not_before_ms INTEGER NOT NULL,
  state         TEXT NOT NULL DEFAULT 'queued',
  last_error    TEXT
);
CREATE INDEX events_due ON events(state, not_before_ms);
-- Terraform state per infrastructure directory.
CREATE TABLE tf_state (
  workspace     TEXT PRIMARY KEY,
  serial        INTEGER NOT NULL,
  state_json    TEXT NOT NULL
);
-- API Gateway: frozen deployments and the stages that point at them.
CREATE TABLE apigw_deployments (
  api_id        TEXT NOT NULL,
  deployment_id TEXT NOT NULL,
  description   TEXT NOT NULL DEFAULT '',
  created       TEXT NOT NULL,
  snapshot_json TEXT NOT NULL,
  PRIMARY KEY (api_id, deployment_id)
);
CREATE TABLE apigw_stages (
  api_id        TEXT NOT NULL,
  stage_name    TEXT NOT NULL,
  deployment_id TEXT NOT NULL,
  description   TEXT NOT NULL DEFAULT '',
  variables_json TEXT NOT NULL DEFAULT '{}',
  PRIMARY KEY (api_id, stage_name)
);
