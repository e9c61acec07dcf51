//! The engine: resolves what to run, enforces concurrency, picks or starts
//! an environment, and reports the result the way the Invoke API does.

use crate::concurrency::Concurrency;
use crate::environment::{Environment, Launch};
use crate::pool::Pool;
use crate::{EngineConfig, InvokeError, LogSink};
use base64::Engine as _;
use bytes::Bytes;
use portico_model::{FunctionRef, FunctionVersion, LATEST};
use portico_store::{CodeStore, LogWriter, Store, StoreError};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, Weak};

/// Largest synchronous request payload: 6 MB.
pub const MAX_SYNC_PAYLOAD: usize = 6_291_456;
/// Largest asynchronous request payload: 1 MB.
pub const MAX_ASYNC_PAYLOAD: usize = 1_048_576;

/// `X-Amz-Invocation-Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvocationType {
    /// Wait for the result.
    RequestResponse,
    /// Queue it (202).
    Event,
    /// Validate only (204).
    DryRun,
}

/// One Invoke call.
#[derive(Debug, Clone)]
pub struct InvokeRequest {
    /// `NAME`, `NAME:QUALIFIER`, a partial or a full ARN.
    pub function: String,
    /// `?Qualifier=`.
    pub qualifier: Option<String>,
    /// The event.
    pub payload: Bytes,
    /// Sync, async or dry run.
    pub invocation_type: InvocationType,
    /// `X-Amz-Log-Type: Tail`.
    pub log_tail: bool,
    /// `X-Amz-Client-Context` (base64 JSON).
    pub client_context: Option<String>,
}

impl InvokeRequest {
    /// A synchronous invoke of `function` with `payload`.
    pub fn sync(function: &str, qualifier: Option<&str>, payload: impl Into<Bytes>) -> Self {
        InvokeRequest {
            function: function.to_string(),
            qualifier: qualifier.map(str::to_string),
            payload: payload.into(),
            invocation_type: InvocationType::RequestResponse,
            log_tail: false,
            client_context: None,
        }
    }
}

/// What the Invoke API answers.
#[derive(Debug, Clone)]
pub struct InvokeResponse {
    /// 200, 202 or 204.
    pub status: u16,
    /// The function's result or error payload.
    pub payload: Bytes,
    /// The runtime's error type when the function failed (`X-Amz-Function-Error: Unhandled`).
    pub function_error: Option<String>,
    /// `X-Amz-Executed-Version`.
    pub executed_version: String,
    /// `X-Amz-Log-Result`: base64 of the last 4 KB of the log.
    pub log_result: Option<String>,
    /// The request id (`x-amzn-RequestId`).
    pub request_id: String,
}

/// Resolutions of `(name, qualifier)`, valid while the store's change
/// counter is unchanged: the hot path reads SQLite only after a change
/// (another process's deploy or apply, or a write through
/// [`Engine::with_store`]).
#[derive(Default)]
struct Resolved {
    generation: Option<u64>,
    map: ResolvedMap<(FunctionVersion, Option<u32>)>,
    policies: ResolvedMap<Arc<Vec<portico_model::Statement>>>,
}

/// Entries by `(name, qualifier)`.
type ResolvedMap<T> = HashMap<(String, Option<String>), T>;

impl Resolved {
    /// Forgets everything when the store has changed since it was cached.
    fn refresh(&mut self, generation: u64) {
        if self.generation != Some(generation) {
            self.map.clear();
            self.policies.clear();
            self.generation = Some(generation);
        }
    }
}

/// How an invocation gets its environment.
enum Start {
    /// An idle one from the pool.
    Warm(Arc<Environment>),
    /// A new one, registered in the engine's list once started.
    Cold(Box<Launch>, Arc<Mutex<Vec<Weak<Environment>>>>),
}

