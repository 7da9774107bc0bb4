// Helpers shared by the test files: client URLs per transport and plain (deep-comparable) forms of client
// results and errors.
import assert from 'node:assert/strict';

/**
 * URL schemes under which @libsql/client is tested: Hrana over HTTP via `http:` and via `libsql:` (which means
 * HTTPS unless `?tls=0` is given), and Hrana over WebSocket via `ws:`.
 */
export const CLIENT_SCHEMES = ['http', 'libsql', 'ws'];

/** Client URL of a started server for a transport: "http", "libsql" (plain HTTP via ?tls=0) or "ws". */
export function clientUrl(server, scheme) {
  switch (scheme) {
    case 'http':
      return `http://127.0.0.1:${server.port}`;
    case 'libsql':
      return `libsql://127.0.0.1:${server.port}?tls=0`;
    case 'ws':
      return `ws://127.0.0.1:${server.port}`;
    default:
      throw new Error(`unknown scheme ${scheme}`);
  }
}

/** The bytes of an ArrayBuffer, a typed array or a Buffer, as a plain array of numbers. */
export function bytesOf(data) {
  const view =
    data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return [...view];
}

/**
 * Converts a value returned by a client into a JSON-comparable form that keeps the type visible:
 * bigint → {bigint: "…"}, ArrayBuffer/typed arrays/Buffer → {blob: "<hex>"}, -0 → {float: "-0"}.
 */
function plainValue(v) {
  if (typeof v === 'bigint') return { bigint: v.toString() };
  if (v instanceof ArrayBuffer) return { blob: Buffer.from(v).toString('hex') };
  if (ArrayBuffer.isView(v)) return { blob: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex') };
  if (Object.is(v, -0)) return { float: '-0' };
  return v;
}

/** Plain form of an @libsql/client ResultSet, rows as arrays (the Row objects are array-like). */
function plainResult(rs) {
  return {
    columns: [...rs.columns],
    columnTypes: [...rs.columnTypes],
    rows: rs.rows.map((row) => Array.from(row, plainValue)),
    rowsAffected: rs.rowsAffected,
    lastInsertRowid: rs.lastInsertRowid === undefined ? undefined : plainValue(rs.lastInsertRowid),
  };
}

/** Awaits a promise that must reject and returns the error. */
export async function rejection(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  assert.fail('expected the operation to fail, but it succeeded');
}

/** Runs a synchronous function that must throw and returns the error. */
export function thrown(fn) {
  try {
    fn();
  } catch (e) {
    return e;
  }
  assert.fail('expected the operation to throw, but it returned');
}

/**
 * Plain form of a client error. SQL_PARSE_ERROR messages are cut to their fixed prefix: sqld's text after it
 * comes from its own Rust SQL parser (e.g. "syntax error around L1:6: `selec`"), which a reimplementation
 * cannot be expected to reproduce character for character; the code is what clients act on.
 */
function plainError(e) {
  let message = String(e.message);
  const parsePrefix = 'SQL string could not be parsed:';
  const at = message.indexOf(parsePrefix);
  if (at >= 0) message = message.slice(0, at + parsePrefix.length);
  const out = { name: e.name, code: e.code, message };
  if (e.statementIndex !== undefined) out.statementIndex = e.statementIndex;
  return out;
}

/** Runs a (sync or async) step and returns {ok: plainDeep(result)} or {error: plainError(e)}. */
export async function outcome(fn) {
  try {
    return { ok: plainDeep(await fn()) };
  } catch (e) {
    return { error: plainError(e) };
  }
}

// Keys whose values are timings measured by a client, hence different on every run.
const TIMING_KEYS = new Set(['_metadata', 'duration']);

/**
 * Deep plain form of anything a client returns (ResultSets, arrays, rows, info objects), for comparing the
 * transcripts of two servers. Client-side timings are dropped; values are typed as in plainValue().
 */
function plainDeep(x) {
  if (x === null || x === undefined) return x;
  if (typeof x !== 'object') return plainValue(x);
  if (x instanceof ArrayBuffer || ArrayBuffer.isView(x)) return plainValue(x);
  if (Array.isArray(x)) return x.map(plainDeep);
  if ('columnTypes' in x && 'rows' in x && 'rowsAffected' in x) return plainResult(x);
  const out = {};
  for (const [k, v] of Object.entries(x)) if (!TIMING_KEYS.has(k)) out[k] = plainDeep(v);
  return out;
}
