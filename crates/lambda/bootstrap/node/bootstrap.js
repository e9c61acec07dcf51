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
 *
 * Event-loop design (the part everything else depends on):
 *   A callback handler's success is posted from a `beforeExit` listener, which
 *   Node only fires once nothing keeps the event loop alive. So while a handler
 *   runs, none of our own sockets may hold a reference on the loop. Our
 *   Runtime API client keeps one keep-alive connection; its socket is `ref()`'d
 *   only while a request of ours is in flight and `unref()`'d as soon as the
 *   response is complete.
 *   The `/next` long-poll is only ever in flight *between* invocations (it is
 *   issued via setImmediate after a completion has been posted, like the real
 *   runtime's scheduleIteration), so it keeps the idle process alive while it
 *   waits -- exactly as the real native client's pending worker does -- and can
 *   never delay `beforeExit` of a running invocation.
 */
'use strict';

const fs = require('fs');
const net = require('net');
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
// Runtime API client: HTTP/1.1 by hand over one persistent socket
//
// Node's `http` module costs several times more CPU per exchange than the
// exchange itself, and every invoke makes two (its /response and the next
// /next), so like AWS's native client we speak the protocol directly: a
// request is one write, a response is parsed straight out of one reusable
// read buffer. Exchanges run one at a time, in order, on a single keep-alive
// connection (as with the `maxSockets: 1` agent this replaces: a post issued
// while /next is pending waits for it).

const RUNTIME_API = process.env.AWS_LAMBDA_RUNTIME_API || '127.0.0.1:9001';
const apiHost = RUNTIME_API.slice(0, RUNTIME_API.lastIndexOf(':')).replace(/^\[|\]$/g, '');
const apiPort = parseInt(RUNTIME_API.slice(RUNTIME_API.lastIndexOf(':') + 1), 10);
const ERROR_TYPE_HEADER = 'Lambda-Runtime-Function-Error-Type';
const REQUEST_TAIL = ` HTTP/1.1\r\nHost: ${RUNTIME_API}\r\nConnection: keep-alive\r\n`;
const NEXT_REQUEST = Buffer.from(`GET /2018-06-01/runtime/invocation/next${REQUEST_TAIL}\r\n`, 'latin1');
const MAX_HEAD = 80 * 1024;
const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');
const LFLF = Buffer.from('\n\n', 'latin1');
// Control characters other than HTAB, CR and LF are invalid anywhere in a head.
const HEAD_CTL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/;
const TOKEN_CHARS = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz") TOKEN_CHARS[c.charCodeAt(0)] = 1;
// Node's http keeps the first of these when repeated; other repeats are joined.
const FIRST_WINS = new Set([
  'age', 'authorization', 'content-length', 'content-type', 'etag', 'expires', 'from', 'host',
  'if-modified-since', 'if-unmodified-since', 'last-modified', 'location', 'max-forwards',
  'proxy-authorization', 'referer', 'retry-after', 'server', 'user-agent',
]);

// Errors read as Node's http client words them (llhttp's reasons).
function parseError(code, reason) {
  const e = new Error(`Parse Error: ${reason}`);
  e.code = code;
  return e;
}

// The connection ended before the response did: "socket hang up" before its
// first byte, "aborted" after.
function hangUp(started) {
  const e = new Error(started ? 'aborted' : 'socket hang up');
  e.code = 'ECONNRESET';
  return e;
}

function isOws(c) {
  return c === 32 || c === 9;
}

// s[from, to) without surrounding SP/HTAB (String#trim would eat NBSP too).
function trimmed(s, from, to) {
  let a = from;
  let b = to;
  while (a < b && isOws(s.charCodeAt(a))) a++;
  while (b > a && isOws(s.charCodeAt(b - 1))) b--;
  return s.slice(a, b);
}

// Index just past the CRLF CRLF ending the head, or -1 while incomplete.
// Like Node's parser (llhttp, strict) a bare LF is an error, not a line end.
function headEnd(buf) {
  const i = buf.indexOf(CRLFCRLF);
  if (i !== -1) return i + 4;
  if (buf.indexOf(LFLF) !== -1) throw parseError('HPE_INVALID_HEADER_TOKEN', 'Invalid header field char');
  if (buf.length > MAX_HEAD) throw parseError('HPE_HEADER_OVERFLOW', 'Header overflow');
  return -1;
}

// A lower-cased header name made of RFC 9110 token characters.
function isToken(name) {
  if (name.length === 0) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c > 127 || TOKEN_CHARS[c] === 0) return false;
  }
  return true;
}

