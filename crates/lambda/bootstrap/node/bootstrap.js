/*
 * Portico's Node.js runtime bootstrap.
 *
 * Started as `node bootstrap.js` with cwd = LAMBDA_TASK_ROOT, the handler in
 * `_HANDLER` and the Runtime API (2018-06-01) at `http://$AWS_LAMBDA_RUNTIME_API`.
 * It reproduces the semantics of AWS's managed nodejs runtimes (the
 * aws-lambda-nodejs-runtime-interface-client that lives in /var/runtime):
 * handler resolution, the callback/promise invocation flow with the
 * `beforeExit` trick, the context object, the error payloads and the patched
 * console. Node standard library only; CommonJS so `require` of user code works.
 * The HTTP/1.1 Runtime API client lives in runtime_client.js in the same
 * directory (Portico installs both files side by side).
 *
 * Event-loop design (the part everything else depends on):
 *   A callback handler's success is posted from a `beforeExit` listener, which
 *   Node only fires once nothing keeps the event loop alive. So while a handler
 *   runs, none of our own sockets may hold a reference on the loop. Our
 *   Runtime API client (runtime_client.js) keeps one keep-alive connection;
 *   its socket is `ref()`'d only while a request of ours is in flight and
 *   `unref()`'d as soon as the response is complete.
 *   The `/next` long-poll is only ever in flight *between* invocations (it is
 *   issued via setImmediate after a completion has been posted, like the real
 *   runtime's scheduleIteration), so it keeps the idle process alive while it
 *   waits -- exactly as the real native client's pending worker does -- and can
 *   never delay `beforeExit` of a running invocation.
 */
'use strict';

const fs = require('fs');
const path = require('path');
const url = require('url');
const util = require('util');

// ---------------------------------------------------------------------------
// Errors (src/Errors.js semantics)

function defineRuntimeError(shortName, ctor) {
  const cls = ctor || class extends Error {};
  Object.defineProperty(cls, 'name', { value: shortName });
  // AWS sets the name on the prototype, so the stack header reads
  // "Runtime.ImportModuleError: Error: Cannot find module ...".
  cls.prototype.name = `Runtime.${shortName}`;
  return cls;
}

const ImportModuleError = defineRuntimeError('ImportModuleError');
const HandlerNotFound = defineRuntimeError('HandlerNotFound');
const MalformedHandlerName = defineRuntimeError('MalformedHandlerName');
const UserCodeSyntaxError = defineRuntimeError('UserCodeSyntaxError');
const NodeJsExit = defineRuntimeError(
  'NodeJsExit',
  class extends Error {
    constructor() {
      super(
        'The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a Promise that was never settled. For more information, see https://nodejs.org/docs/latest/api/process.html#exit-codes',
      );
    }
  },
);
const UnhandledPromiseRejection = defineRuntimeError(
  'UnhandledPromiseRejection',
  class extends Error {
    constructor(reason, promise) {
      super(reason);
      this.reason = reason;
      this.promise = promise;
    }
  },
);

// Duck-typed errors count when name, message and stack are non-empty strings.
function looksLikeError(obj) {
  return Boolean(
    obj &&
      obj.name &&
      obj.message &&
      obj.stack &&
      typeof obj.name === 'string' &&
      typeof obj.message === 'string' &&
      typeof obj.stack === 'string',
  );
}

function intoError(err) {
  return err instanceof Error ? err : new Error(err);
}

// The body POSTed to /error, which Lambda hands to the invoker unchanged.
// The key is `trace` (not `stackTrace`); extra enumerable props are dropped;
// DEL (0x7F) becomes "%7F"; any getter failure yields the 'handled' shape.
function toRapidResponse(error) {
  try {
    if (util.types.isNativeError(error) || looksLikeError(error)) {
      return {
        errorType: error.name?.replaceAll('\x7F', '%7F'),
        errorMessage: error.message?.replaceAll('\x7F', '%7F'),
        trace: error.stack.replaceAll('\x7F', '%7F').split('\n'),
      };
    }
    return {
      errorType: typeof error,
      errorMessage: error.toString(),
      trace: [],
    };
  } catch (_ignored) {
    return {
      errorType: 'handled',
      errorMessage:
        'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
    };
  }
}

