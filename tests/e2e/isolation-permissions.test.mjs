// What a client may not do cannot reach other clients, with several clients at once, against sqld and edgelite
// started with JWT auth:
// - a read-only token may not change how statements behave (PRAGMA foreign_keys = OFF, ignore_check_constraints,
//   max_page_count), while other clients keep writing with the checks on and without a page limit;
// - nobody may set the process-wide heap limits (PRAGMA hard_heap_limit / soft_heap_limit), and every client's
//   queries and writes work afterwards;
// - schema introspection (PRAGMA table_info, index_list, foreign_key_list) works with a read-only token;
// - a read transaction (@libsql/client transaction("read"), batch(..., "read")) refuses writes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient, LibsqlError } from '@libsql/client';
import { SERVER_KINDS, makeJwtKey, makeTempDir, mintJwt, removeTempDir, useServer } from './lib/server.mjs';
import { clientUrl, rejection } from './lib/util.mjs';
import { parallel } from './lib/hrana-http.mjs';

const CLIENTS = 6;
/** 'written' for a write that succeeded, or the error code of one that failed. */
const outcome = (promise) =>
  promise.then(
    () => 'written',
    (e) => e.code,
  );
const ROUNDS = 3;
// The rows each client writes and reads back in othersStillWork: ≈100 pages.
const ROWS = 200;
const ROW_BYTES = 2000;

/** A recursive CTE of `n` rows (stock SQLite has no generate_series). */
const series = (n) => `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ${n})`;

const SCHEMA = `
  CREATE TABLE p (id INTEGER PRIMARY KEY);
  INSERT INTO p VALUES (1);
  CREATE TABLE t (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES p (id), v INTEGER CHECK (v > 0), pad BLOB);
  CREATE INDEX t_v ON t (v);
`;

/**
 * What other clients do while (and after) a statement is refused: a write that a foreign key must refuse, one
 * that a CHECK must refuse, a write of a hundred pages and a read of them that needs about a megabyte of memory,
 * all of which must behave as usual. The clients take turns: they run beside the refused statements, not beside
 * each other (sqld stalls for seconds when several connections contend for the write lock with large writes).
 */
async function othersStillWork(clients, label) {
  for (const [i, c] of clients.entries()) {
    const orphan = await rejection(c.execute('INSERT INTO t (pid, v) VALUES (-1, 1)'));
    assert.equal(orphan.message, 'SQLITE_CONSTRAINT: SQLite error: FOREIGN KEY constraint failed', label);
    const check = await rejection(c.execute('INSERT INTO t (pid, v) VALUES (1, -1)'));
    assert.equal(check.message, 'SQLITE_CONSTRAINT: SQLite error: CHECK constraint failed: v > 0', label);
    const written = await c.execute(
      `${series(ROWS)} INSERT INTO t (pid, v, pad) SELECT 1, ${1000 + i}, randomblob(${ROW_BYTES}) FROM s`,
    );
    assert.equal(written.rowsAffected, ROWS, label);
    // Sorting the distinct hex strings needs about a megabyte of memory at once.
    const read = await c.execute({
      sql: 'SELECT count(DISTINCT hex(pad)) AS n, sum(length(pad)) AS bytes FROM t WHERE v = ?',
      args: [1000 + i],
    });
    assert.deepEqual([read.rows[0].n, read.rows[0].bytes], [ROWS, ROWS * ROW_BYTES], label);
    await c.execute({ sql: 'DELETE FROM t WHERE v = ?', args: [1000 + i] });
  }
}

/**
 * Inside a describe: a server of `kind` with JWT auth and SCHEMA created; returns `client(token, scheme)`, which
 * opens a client with the read-write ('rw') or read-only ('ro') token over 'http' or 'ws'. Closed afterwards.
 */