function isDigit(c) {
  return c >= 48 && c <= 57;
}

// "HTTP/1.x NNN[ reason]" -> status; minor version goes to parser.http10.
function parseStatusLine(line, parser) {
  const c7 = line.charCodeAt(7);
  if (
    !line.startsWith('HTTP/1.') || (c7 !== 48 && c7 !== 49) || line.charCodeAt(8) !== 32 ||
    !isDigit(line.charCodeAt(9)) || !isDigit(line.charCodeAt(10)) || !isDigit(line.charCodeAt(11)) ||
    (line.length > 12 && line.charCodeAt(12) !== 32)
  ) {
    throw parseError('HPE_INVALID_CONSTANT', 'Expected HTTP/, RTSP/ or ICE/');
  }
  parser.http10 = c7 === 48;
  return Number(line.slice(9, 12));
}

const BODY_NONE = 0;
const BODY_LENGTH = 1;
const BODY_CHUNKED = 2;
const BODY_UNTIL_CLOSE = 3;
const CHUNK_SIZE = 0;
const CHUNK_DATA = 1;
const CHUNK_DATA_END = 2;
const CHUNK_TRAILER = 3;
const NO_BYTES = Buffer.alloc(0);

// One response, fed the socket's reads in order. The bytes passed to `feed`
// live in the shared read buffer and are only valid during the call, so what
// is kept is copied (or decoded). `feed` returns true once the response is
// complete; bytes past its end mean the connection is out of step and is not
// reused. Malformed input throws, and then counts as a transport failure.
class ResponseParser {
  constructor() {
    this.pending = null; // head bytes of earlier reads
    this.inHead = true;
    this.http10 = false;
    this.status = 0;
    this.headers = null;
    this.keepAlive = true;
    this.mode = BODY_NONE;
    this.remaining = 0; // bytes still due (BODY_LENGTH, CHUNK_DATA)
    this.body = ''; // utf8 text, once complete
    this.bodyBuf = null; // a Content-Length body arriving over several reads
    this.filled = 0;
    this.pieces = null; // chunked / close-delimited parts
    this.chunkPhase = CHUNK_SIZE;
    this.line = '';
  }

  feed(chunk) {
    let data = chunk;
    let pos = 0;
    while (this.inHead) {
      if (this.pending !== null) {
        data = Buffer.concat([this.pending, data]);
        this.pending = null;
      }
      const end = headEnd(data);
      if (end === -1) {
        this.pending = Buffer.from(data);
        return false;
      }
      this.parseHead(data.toString('latin1', 0, end));
      if (this.status >= 100 && this.status < 200) {
        // An interim response (100 Continue...): the real one follows.
        this.inHead = true;
        data = data.subarray(end);
        if (data.length === 0) return false;
        continue;
      }
      pos = end;
    }
    switch (this.mode) {
      case BODY_LENGTH:
        return this.feedLength(data, pos);
      case BODY_CHUNKED:
        return this.feedChunked(data, pos);
      case BODY_UNTIL_CLOSE:
        if (pos < data.length) this.pieces.push(Buffer.from(data.subarray(pos)));
        return false;
      default:
        return this.finish(data, pos);
    }
  }