/// Starts an environment and lists it among the engine's.
async fn start_environment(
    launch: Launch,
    all: &Mutex<Vec<Weak<Environment>>>,
) -> Result<Arc<Environment>, InvokeError> {
    let env = Environment::start(launch)
        .await
        .map_err(InvokeError::Service)?;
    let mut all = all.lock().unwrap_or_else(|e| e.into_inner());
    all.retain(|w| w.strong_count() > 0);
    all.push(Arc::downgrade(&env));
    Ok(env)
}

#[derive(Clone, PartialEq, Eq, Hash)]
struct PoolKey {
    function: String,
    version: String,
    revision: String,
}

/// The Lambda engine, shared by every caller in the process.
pub struct Engine {
    cfg: EngineConfig,
    store: Mutex<Store>,
    code: CodeStore,
    logs: LogWriter,
    pools: Mutex<HashMap<PoolKey, Arc<Pool>>>,
    resolved: Mutex<Resolved>,
    /// The store's change counter (resolutions and policies are cached
    /// against it).
    generation: portico_store::Generation,
    cgroups: Option<crate::cgroup::CgroupRoot>,
    /// Every environment started (shared with the invocations that start
    /// them, which may outlive their caller).
    all: Arc<Mutex<Vec<Weak<Environment>>>>,
    concurrency: Arc<Concurrency>,
    runtime_dir: PathBuf,
    echo: Option<crate::logs::Echo>,
}

impl Engine {
    /// Opens the store and the log writer and installs the bootstraps.
    pub fn new(cfg: EngineConfig) -> Result<Engine, InvokeError> {
        let store = Store::open(&cfg.store_dir)?;
        let logs = LogWriter::start(&cfg.store_dir)?;
        let runtime_dir = crate::runtimes::install(&cfg.store_dir.join("runtime"))
            .map_err(|e| InvokeError::Service(format!("installing the runtime bootstraps: {e}")))?;
        let generation = store.generation();
        Ok(Engine {
            code: CodeStore::new(&cfg.store_dir),
            store: Mutex::new(store),
            logs,
            pools: Mutex::new(HashMap::new()),
            resolved: Mutex::new(Resolved::default()),
            generation,
            cgroups: crate::cgroup::CgroupRoot::detect(),
            all: Arc::default(),
            concurrency: Concurrency::new(cfg.account_concurrency),
            runtime_dir,
            echo: None,
            cfg,
        })
    }

    /// Passes every function log line to `echo(group, line)` as well.
    pub fn with_echo(mut self, echo: crate::logs::Echo) -> Self {
        self.echo = Some(echo);
        self
    }

    /// The engine's settings.
    pub fn config(&self) -> &EngineConfig {
        &self.cfg
    }