function useServerWithTokens(kind) {
  const keyDir = makeTempDir('jwt');
  const key = makeJwtKey(keyDir);
  const server = useServer(kind, { jwtKeyFile: key.publicKeyFile });
  const tokens = { rw: mintJwt(key.privateKey, { a: 'rw' }), ro: mintJwt(key.privateKey, { a: 'ro' }) };
  const clients = [];
  const client = (token, scheme = 'http') => {
    const c = createClient({ url: clientUrl(server, scheme), authToken: tokens[token] });
    clients.push(c);
    return c;
  };
  before(async () => {
    await client('rw').executeMultiple(SCHEMA);
  });
  after(() => {
    clients.forEach((c) => c.close());
    removeTempDir(keyDir);
  });
  return client;
}

for (const kind of SERVER_KINDS) {
  describe(`${kind}: isolation, permissions and settings:`, { timeout: 30_000 }, () => {
    const client = useServerWithTokens(kind);
    const writers = () => Array.from({ length: CLIENTS }, (_, i) => client('rw', i % 2 ? 'ws' : 'http'));

    it('a read-only token cannot turn off foreign keys or CHECK constraints or limit the pages', async () => {
      const refused = [];
      await Promise.all([
        parallel(CLIENTS, async (i) => {
          const ro = client('ro', i % 2 ? 'ws' : 'http');
          for (let r = 0; r < ROUNDS; r++) {
            for (const sql of [
              'PRAGMA foreign_keys = OFF',
              'PRAGMA ignore_check_constraints = ON',
              'PRAGMA max_page_count = 1',
            ]) {
              const e = await rejection(ro.execute(sql));
              assert.ok(e instanceof LibsqlError, `${sql}: ${e}`);
              refused.push(sql);
            }
          }
        }),
        othersStillWork(writers(), 'while read-only clients try settings'),
      ]);
      assert.equal(refused.length, 3 * CLIENTS * ROUNDS);
      await othersStillWork(writers(), 'after read-only clients tried settings');
      // And on sqld the refusals are a 403 for foreign_keys (a write, to sqld's classifier) and a parse error
      // for the other two (sqld supports no pragma that sets them); edgelite may refuse either way.
      if (kind === 'sqld') {
        const ro = client('ro');
        const forbidden = await rejection(ro.execute('PRAGMA foreign_keys = OFF'));
        assert.equal(forbidden.message, 'SERVER_ERROR: Server returned HTTP status 403');
        assert.equal((await rejection(ro.execute('PRAGMA max_page_count = 1'))).code, 'SQL_PARSE_ERROR');
      }
    });

    it('schema introspection works with a read-only token', async () => {
      const answers = await parallel(CLIENTS, async (i) => {
        const ro = client('ro', i % 2 ? 'ws' : 'http');
        const rows = async (sql) => {
          try {
            return (await ro.execute(sql)).rows.map((r) => Array.from(r));
          } catch (e) {
            return e.message;
          }
        };
        return {
          table_info: await rows('PRAGMA table_info(t)'),
          index_list: await rows('PRAGMA index_list(t)'),
          foreign_key_list: await rows('PRAGMA foreign_key_list(t)'),
          pragma_foreign_key_list: await rows("SELECT * FROM pragma_foreign_key_list('t')"),
        };
      });
      const foreignKeys = [[0, 0, 'p', 'pid', 'id', 'NO ACTION', 'NO ACTION', 'NONE']];
      const expected = (i) => ({
        table_info: [
          [0, 'id', 'INTEGER', 0, null, 1],
          [1, 'pid', 'INTEGER', 0, null, 0],
          [2, 'v', 'INTEGER', 0, null, 0],
          [3, 'pad', 'BLOB', 0, null, 0],
        ],
        index_list: [[0, 't_v', 0, 'c', 0]],
        // sqld's statement classifier counts PRAGMA foreign_key_list among the writes ("always ok to be served
        // by primary"), so a read-only token gets 403 although it only reads the schema (the table-valued form
        // passes). edgelite lets readers introspect.
        // (Over WebSocket, sqld answers a permission error by dropping the connection.)
        foreign_key_list:
          kind === 'sqld'
            ? i % 2
              ? 'HRANA_WEBSOCKET_ERROR: WebSocket was closed with code 1006'
              : 'SERVER_ERROR: Server returned HTTP status 403'
            : foreignKeys,
        pragma_foreign_key_list: foreignKeys,
      });
      assert.deepEqual(
        answers,
        Array.from({ length: CLIENTS }, (_, i) => expected(i)),
      );
    });

    it('transaction("read") and batch(..., "read") refuse writes', async () => {
      const outcomes = await Promise.all([
        parallel(CLIENTS, async (i) => {
          const c = client('rw', i % 2 ? 'ws' : 'http');
          const out = [];
          for (let r = 0; r < ROUNDS; r++) {
            const tx = await c.transaction('read');
            try {
              assert.equal((await tx.execute('SELECT count(*) AS n FROM p')).rows.length, 1);
              out.push(await outcome(tx.execute(`INSERT INTO p VALUES (${100 * i + r + 10})`)));
            } finally {
              tx.close();
            }
            out.push(
              await outcome(c.batch(['SELECT count(*) FROM p', `INSERT INTO p VALUES (${100 * i + r + 5000})`], 'read')),
            );
          }
          return out;
        }),
        othersStillWork(writers(), 'beside read transactions'),
      ]);
      const [readers] = outcomes;
      const txWrites = await client('rw').execute('SELECT count(*) AS n FROM p WHERE id BETWEEN 10 AND 4999');
      const batchWrites = await client('rw').execute('SELECT count(*) AS n FROM p WHERE id >= 5000');
      if (kind === 'sqld') {
        // Known sqld bug: its SQLite ignores the READONLY of the `BEGIN TRANSACTION READONLY` that
        // @libsql/client sends for "read", so the writes run (the transaction's are rolled back by close(), the
        // batch's are committed), unless they lose the race for the write lock to the other clients' writes
        // and fail with SQLITE_BUSY. edgelite refuses every write in a read transaction as a write to a
        // read-only database.
        for (const o of readers.flat()) assert.ok(['written', 'SQLITE_BUSY'].includes(o), o);
        assert.equal(batchWrites.rows[0].n, readers.flat().filter((o, i) => i % 2 === 1 && o === 'written').length);
      } else {
        assert.deepEqual(readers.flat(), new Array(2 * CLIENTS * ROUNDS).fill('SQLITE_READONLY'));
        assert.equal(batchWrites.rows[0].n, 0);
      }
      assert.equal(txWrites.rows[0].n, 0);
    });
  });

  describe(`${kind}: isolation, heap limits:`, { timeout: 30_000 }, () => {
    // A server of its own: were a heap limit to take effect, it would hold for the whole process.
    const client = useServerWithTokens(kind);

    it('PRAGMA hard_heap_limit / soft_heap_limit are refused to every token; all clients work afterwards', async () => {
      await parallel(CLIENTS, async (i) => {
        const c = client(i % 2 ? 'rw' : 'ro', i % 3 ? 'http' : 'ws');
        for (const sql of ['PRAGMA hard_heap_limit = 100000', 'PRAGMA soft_heap_limit = 100000']) {
          const e = await rejection(c.execute(sql));
          assert.ok(e instanceof LibsqlError, `${sql}: ${e}`);
        }
      });
      await othersStillWork(
        Array.from({ length: CLIENTS }, (_, i) => client('rw', i % 2 ? 'ws' : 'http')),
        'after the heap limits were refused',
      );
      // A read that needs a few MB of memory at once.
      const big = await client('ro').execute(`${series(2000)} SELECT count(DISTINCT hex(randomblob(1000))) AS n FROM s`);
      assert.equal(big.rows[0].n, 2000);
    });
  });
}