  // `head` ends with CRLF CRLF. Rejects what llhttp rejects, in its words.
  parseHead(head) {
    if (HEAD_CTL.test(head)) throw parseError('HPE_INVALID_HEADER_TOKEN', 'Invalid header value char');
    let nl = head.indexOf('\n');
    if (head.charCodeAt(nl - 1) !== 13) throw parseError('HPE_CR_EXPECTED', 'Missing expected CR after response line');
    const status = parseStatusLine(head.slice(0, nl - 1), this);
    if (status === 101) throw parseError('HPE_INVALID_STATUS', 'Unexpected protocol switch');
    const headers = new Map(); // lower-cased name -> value
    let contentLength = -1;
    let transferEncoding = null;
    let connection = null;
    for (let start = nl + 1; ; start = nl + 1) {
      nl = head.indexOf('\n', start);
      if (head.charCodeAt(nl - 1) !== 13) throw parseError('HPE_CR_EXPECTED', 'Missing expected CR after header value');
      const end = nl - 1;
      if (end === start) break; // the blank line
      if (isOws(head.charCodeAt(start))) {
        // Obsolete line folding, which llhttp refuses too.
        throw parseError('HPE_INVALID_HEADER_TOKEN', 'Unexpected whitespace after header value');
      }
      const colon = head.indexOf(':', start);
      if (colon === -1 || colon >= end) throw parseError('HPE_INVALID_HEADER_TOKEN', 'Invalid header token');
      const name = head.slice(start, colon).toLowerCase();
      if (!isToken(name)) throw parseError('HPE_INVALID_HEADER_TOKEN', 'Invalid header token');
      const value = trimmed(head, colon + 1, end);
      const prev = headers.get(name);
      if (prev === undefined) headers.set(name, value);
      else if (name === 'set-cookie') headers.set(name, [].concat(prev, value));
      else if (!FIRST_WINS.has(name)) headers.set(name, `${prev}${name === 'cookie' ? '; ' : ', '}${value}`);
      if (name === 'content-length') {
        if (contentLength !== -1) throw parseError('HPE_UNEXPECTED_CONTENT_LENGTH', 'Duplicate Content-Length');
        if (!/^\d+$/.test(value)) throw parseError('HPE_INVALID_CONTENT_LENGTH', 'Invalid character in Content-Length');
        contentLength = Number(value);
      } else if (name === 'transfer-encoding') {
        transferEncoding = headers.get(name);
      } else if (name === 'connection') {
        connection = headers.get(name).toLowerCase();
      }
    }
    if (transferEncoding !== null && contentLength !== -1) {
      throw parseError('HPE_INVALID_TRANSFER_ENCODING', "Transfer-Encoding can't be present with Content-Length");
    }
    this.status = status;
    this.headers = headers;
    this.inHead = false;
    if (connection !== null) {
      const tokens = connection.split(',').map((t) => t.trim());
      this.keepAlive = this.http10 ? tokens.includes('keep-alive') : !tokens.includes('close');
    } else {
      this.keepAlive = !this.http10;
    }
    if ((status >= 100 && status < 200) || status === 204 || status === 304) {
      this.mode = BODY_NONE;
    } else if (transferEncoding !== null && /(?:^|,)[ \t]*chunked[ \t]*$/i.test(transferEncoding)) {
      this.mode = BODY_CHUNKED;
      this.pieces = [];
    } else if (transferEncoding !== null || contentLength === -1) {
      // No framing: the body runs until the server closes the connection.
      this.mode = BODY_UNTIL_CLOSE;
      this.pieces = [];
      this.keepAlive = false;
    } else {
      this.mode = BODY_LENGTH;
      this.remaining = contentLength;
    }
  }

  feedLength(data, pos) {
    const avail = data.length - pos;
    if (this.bodyBuf === null) {
      if (avail >= this.remaining) {
        // The common case: the whole body is in this read.
        this.body = data.toString('utf8', pos, pos + this.remaining);
        return this.finish(data, pos + this.remaining);
      }
      this.bodyBuf = Buffer.allocUnsafe(this.remaining);
    }
    const take = Math.min(avail, this.remaining);
    data.copy(this.bodyBuf, this.filled, pos, pos + take);
    this.filled += take;
    this.remaining -= take;
    if (this.remaining > 0) return false;
    this.body = this.bodyBuf.toString('utf8');
    return this.finish(data, pos + take);
  }