// Log form of an error: unlike the payload it keeps enumerable props, `code`
// and the stack as an array; always prefixed by a tab.
function withEnumerableProperties(value) {
  if (!(value instanceof Error)) return value;
  const ret = Object.assign(
    { errorType: value.name, errorMessage: value.message, code: value.code },
    value,
  );
  if (typeof value.stack === 'string') ret.stack = value.stack.split('\n');
  return ret;
}

function toFormatted(error) {
  try {
    return '\t' + JSON.stringify(error, (_k, v) => withEnumerableProperties(v));
  } catch (_ignored) {
    return '\t' + JSON.stringify(toRapidResponse(error));
  }
}

// ---------------------------------------------------------------------------
// Console patching (src/LogPatch.js semantics)

const LEVELS = Object.freeze({
  TRACE: { name: 'TRACE', priority: 1 },
  DEBUG: { name: 'DEBUG', priority: 2 },
  INFO: { name: 'INFO', priority: 3 },
  WARN: { name: 'WARN', priority: 4 },
  ERROR: { name: 'ERROR', priority: 5 },
  FATAL: { name: 'FATAL', priority: 6 },
});

// Before the first invoke these stay undefined, so init lines carry the
// literal text "undefined" as their request id, as on AWS.
let currentRequestId;
let currentTenantId;

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

// Synchronous write to fd 1: a line is never lost when the process exits right
// after it (init errors, uncaught exceptions). Retries if the pipe is full and
// someone switched it to non-blocking mode.
function writeStdout(text) {
  const buf = Buffer.from(text, 'utf8');
  let off = 0;
  while (off < buf.length) {
    try {
      off += fs.writeSync(1, buf, off, buf.length - off);
    } catch (e) {
      if (e.code === 'EAGAIN') {
        Atomics.wait(sleepCell, 0, 0, 1);
        continue;
      }
      return; // EPIPE and friends: the reader is gone, nothing to do.
    }
  }
}

function textLine(level, message, params) {
  const line = `${new Date().toISOString()}\t${currentRequestId}\t${level.name}\t${util.format(message, ...params)}`;
  // One console call = one log event: embedded newlines become CR.
  return line.replace(/\n/g, '\r') + '\n';
}

function jsonErrorReplacer(_k, value) {
  if (value instanceof Error) {
    return Object.assign(
      {
        errorType: value?.constructor?.name ?? 'UnknownError',
        errorMessage: value.message,
        stackTrace: typeof value.stack === 'string' ? value.stack.split('\n') : value.stack,
      },
      value,
    );
  }
  return value;
}

function jsonLine(level, message, params) {
  const record = {
    timestamp: new Date().toISOString(),
    level: level.name,
    requestId: currentRequestId,
  };
  if (currentTenantId !== undefined && currentTenantId !== null) record.tenantId = currentTenantId;
  let out;
  if (params.length === 0) {
    record.message = message;
    try {
      out = JSON.stringify(record, jsonErrorReplacer);
    } catch (_ignored) {
      record.message = util.format(message);
      out = JSON.stringify(record);
    }
  } else {
    const all = [message, ...params];
    record.message = util.format(...all);
    const firstError = all.find((p) => p instanceof Error);
    if (firstError) {
      record.errorType = firstError?.constructor?.name ?? 'UnknownError';
      record.errorMessage = firstError.message;
      record.stackTrace = typeof firstError.stack === 'string' ? firstError.stack.split('\n') : [];
    }
    out = JSON.stringify(record);
  }
  return out.replace(/\n/g, '\r') + '\n';
}

const jsonFormat = (process.env.AWS_LAMBDA_LOG_FORMAT || '').toUpperCase() === 'JSON';

function patchConsole() {
  const format = jsonFormat ? jsonLine : textLine;
  const log = (level) => (message, ...params) => writeStdout(format(level, message, params));
  const nop = () => {};
  const minimum = LEVELS[(process.env.AWS_LAMBDA_LOG_LEVEL || '').toUpperCase()] || LEVELS.TRACE;
  const gated = (level) => (level.priority >= minimum.priority ? log(level) : nop);
  console.trace = gated(LEVELS.TRACE);
  console.debug = gated(LEVELS.DEBUG);
  console.info = gated(LEVELS.INFO);
  console.log = console.info;
  console.warn = gated(LEVELS.WARN);
  console.error = gated(LEVELS.ERROR);
  console.fatal = log(LEVELS.FATAL); // FATAL is never filtered
}