    /// Runs `f` with the store (a short, synchronous section).
    pub fn with_store<T>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut s = self.store.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut s)
    }

    /// The resource-policy statements of `name[:qualifier]`, cached like
    /// resolutions (API Gateway checks them on every request).
    pub fn policy(
        &self,
        name: &str,
        qualifier: Option<&str>,
    ) -> Result<Arc<Vec<portico_model::Statement>>, StoreError> {
        self.cached(
            name,
            qualifier,
            |r| &mut r.policies,
            |store| Ok(Arc::new(store.read()?.statements(name, qualifier)?)),
        )
    }

    /// The version that runs for `name[:qualifier]` and the function's
    /// reserved concurrency, from the cache when the store has not changed.
    fn lookup(
        &self,
        name: &str,
        qualifier: Option<&str>,
    ) -> Result<(FunctionVersion, Option<u32>), StoreError> {
        self.cached(
            name,
            qualifier,
            |r| &mut r.map,
            |store| {
                let tx = store.read()?;
                let v = tx.resolve(name, qualifier)?;
                let reserved = tx
                    .version(name, LATEST)?
                    .and_then(|l| l.config.reserved_concurrency);
                Ok((v, reserved))
            },
        )
    }

    /// An entry of one of the [`Resolved`] maps (`pick`), read with `load`
    /// when missing. The store lock is never held with the cache's.
    fn cached<T: Clone>(
        &self,
        name: &str,
        qualifier: Option<&str>,
        pick: fn(&mut Resolved) -> &mut ResolvedMap<T>,
        load: impl FnOnce(&mut Store) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        // Read before SQLite: a change landing in between tags this entry
        // with the old value, so the next call re-reads.
        let generation = self.generation.get();
        let key = (name.to_string(), qualifier.map(str::to_string));
        {
            let mut cache = self.resolved.lock().unwrap_or_else(|e| e.into_inner());
            cache.refresh(generation);
            if let Some(hit) = pick(&mut cache).get(&key) {
                return Ok(hit.clone());
            }
        }
        let value = load(&mut self.store.lock().unwrap_or_else(|e| e.into_inner()))?;
        let mut cache = self.resolved.lock().unwrap_or_else(|e| e.into_inner());
        if cache.generation == Some(generation) {
            pick(&mut cache).insert(key, value.clone());
        }
        Ok(value)
    }

    /// The log writer (shared with the API Gateway logs).
    pub fn log_writer(&self) -> &LogWriter {
        &self.logs
    }

    /// Waits until queued log lines are stored.
    pub fn flush_logs(&self) {
        self.logs.flush(std::time::Duration::from_secs(5));
    }

    /// Resolves a function reference and qualifier to the version that runs.
    pub fn resolve(
        &self,
        function: &str,
        qualifier: Option<&str>,
    ) -> Result<(FunctionRef, FunctionVersion), InvokeError> {
        let (r, (v, _)) = self.resolve_with_limits(function, qualifier)?;
        Ok((r, v))
    }

    /// Like [`Engine::resolve`], with the function's reserved concurrency.
    fn resolve_with_limits(
        &self,
        function: &str,
        qualifier: Option<&str>,
    ) -> Result<(FunctionRef, (FunctionVersion, Option<u32>)), InvokeError> {
        let r = FunctionRef::parse(function)
            .map_err(|e| InvokeError::InvalidParameter(e.to_string()))?;
        let qualifier = match (r.qualifier.as_deref(), qualifier) {
            (Some(a), Some(b)) if a != b => {
                return Err(InvokeError::InvalidParameter(
                    "The derived qualifier from the function name does not match the specified qualifier.".into(),
                ));
            }
            (a, b) => a.or(b).map(str::to_string),
        };
        let scope = &self.cfg.scope;
        let found = self.lookup(&r.name, qualifier.as_deref());
        match found {
            Ok(v) => Ok((FunctionRef { qualifier, ..r }, v)),
            // AWS appends `:$LATEST` to an unqualified missing function.
            Err(StoreError::FunctionNotFound(_)) | Err(StoreError::QualifierNotFound { .. }) => {
                Err(InvokeError::NotFound(format!(
                    "Function not found: {}",
                    scope.qualified_arn(&r.name, Some(qualifier.as_deref().unwrap_or(LATEST)))
                )))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The Invoke API's operation.
    pub async fn invoke(&self, req: InvokeRequest) -> Result<InvokeResponse, InvokeError> {
        let limit = if req.invocation_type == InvocationType::Event {
            MAX_ASYNC_PAYLOAD
        } else {
            MAX_SYNC_PAYLOAD
        };
        if req.payload.len() > limit {
            return Err(InvokeError::RequestTooLarge(format!(
                "Request must be smaller than {limit} bytes for the InvokeFunction operation"
            )));
        }
        let payload = if req.payload.iter().all(u8::is_ascii_whitespace) {
            Bytes::from_static(b"{}")
        } else {
            req.payload.clone()
        };
        if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&payload) {
            return Err(InvokeError::InvalidRequestContent(format!(
                "Could not parse request body into json: Could not parse payload into json: {e}"
            )));
        }
        let (fref, (version, reserved)) =
            self.resolve_with_limits(&req.function, req.qualifier.as_deref())?;
        let request_id = uuid::Uuid::new_v4().to_string();
        let done = |status: u16| InvokeResponse {
            status,
            payload: Bytes::new(),
            function_error: None,
            executed_version: version.version.clone(),
            log_result: None,
            request_id: request_id.clone(),
        };
        match req.invocation_type {
            InvocationType::DryRun => return Ok(done(204)),
            InvocationType::Event => {
                self.with_store(|s| {
                    let tx = s.write()?;
                    tx.enqueue_event(&request_id, &fref.name, fref.qualifier.as_deref(), &payload)?;
                    // No cache reads the queue (see events.rs).
                    tx.commit_quiet()
                })?;
                return Ok(done(202));
            }
            InvocationType::RequestResponse => {}
        }
        let invoked_arn = self
            .cfg
            .scope
            .qualified_arn(&fref.name, fref.qualifier.as_deref());
        let client_context = req.client_context.as_deref().and_then(|b64| {
            base64::engine::general_purpose::STANDARD
                .decode(b64)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
        });
        let result = self
            .run(
                &version,
                reserved,
                &request_id,
                payload,
                &invoked_arn,
                client_context,
            )
            .await?;
        let log_result = req
            .log_tail
            .then(|| base64::engine::general_purpose::STANDARD.encode(&result.2));
        Ok(InvokeResponse {
            status: 200,
            payload: result.0,
            function_error: result.1,
            executed_version: version.version.clone(),
            log_result,
            request_id,
        })
    }

    /// Runs one event on an environment of `version`: (payload, error type, log tail).
    ///
    /// Once an environment is chosen, the invocation runs as a task of its
    /// own on this thread's loop, and the caller awaits it: a caller that
    /// goes away (an API client closing its connection mid-request) leaves
    /// the function to finish and its environment to return to the pool, as
    /// on AWS, where a synchronous invocation runs to completion whether or
    /// not anyone still waits for it. Dropping the invocation instead killed
    /// the environment in mid-invoke, and the next request paid a cold start.
    async fn run(
        &self,
        version: &FunctionVersion,
        reserved: Option<u32>,
        request_id: &str,
        payload: Bytes,
        invoked_arn: &str,
        client_context: Option<String>,
    ) -> Result<(Bytes, Option<String>, Vec<u8>), InvokeError> {
        let inflight = self.concurrency.admit(&version.config.name, reserved)?;
        let pool = self.pool(version);
        let slot = pool
            .slot()
            .await
            .ok_or_else(|| InvokeError::Service("the engine is shutting down".into()))?;
        let start = match pool.take_idle() {
            Some(e) => Start::Warm(e),
            None => Start::Cold(Box::new(self.launch(version)?), self.all.clone()),
        };
        let (request_id, invoked_arn) = (request_id.to_string(), invoked_arn.to_string());
        let invocation = async move {
            // Both count until the function is done, not until the caller is.
            let (_inflight, _slot) = (inflight, slot);
            let env = match start {
                Start::Warm(e) => e,
                Start::Cold(launch, all) => start_environment(*launch, &all).await?,
            };
            let r = env
                .invoke(&request_id, payload, &invoked_arn, client_context)
                .await;
            let tail = env.sink.take_tail();
            if r.reusable {
                pool.put_back(env);
            }
            Ok((r.payload, r.function_error, tail))
        };
        tokio::spawn(invocation)
            .await
            .unwrap_or_else(|e| Err(InvokeError::Service(format!("the invocation failed: {e}"))))
    }

    fn pool(&self, v: &FunctionVersion) -> Arc<Pool> {
        let key = PoolKey {
            function: v.config.name.clone(),
            version: v.version.clone(),
            revision: v.revision_id.clone(),
        };
        let mut pools = self.pools.lock().unwrap_or_else(|e| e.into_inner());
        pools
            .entry(key)
            .or_insert_with(|| Arc::new(Pool::new(self.cfg.max_environments_per_function)))
            .clone()
    }

    /// What starting a new environment of `v` takes.
    fn launch(&self, v: &FunctionVersion) -> Result<Launch, InvokeError> {
        if v.config.runtime_kind().is_none() {
            return Err(InvokeError::Unsupported(format!(
                "Portico cannot run the runtime {} (it runs nodejs*, python3.* and provided*)",
                v.config.runtime
            )));
        }
        let code = self.code.get(&v.code_sha256)?;
        let env_id = uuid::Uuid::new_v4().simple().to_string();
        let stream = crate::logs::stream_name(&v.version, &env_id);
        let sink =
            LogSink::new(self.logs.clone(), &v.config.name, stream).with_echo(self.echo.clone());
        let base_dir = self.cfg.store_dir.join("run").join(&v.config.name);
        Ok(Launch {
            version: v.clone(),
            code,
            base_dir,
            runtime_dir: self.runtime_dir.clone(),
            region: self.cfg.scope.region.clone(),
            endpoint_url: self.cfg.endpoint_url.clone(),
            polling: self.cfg.runtime_polling.clone(),
            sink,
            env_id,
            cgroups: self.cgroups.clone(),
        })
    }

    /// Stops environments idle longer than the configured time and forgets empty pools.
    pub fn reap_idle(&self) {
        let cap = self.cfg.max_environments_per_function;
        let mut pools = self.pools.lock().unwrap_or_else(|e| e.into_inner());
        pools.retain(|_, p| p.reap(self.cfg.idle_timeout) > 0 || !p.is_quiet(cap));
    }

    /// Process ids of the running environments (for tests and `portico up`).
    pub fn environment_pids(&self) -> Vec<u32> {
        let all = self.all.lock().unwrap_or_else(|e| e.into_inner());
        all.iter()
            .filter_map(Weak::upgrade)
            .filter(|e| e.is_alive())
            .filter_map(|e| e.pid())
            .collect()
    }

    /// Number of warm, idle environments.
    pub fn idle_environments(&self) -> usize {
        self.pools
            .lock()
            .map(|p| p.values().map(|p| p.idle_count()).sum())
            .unwrap_or(0)
    }

    /// Kills every environment: busy ones too (used on SIGTERM/SIGINT).
    pub fn shutdown(&self) {
        for p in self
            .pools
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
        {
            p.kill_all();
        }
        for e in self
            .all
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter_map(Weak::upgrade)
        {
            e.kill();
        }
        self.flush_logs();
    }
}

/// Asks the kernel to kill the child when Portico dies (Linux's parent-death
/// signal); elsewhere the process group is killed on shutdown instead.
#[allow(unsafe_code)]
pub(crate) fn die_with_parent(
    cmd: &mut tokio::process::Command,
    cgroup_procs: Option<std::os::fd::OwnedFd>,
) {
    #[cfg(target_os = "linux")]
    // SAFETY: the closure runs in the forked child before exec and only makes
    // async-signal-safe system calls (prctl, write), allocating nothing.
    unsafe {
        cmd.pre_exec(move || {
            rustix::process::set_parent_process_death_signal(Some(rustix::process::Signal::KILL))
                .map_err(std::io::Error::from)?;
            // "0" moves the writing process: the child joins its memory
            // group before exec, so the limit holds from its first byte.
            if let Some(fd) = &cgroup_procs {
                rustix::io::write(fd, b"0").map_err(std::io::Error::from)?;
            }
            Ok(())
        });
    }
}

impl Engine {
    /// What this machine does not let Portico enforce, in words, for
    /// `serve` to print at start (Lambda would enforce all of it).
    pub fn limitations(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.cgroups.is_none() {
            out.push(
                "memory: no writable memory cgroup here, so only Node functions are capped (V8 heap flag); Max Memory Used is the main process's peak".to_string(),
            );
        }
        if !cfg!(target_os = "linux") {
            out.push(
                "runtime processes get no parent-death signal on this system: if Portico is killed with SIGKILL they keep running"
                    .to_string(),
            );
        }
        out
    }
}