  // One line of chunk framing, or undefined while it is incomplete.
  chunkLine(data, pos) {
    const nl = data.indexOf(10, pos);
    const part = data.toString('latin1', pos, nl === -1 ? data.length : nl);
    if (nl === -1) {
      this.line += part;
      if (this.line.length > MAX_HEAD) throw parseError('HPE_INVALID_CHUNK_SIZE', 'Chunk size overflow');
      return undefined;
    }
    const line = this.line + part;
    this.line = '';
    return line.endsWith('\r') ? line.slice(0, -1) : line;
  }

  feedChunked(data, pos) {
    while (pos < data.length) {
      if (this.chunkPhase === CHUNK_DATA) {
        const take = Math.min(this.remaining, data.length - pos);
        this.pieces.push(Buffer.from(data.subarray(pos, pos + take)));
        pos += take;
        this.remaining -= take;
        if (this.remaining === 0) this.chunkPhase = CHUNK_DATA_END;
        continue;
      }
      const line = this.chunkLine(data, pos);
      if (line === undefined) return false;
      pos = data.indexOf(10, pos) + 1;
      if (this.chunkPhase === CHUNK_SIZE) {
        const semi = line.indexOf(';');
        const size = trimmed(line, 0, semi === -1 ? line.length : semi);
        if (!/^[0-9a-fA-F]{1,12}$/.test(size)) throw parseError('HPE_INVALID_CHUNK_SIZE', 'Invalid character in chunk size');
        this.remaining = parseInt(size, 16);
        this.chunkPhase = this.remaining === 0 ? CHUNK_TRAILER : CHUNK_DATA;
      } else if (this.chunkPhase === CHUNK_DATA_END) {
        if (line !== '') throw parseError('HPE_STRICT', 'Expected LF after chunk data');
        this.chunkPhase = CHUNK_SIZE;
      } else if (line === '') {
        this.body = Buffer.concat(this.pieces).toString('utf8');
        return this.finish(data, pos);
      }
      // Otherwise a trailer field, which nothing here uses.
    }
    return false;
  }

  // The response ended at `pos`; anything after it is not ours.
  finish(data, pos) {
    if (pos < data.length) this.keepAlive = false;
    return true;
  }

  // The server closed the connection: complete only for close-delimited bodies.
  end() {
    if (this.inHead || this.mode !== BODY_UNTIL_CLOSE) return false;
    this.body = (this.pieces.length ? Buffer.concat(this.pieces) : NO_BYTES).toString('utf8');
    return true;
  }
}

const readBuffer = Buffer.allocUnsafe(64 * 1024);
let socket = null; // the connection, or null once it closed
let socketUsed = false; // has it carried a complete exchange?
let current = null; // the exchange in flight
const waiting = []; // exchanges queued behind it

function connect() {
  const sock = net.connect({
    host: apiHost,
    port: apiPort,
    noDelay: true,
    keepAlive: true,
    keepAliveInitialDelay: 1000,
    // Reads land in one reused buffer instead of a fresh one per read.
    onread: { buffer: readBuffer, callback: (nread, buf) => onRead(sock, buf.subarray(0, nread)) },
  });
  socket = sock;
  socketUsed = false;
  const gone = (err) => {
    if (socket === sock) socket = null;
    sock.destroy();
    if (current !== null && current.sock === sock) failCurrent(err || hangUp(current.gotBytes));
  };
  sock.on('end', () => {
    if (current !== null && current.sock === sock && current.parser.end()) completeCurrent(sock);
    gone();
  });
  sock.on('error', gone);
  sock.on('close', () => gone());
  sock.gone = gone;
  return sock;
}