// "Invoke Error", "Uncaught Exception", "Unhandled Promise Rejection" lines.
function logError(label, err) {
  if (jsonFormat) console.error(intoError(err));
  else console.error(label, toFormatted(intoError(err)));
}

// ---------------------------------------------------------------------------
// Runtime API client (runtime_client.js: HTTP/1.1 by hand over one socket)

const runtimeApi = require(path.join(__dirname, 'runtime_client.js'));

function serializeResponse(value) {
  try {
    return JSON.stringify(value === undefined ? null : value);
  } catch (_ignored) {
    throw new Error('Unable to stringify response body');
  }
}

const client = {
  nextInvocation() {
    return new Promise((resolve, reject) => {
      runtimeApi.next((err, res) => {
        if (err) reject(err);
        else if (res.status !== 200) reject(new Error(`Failed to get next invocation, status ${res.status}: ${res.body}`));
        else resolve({ bodyJson: res.body, headers: res.headers });
      });
    });
  },
  // Serialization happens synchronously so "Unable to stringify response body"
  // is thrown into the caller, as in the real runtime. Whatever the outcome --
  // any HTTP status, including 413 for an oversize payload (the server answers
  // the invoker itself), or a transport failure -- the invoke is over and the
  // loop moves on, like the native client which ignores post outcomes. If the
  // API is gone, the following /next fails and the process exits with 129.
  // `thenNext`: the loop asks for the next event once this is posted, so the
  // client may send that /next in the same write (runtime_client.js, post).
  postInvocationResponse(result, id, done, thenNext) {
    const body = serializeResponse(result);
    runtimeApi.post(`/runtime/invocation/${encodeURIComponent(id)}/response`, '', body, () => done(), thenNext);
  },
  postInvocationError(error, id, done, thenNext) {
    const payload = toRapidResponse(error);
    const body = serializeResponse(payload);
    runtimeApi.post(
      `/runtime/invocation/${encodeURIComponent(id)}/error`,
      runtimeApi.errorTypeHeader(payload.errorType),
      body,
      () => done(),
      thenNext,
    );
  },
  postInitError(error, done) {
    const payload = toRapidResponse(error);
    const body = serializeResponse(payload);
    runtimeApi.post('/runtime/init/error', runtimeApi.errorTypeHeader(payload.errorType), body, () => done());
  },
};

// ---------------------------------------------------------------------------
// beforeExit: one global slot, replaced per invoke / per callback.

const noop = () => {};
let beforeExitListener = noop;

// ---------------------------------------------------------------------------
// Handler resolution (src/UserFunction.js semantics)

// Shown instead of this file's path in "Require stack" lines, so messages read
// as they do on AWS, where the requiring module is /var/runtime/index.mjs.
const AWS_RUNTIME_ENTRY = '/var/runtime/index.mjs';

function hasTypeModule(folder) {
  // The nearest package.json decides; a node_modules dir or `/` ends the walk.
  if (folder.endsWith('/node_modules')) return false;
  const pj = path.join(folder, 'package.json');
  if (fs.existsSync(pj)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(pj));
      if (pkg) return pkg.type === 'module';
    } catch (e) {
      console.warn(`${pj} cannot be read, it will be ignored for ES module detection purposes.`, e);
      return false;
    }
  }
  if (folder === '/') return false;
  return hasTypeModule(path.resolve(folder, '..'));
}

function tryRequire(file) {
  return fs.existsSync(file) ? require(file) : undefined;
}

async function tryImport(file) {
  return fs.existsSync(file) ? import(url.pathToFileURL(file).href) : undefined;
}

async function loadModule(appRoot, moduleRoot, moduleName) {
  const base = path.resolve(appRoot, moduleRoot, moduleName);
  const extensionless = tryRequire(base);
  if (extensionless) return extensionless;
  const typeModule = hasTypeModule(path.resolve(path.dirname(base)));
  if (!typeModule) {
    const cjs = tryRequire(base + '.js');
    if (cjs) return cjs;
  }
  const loaded =
    (typeModule && (await tryImport(base + '.js'))) ||
    (await tryImport(base + '.mjs')) ||
    tryRequire(base + '.cjs');
  if (loaded) return loaded;
  // Last resort: node-style resolution, so a package under node_modules can be
  // the handler module.
  return require(require.resolve(moduleName, { paths: [appRoot, moduleRoot] }));
}

