// Raw Hrana 3 over HTTP with JSON bodies (`POST /v3/pipeline`, `POST /v3/cursor`), the dialect the native libsql
// remote client and @tursodatabase/serverless speak, for tests that need exact control over batons, batch steps
// and conditions. Also a few helpers to run many clients at once and a background write load.
import assert from 'node:assert/strict';
import { createClient } from '@libsql/client';

/** A Hrana value from a JS value: integers as "integer", other numbers as "float", null, text, Uint8Array blobs. */
export function hranaValue(v) {
  if (v === null || v === undefined) return { type: 'null' };
  if (typeof v === 'bigint') return { type: 'integer', value: v.toString() };
  if (typeof v === 'number') {
    return Number.isInteger(v) ? { type: 'integer', value: String(v) } : { type: 'float', value: v };
  }
  if (v instanceof Uint8Array) return { type: 'blob', base64: Buffer.from(v).toString('base64') };
  return { type: 'text', value: String(v) };
}

/** The JS value of a Hrana value (integers as numbers: the tests keep them small). */
export function jsValue(v) {
  switch (v.type) {
    case 'null':
      return null;
    case 'integer':
      return Number(v.value);
    case 'float':
      return v.value;
    case 'text':
      return v.value;
    case 'blob':
      return Buffer.from(v.base64 ?? '', 'base64');
    default:
      throw new Error(`unknown Hrana value ${JSON.stringify(v)}`);
  }
}

/** A Hrana Stmt with positional arguments. */
export const stmt = (sql, args = []) => ({ sql, args: args.map(hranaValue), want_rows: true });

/** An `execute` stream request. */
export const execute = (sql, args = []) => ({ type: 'execute', stmt: stmt(sql, args) });

/** A batch step; `condition` is a Hrana BatchCond (e.g. { type: 'is_autocommit' }) or undefined. */
export const step = (sql, args = [], condition = undefined) => ({
  stmt: stmt(sql, args),
  ...(condition && { condition }),
});

/** A `batch` stream request of the given steps. */
export const batch = (steps) => ({ type: 'batch', batch: { steps } });

/** { columns, rows } of a Hrana StmtResult, values as JS values. */
export function plainResult(result) {
  return { columns: result.cols.map((c) => c.name), rows: result.rows.map((row) => row.map(jsValue)) };
}

/**
 * Posts one pipeline request. Resolves with { status, baton, results } (results as sent by the server:
 * {type:'ok', response} or {type:'error', error}); for a non-200 answer, with { status, body } (text).
 */
export async function pipeline(server, requests, { baton = null, token } = {}) {
  const res = await fetch(`${server.url}/v3/pipeline`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify({ baton, requests }),
  });
  const text = await res.text();
  if (res.status !== 200) return { status: res.status, body: text };
  const body = JSON.parse(text);
  return { status: 200, baton: body.baton, results: body.results };
}

/**
 * Posts one cursor request (a batch). Resolves with { status, baton, entries } (the NDJSON entries after the
 * first line); for a non-200 answer, with { status, body } (text).
 */
export async function cursor(server, steps, { baton = null, token } = {}) {
  const res = await fetch(`${server.url}/v3/cursor`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify({ baton, batch: { steps } }),
  });
  const text = await res.text();
  if (res.status !== 200) return { status: res.status, body: text };
  const [head, ...entries] = text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
  return { status: 200, baton: head.baton, entries };
}

/**
 * Per step of a cursor's entries: { columns, rows } for a step that ran, { error } for a failed step, and
 * undefined for a step that did not run. Entries the client does not know (sqld's replication_index) are skipped.
 */
export function cursorSteps(entries, stepCount) {
  const steps = new Array(stepCount).fill(undefined);
  let current;
  for (const entry of entries) {
    switch (entry.type) {
      case 'step_begin':
        current = { columns: entry.cols.map((c) => c.name), rows: [] };
        steps[entry.step] = current;
        break;
      case 'row':
        current.rows.push(entry.row.map(jsValue));
        break;
      case 'step_end':
        current = undefined;
        break;
      case 'step_error':
        steps[entry.step] = { error: entry.error };
        current = undefined;
        break;
      case 'error':
        assert.fail(`the cursor failed: ${JSON.stringify(entry.error)}`);
        break;
      default:
        break;
    }
  }
  return steps;
}