function onRead(sock, data) {
  if (current === null || current.sock !== sock) {
    sock.gone(); // unsolicited bytes: the connection is out of step
    return;
  }
  current.gotBytes = true;
  let done;
  try {
    done = current.parser.feed(data);
  } catch (e) {
    sock.gone(e);
    return;
  }
  if (done) completeCurrent(sock);
}

function startNext() {
  const ex = waiting.shift();
  current = ex;
  ex.reused = socket !== null && socketUsed;
  const sock = socket === null ? connect() : socket;
  ex.sock = sock;
  ex.gotBytes = false;
  ex.parser = new ResponseParser();
  // Hold the event loop only while an exchange is in flight (design note).
  sock.ref();
  sock.write(ex.request);
}

function settle(ex, err, res) {
  current = null;
  ex.callback(err, res);
  if (current === null && waiting.length > 0) startNext();
}

function completeCurrent(sock) {
  const ex = current;
  const p = ex.parser;
  socketUsed = true;
  if (p.keepAlive) {
    sock.unref();
  } else {
    if (socket === sock) socket = null;
    sock.destroy();
  }
  settle(ex, null, { status: p.status, headers: p.headers, body: p.body });
}

function failCurrent(err) {
  const ex = current;
  // The server may close an idle keep-alive connection just as we reuse it.
  // Retry once on a fresh connection; should the first attempt have arrived
  // after all, the API rejects the repeat with 400, which is harmless.
  if (!ex.retried && ex.reused && !ex.gotBytes) {
    ex.retried = true;
    waiting.unshift(ex);
    current = null;
    startNext();
    return;
  }
  settle(ex, err, undefined);
}

// One HTTP exchange; `request` is the whole request, head and body.
function exchange(request, callback) {
  waiting.push({ request, callback, retried: false, reused: false, sock: null, gotBytes: false, parser: null });
  if (current === null) startNext();
}

function post(apiPath, extraHeaders, body, callback) {
  exchange(
    `POST /2018-06-01${apiPath}${REQUEST_TAIL}Content-Type: application/json\r\n${extraHeaders}` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    callback,
  );
}

function serializeResponse(value) {
  try {
    return JSON.stringify(value === undefined ? null : value);
  } catch (_ignored) {
    throw new Error('Unable to stringify response body');
  }
}

// Header values must be visible ASCII; the error type only feeds metrics on
// the server, so an unsendable one is simply left out.
function errorTypeHeader(errorType) {
  return typeof errorType === 'string' && /^[\x21-\x7e]+$/.test(errorType)
    ? `${ERROR_TYPE_HEADER}: ${errorType}\r\n`
    : '';
}

const client = {
  nextInvocation() {
    return new Promise((resolve, reject) => {
      exchange(NEXT_REQUEST, (err, res) => {
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
  postInvocationResponse(result, id, done) {
    const body = serializeResponse(result);
    post(`/runtime/invocation/${encodeURIComponent(id)}/response`, '', body, () => done());
  },
  postInvocationError(error, id, done) {
    const payload = toRapidResponse(error);
    const body = serializeResponse(payload);
    post(`/runtime/invocation/${encodeURIComponent(id)}/error`, errorTypeHeader(payload.errorType), body, () =>
      done(),
    );
  },
  postInitError(error, done) {
    const payload = toRapidResponse(error);
    const body = serializeResponse(payload);
    post('/runtime/init/error', errorTypeHeader(payload.errorType), body, () => done());
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
    client.postInvocationError(err, id, next);
  };
  const complete = (result, next) => {
    if (completed) {
      console.error(
        'Invocation has already been reported as done. Cannot call complete more than once per invocation.',
      );
      return;
    }
    completed = true;
    client.postInvocationResponse(result, id, next);
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
          client.postInvocationError(exitError, id, scheduleIteration);
        } else {
          client.postInvocationResponse(null, id, scheduleIteration);
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