async function loadUserApp(appRoot, moduleRoot, moduleName) {
  try {
    return await loadModule(appRoot, moduleRoot, moduleName);
  } catch (e) {
    if (e instanceof SyntaxError) throw new UserCodeSyntaxError(e);
    if (e && e.code === 'MODULE_NOT_FOUND') {
      if (typeof e.message === 'string') e.message = e.message.split(__filename).join(AWS_RUNTIME_ENTRY);
      throw new ImportModuleError(e);
    }
    throw e;
  }
}

async function loadHandler(appRoot, fullHandler) {
  if (fullHandler.includes('..')) {
    throw new MalformedHandlerName(
      `'${fullHandler}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  const handlerString = path.basename(fullHandler);
  const moduleRoot = fullHandler.substring(0, fullHandler.indexOf(handlerString));
  const match = handlerString.match(/^([^.]*)\.(.*)$/);
  if (!match || match.length !== 3) throw new MalformedHandlerName('Bad handler');
  const [, moduleName, handlerPath] = match;
  const app = await loadUserApp(appRoot, moduleRoot, moduleName);
  const fn = handlerPath.split('.').reduce((obj, key) => obj && obj[key], app);
  if (!fn) throw new HandlerNotFound(`${fullHandler} is undefined or not exported`);
  if (typeof fn !== 'function') throw new HandlerNotFound(`${fullHandler} is not a function`);
  return fn;
}

function isAsyncFunction(fn) {
  try {
    return Boolean(fn && fn.constructor && fn.constructor.name === 'AsyncFunction');
  } catch (_ignored) {
    return false;
  }
}

// ---------------------------------------------------------------------------
// Per-invoke callback + context (src/CallbackContext.js, InvokeContext.js)

function buildCallbackContext(id, scheduleNext) {
  let completed = false;
  let waitForEmptyEventLoop = true;

  const postError = (err, next) => {
    logError('Invoke Error', err);
    client.postInvocationError(err, id, next, next === scheduleNext);
  };
  const complete = (result, next) => {
    if (completed) {
      console.error(
        'Invocation has already been reported as done. Cannot call complete more than once per invocation.',
      );
      return;
    }
    completed = true;
    client.postInvocationResponse(result, id, next, next === scheduleNext);
  };

  const callback = (err, result) => {
    beforeExitListener = noop;
    if (err !== undefined && err !== null) {
      postError(err, scheduleNext);
    } else if (!waitForEmptyEventLoop) {
      complete(result, scheduleNext);
    } else {
      // Success waits until the event loop is otherwise empty.
      beforeExitListener = () => setImmediate(() => complete(result, scheduleNext));
    }
  };
  const done = (err, result) => {
    beforeExitListener = noop;
    if (err !== undefined && err !== null) postError(err, scheduleNext);
    else complete(result, scheduleNext);
  };
  const succeed = (result) => done(null, result);
  const fail = (err) => (err === undefined || err === null ? done('handled') : done(err, null));

  // Only the first of callback/succeed/fail/done counts. The flag is set after
  // the call returns, so a call that throws (e.g. an unserialisable result)
  // still lets the follow-up failure through.
  let finished = false;
  const once = (fn) =>
    function () {
      if (!finished) {
        fn.apply(null, arguments);
        finished = true;
      }
    };

  const context = {
    get callbackWaitsForEmptyEventLoop() {
      return waitForEmptyEventLoop;
    },
    set callbackWaitsForEmptyEventLoop(value) {
      waitForEmptyEventLoop = value;
    },
    succeed: once(succeed),
    fail: once(fail),
    done: once(done),
  };
  const markCompleted = () => {
    completed = true;
  };
  return [once(callback), context, markCompleted];
}

function parseJsonHeader(value, name) {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value);
  } catch (err) {
    throw new Error(`Cannot parse ${name} as json: ${err.toString()}`);
  }
}

// Adds the per-invoke fields after the callback ones, in AWS's key order.
// Everything is read (and the JSON headers parsed) before the first field is
// set, and process.env is read on every invoke, as AWS does.
function attachEnvironmentData(context, headers) {
  const trace = headers.get('lambda-runtime-trace-id');
  if (trace) process.env._X_AMZN_TRACE_ID = trace;
  else delete process.env._X_AMZN_TRACE_ID;
  const deadline = Number(headers.get('lambda-runtime-deadline-ms'));
  const env = process.env;
  const functionVersion = env.AWS_LAMBDA_FUNCTION_VERSION;
  const functionName = env.AWS_LAMBDA_FUNCTION_NAME;
  const memoryLimitInMB = env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE;
  const logGroupName = env.AWS_LAMBDA_LOG_GROUP_NAME;
  const logStreamName = env.AWS_LAMBDA_LOG_STREAM_NAME;
  const clientContext = parseJsonHeader(headers.get('lambda-runtime-client-context'), 'ClientContext');
  const identity = parseJsonHeader(headers.get('lambda-runtime-cognito-identity'), 'CognitoIdentity');
  context.functionVersion = functionVersion;
  context.functionName = functionName;
  context.memoryLimitInMB = memoryLimitInMB;
  context.logGroupName = logGroupName;
  context.logStreamName = logStreamName;
  context.clientContext = clientContext;
  context.identity = identity;
  context.invokedFunctionArn = headers.get('lambda-runtime-invoked-function-arn');
  context.awsRequestId = headers.get('lambda-runtime-aws-request-id');
  context.tenantId = headers.get('lambda-runtime-aws-tenant-id');
  // Not clamped: it goes negative past the deadline, as on AWS.
  context.getRemainingTimeInMillis = () => deadline - Date.now();
  return context;
}

// ---------------------------------------------------------------------------
// Invoke loop (src/Runtime.js)

// Process-level hooks call whichever pair is current: init-time pairs post to
// /init/error, invoke-time pairs post to that invoke's /error.
const errorCallbacks = {
  uncaughtException: (error) => client.postInitError(error, () => process.exit(129)),
  unhandledRejection: (error) => client.postInitError(error, () => process.exit(128)),
};

function isPromise(obj) {
  return Boolean(obj && obj.then && typeof obj.then === 'function');
}

function startRuntime(handler) {
  const handlerIsAsync = isAsyncFunction(handler);

  const scheduleIteration = () => {
    setImmediate(() => {
      handleOnce().then(noop, (err) => {
        console.log(`Unexpected Top Level Error: ${err.toString()}`);
        errorCallbacks.uncaughtException(err);
      });
    });
  };

  const handleOnce = async () => {
    const { bodyJson, headers } = await client.nextInvocation();
    const id = headers.get('lambda-runtime-aws-request-id');
    if (!id) throw new Error('invocation id is missing or invalid');
    currentRequestId = id;
    currentTenantId = headers.get('lambda-runtime-aws-tenant-id');

    const [callback, callbackContext, markCompleted] = buildCallbackContext(id, scheduleIteration);
    try {
      errorCallbacks.uncaughtException = (error) =>
        client.postInvocationError(error, id, () => process.exit(129));
      errorCallbacks.unhandledRejection = (error) =>
        client.postInvocationError(error, id, () => process.exit(128));

      // The event loop drained with no completion: a plain handler succeeds
      // with null, an async one whose promise never settled is an error.
      beforeExitListener = () => {
        markCompleted();
        if (handlerIsAsync) {
          const exitError = new NodeJsExit();
          logError('Invoke Error', exitError);
          client.postInvocationError(exitError, id, scheduleIteration, true);
        } else {
          client.postInvocationResponse(null, id, scheduleIteration, true);
        }
      };

      // The event is always JSON.parse'd (a non-JSON body becomes callback(err)).
      const result = handler(JSON.parse(bodyJson), attachEnvironmentData(callbackContext, headers), callback);
      if (isPromise(result)) {
        result.then(callbackContext.succeed, callbackContext.fail).catch(callbackContext.fail);
      }
    } catch (err) {
      callback(err);
    }
  };

  scheduleIteration();
}

async function main() {
  patchConsole();

  process.on('uncaughtException', (error) => {
    logError('Uncaught Exception', error);
    errorCallbacks.uncaughtException(error);
  });
  process.on('unhandledRejection', (reason, promise) => {
    const error = new UnhandledPromiseRejection(reason, promise);
    logError('Unhandled Promise Rejection', error);
    errorCallbacks.unhandledRejection(error);
  });
  process.on('beforeExit', () => beforeExitListener());

  const appRoot = process.env.LAMBDA_TASK_ROOT || process.cwd();
  // ESM top-level await in the handler module runs here, during init.
  const handler = await loadHandler(appRoot, process.env._HANDLER);
  startRuntime(handler);
}

main().catch((error) => {
  // Load failures take the same path as an uncaught exception during init.
  logError('Uncaught Exception', error);
  errorCallbacks.uncaughtException(error);
});