/**
 * One Hrana stream over HTTP: every request carries the baton the previous answer gave. `request()` fails the
 * test on a non-200 answer and resolves with the results; `execute()` runs one statement and resolves with its
 * { columns, rows, affected, lastInsertRowid } or throws its Hrana error (as an Error with `code`).
 */
export class HttpStream {
  constructor(server, { token } = {}) {
    this.server = server;
    this.token = token;
    this.baton = null;
    this.closed = false;
  }

  async request(requests) {
    assert.ok(!this.closed, 'the stream is closed');
    const answer = await pipeline(this.server, requests, { baton: this.baton, token: this.token });
    assert.equal(answer.status, 200, `pipeline failed: ${answer.body}`);
    this.baton = answer.baton;
    return answer.results;
  }

  async execute(sql, args = []) {
    const [result] = await this.request([execute(sql, args)]);
    return unwrap(result);
  }

  async close() {
    if (this.closed) return;
    if (this.baton !== null) await this.request([{ type: 'close' }]);
    this.closed = true;
  }
}

/**
 * The outcome of one `execute` pipeline result: { columns, rows, affected, lastInsertRowid }, or a thrown Error
 * carrying the Hrana error's message and code.
 */
export function unwrap(result) {
  if (result.type === 'error') throw Object.assign(new Error(result.error.message), { code: result.error.code });
  const r = result.response.result;
  return {
    ...plainResult(r),
    affected: r.affected_row_count,
    lastInsertRowid: r.last_insert_rowid === null ? null : Number(r.last_insert_rowid),
  };
}

/** Runs `fn(i)` for i in [0, n) all at once and resolves with the results in order. */
export const parallel = (n, fn) => Promise.all(Array.from({ length: n }, (_, i) => fn(i)));

/**
 * A write load beside the test: `clients` @libsql/client HTTP clients each insert rows into `table` (which must
 * have a UNIQUE text column `tag`) one request after the other, until stop() is called; then stop() checks
 * that every acknowledged insert is in the table exactly once and resolves with their number. Its inserts
 * queue at the server next to the test's own requests, so on edgelite they are group-committed together.
 */
export function startWriteLoad(server, { table, prefix, clients = 4, token } = {}) {
  let stopping = false;
  const acknowledged = [];
  const loops = Array.from({ length: clients }, async (_, c) => {
    const client = createClient({ url: server.url, authToken: token });
    try {
      for (let n = 0; !stopping; n++) {
        const tag = `${prefix}-${c}-${n}`;
        await client.execute({ sql: `INSERT INTO ${table} (tag) VALUES (?)`, args: [tag] });
        acknowledged.push(tag);
      }
    } finally {
      client.close();
    }
  });
  // Failures surface in stop(); until then they must not count as unhandled rejections.
  for (const loop of loops) loop.catch(() => {});
  return {
    async stop() {
      stopping = true;
      await Promise.all(loops);
      const check = createClient({ url: server.url, authToken: token });
      try {
        const rs = await check.execute({
          sql: `SELECT tag, count(*) AS n FROM ${table} WHERE tag LIKE ? GROUP BY tag`,
          args: [`${prefix}-%`],
        });
        const seen = new Map(rs.rows.map((r) => [r.tag, r.n]));
        const wrong = acknowledged.filter((tag) => seen.get(tag) !== 1);
        assert.deepEqual(wrong, [], 'every acknowledged insert of the write load is there exactly once');
        assert.equal(seen.size, acknowledged.length, 'no insert of the write load is there without its answer');
      } finally {
        check.close();
      }
      return acknowledged.length;
    },
  };
}

/** Runs `work()` while a write load (see startWriteLoad) runs beside it; resolves with work()'s result. */
export async function underWriteLoad(server, options, work) {
  const load = startWriteLoad(server, options);
  let result;
  let failure;
  try {
    result = await work();
  } catch (e) {
    failure = e;
  }
  try {
    await load.stop();
  } catch (e) {
    failure ??= e; // the test's own failure explains more than the load's
  }
  if (failure) throw failure;
  return result;
}
