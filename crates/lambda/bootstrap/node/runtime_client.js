/*
 * Portico's Node.js bootstrap, part 2: the Runtime API client.
 *
 * HTTP/1.1 by hand over one persistent socket. Loaded by bootstrap.js (which
 * holds the event-loop design note this client follows) from the same
 * directory; Node standard library only, CommonJS.
 *
 * Nothing here requires user code, so this file's path never shows up in a
 * "Require stack", and nothing here runs user code or throws to it: the only
 * errors made here are transport failures, which the invoke loop logs by
 * message. Serialization ("Unable to stringify response body") and the error
 * payloads stay in bootstrap.js, so their stack frames still name that file.
 */
'use strict';

const net = require('net');

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
    this.rest = null;
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

  // The response ended at `pos`. Bytes after it belong to the response of
  // a pipelined request (`rest`, valid only during this read), or else mean
  // the connection is out of step (see onRead).
  finish(data, pos) {
    if (pos < data.length) this.rest = data.subarray(pos);
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
let current = null; // the exchange whose response is being read
const waiting = []; // exchanges queued behind it (the first may be written already)
let prefetched = null; // a /next sent ahead of time behind a post (see post)

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
  let chunk = data;
  for (;;) {
    if (current === null || current.sock !== sock) {
      sock.gone(); // unsolicited bytes: the connection is out of step
      return;
    }
    current.gotBytes = true;
    let done;
    try {
      done = current.parser.feed(chunk);
    } catch (e) {
      sock.gone(e);
      return;
    }
    if (!done) return;
    const rest = current.parser.rest;
    completeCurrent(sock); // reads parser.rest: stray bytes end the connection
    // The rest of this read is the next pipelined response, if any.
    if (rest === null || sock.destroyed) return;
    chunk = rest;
  }
}

function startNext() {
  const ex = waiting.shift();
  current = ex;
  // Pipelined behind the previous exchange: its request is on the wire.
  if (ex.written && ex.sock === socket) return;
  ex.reused = socket !== null && socketUsed;
  const sock = socket === null ? connect() : socket;
  sendOn(sock, ex);
  let bytes = ex.request;
  const follower = ex.follower;
  if (follower !== null && waiting[0] === follower) {
    // One write for both requests: the server reads them together, and the
    // /next is parked there as soon as the post is answered.
    sendOn(sock, follower);
    // By the time it is answered the connection has carried the post, as a
    // /next sent afterwards would find it: a drop then is retried once.
    follower.reused = true;
    bytes += follower.request;
  }
  // Hold the event loop only while an exchange is in flight (design note).
  sock.ref();
  sock.write(bytes);
}

function sendOn(sock, ex) {
  ex.sock = sock;
  ex.written = true;
  ex.gotBytes = false;
  ex.parser = new ResponseParser();
}

function settle(ex, err, res) {
  ex.settled = true;
  current = null;
  if (ex.callback !== null) ex.callback(err, res);
  else ex.result = [err, res]; // a prefetched /next nobody asked for yet
  if (current === null && waiting.length > 0) startNext();
}

function completeCurrent(sock) {
  const ex = current;
  const p = ex.parser;
  socketUsed = true;
  // A pipelined request behind this one keeps the connection (and the loop).
  const pipelined = waiting.length > 0 && waiting[0].written && waiting[0].sock === sock;
  if (!p.keepAlive || (p.rest !== null && !pipelined)) {
    if (socket === sock) socket = null;
    sock.destroy();
  } else if (!pipelined) {
    sock.unref();
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

function makeExchange(request, callback) {
  return {
    request,
    callback,
    retried: false,
    reused: false,
    sock: null,
    written: false,
    gotBytes: false,
    parser: null,
    follower: null,
    result: null,
    settled: false,
  };
}

// One HTTP exchange; `request` is the whole request, head and body.
function exchange(request, callback) {
  waiting.push(makeExchange(request, callback));
  if (current === null) startNext();
}

// With `prefetchNext`, the following /next goes out in the same write as
// the post (HTTP/1.1 pipelining; the API answers in order): the server reads
// both at once instead of waking twice per invoke, and `next` then picks up
// that exchange. Only for a completion after which the loop asks for the
// next event anyway, so nothing is requested that would not be.
function post(apiPath, extraHeaders, body, callback, prefetchNext) {
  const ex = makeExchange(
    `POST /2018-06-01${apiPath}${REQUEST_TAIL}Content-Type: application/json\r\n${extraHeaders}` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    (err, res) => {
      pollUntil = res === undefined ? 0 : pollDeadline(res.headers);
      callback(err, res);
    },
  );
  waiting.push(ex);
  if (prefetchNext === true && prefetched === null) {
    const nx = makeExchange(NEXT_REQUEST, null);
    ex.follower = nx;
    waiting.push(nx);
    prefetched = nx;
  }
  if (current === null) startNext();
}

// Header values must be visible ASCII; the error type only feeds metrics on
// the server, so an unsendable one is simply left out.
function errorTypeHeader(errorType) {
  return typeof errorType === 'string' && /^[\x21-\x7e]+$/.test(errorType)
    ? `${ERROR_TYPE_HEADER}: ${errorType}\r\n`
    : '';
}

// The /next long-poll; `callback(err, {status, headers, body})`.
function next(callback) {
  const until = pollUntil;
  pollUntil = 0;
  const nx = prefetched;
  if (nx === null) {
    exchange(NEXT_REQUEST, callback);
    return;
  }
  prefetched = null;
  if (nx.result !== null) {
    callback(nx.result[0], nx.result[1]);
    return;
  }
  nx.callback = callback;
  if (until > 0) poll(nx, until);
}

// Polling for the next event instead of sleeping, when the server's 202
// allows it (Portico-Poll-Us: the server has a core to spare, and waking a
// sleeping process costs more than the whole exchange on a VM). Each
// setImmediate turn makes libuv poll its sockets without blocking, so the
// event is read as soon as it arrives; after the deadline the loop sleeps
// as usual. Only ever between invocations, while /next holds the loop
// anyway, so it cannot delay a handler's `beforeExit`.
const MAX_POLL_US = 1000;
let pollUntil = 0; // performance.now() deadline granted by the last 202

function pollDeadline(headers) {
  const us = Number(headers.get('portico-poll-us'));
  return us > 0 ? performance.now() + Math.min(us, MAX_POLL_US) / 1000 : 0;
}

function poll(ex, until) {
  if (!ex.settled && performance.now() < until) setImmediate(poll, ex, until);
}

module.exports = { next, post, errorTypeHeader };
