// The native `libsql` package in remote mode (`new Database('http://…')`), i.e. the Rust Hrana client speaking
// Hrana 3 JSON over /v3/pipeline and /v3/cursor, against sqld and edgelite: exec, prepare + run/get/all/iterate
// with positional arguments, value types incl. 64-bit integers (safeIntegers), floats, text and blobs, pluck,
// raw, columns, transactions, a 10k-row cursor, and the error messages it builds from the server's errors.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Database from 'libsql';
import { SERVER_KINDS, useServer } from './lib/server.mjs';
import { bytesOf, thrown } from './lib/util.mjs';

// Rows from get() carry a client-side timing in `_metadata`; drop it before comparing.
const row = (r) => {
  if (r === undefined) return r;
  const { _metadata, ...rest } = r;
  return rest;
};

// Statement errors are rendered by the Rust client as Debug output of the server's Hrana error.
const streamError = (message, code) =>
  `Hrana(StreamError(Error { message: ${JSON.stringify(message)}, code: "${code}" }))`;

for (const kind of SERVER_KINDS) {
  describe(`${kind}: native libsql remote:`, { timeout: 60_000 }, () => {
    const server = useServer(kind);
    let db;
    before(() => {
      // Note: this client blocks the event loop during each call and aborts the whole process when given a
      // boolean or undefined argument, so the tests pass only the types it supports.
      db = new Database(server.url);
      db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, i INTEGER, r REAL, s TEXT, b BLOB)');
    });
    after(() => db?.close());

    it('run() reports changes and lastInsertRowid; get() and all() return the rows', () => {
      const ins = db.prepare('INSERT INTO t (i, r, s, b) VALUES (?, ?, ?, ?)');
      const info = ins.run(1n, 0.1, 'one', Buffer.from([1, 2, 3]));
      assert.equal(info.changes, 1);
      assert.equal(info.lastInsertRowid, 1);
      assert.equal(ins.run([2n, 1e300, 'two', null]).lastInsertRowid, 2);
      const upd = db.prepare('UPDATE t SET s = upper(s) WHERE i >= ?').run([1n]);
      assert.equal(upd.changes, 2);
      assert.deepEqual(row(db.prepare('SELECT i, r, s FROM t WHERE id = ?').get([2n])), { i: 2, r: 1e300, s: 'TWO' });
      assert.equal(db.prepare('SELECT * FROM t WHERE id = ?').get([99n]), undefined);
      const all = db.prepare('SELECT id, s FROM t ORDER BY id').all();
      assert.deepEqual(all, [
        { id: 1, s: 'ONE' },
        { id: 2, s: 'TWO' },
      ]);
      assert.deepEqual(db.prepare('SELECT s FROM t ORDER BY id DESC').pluck().all(), ['TWO', 'ONE']);
      assert.deepEqual(db.prepare('SELECT id, i FROM t ORDER BY id').raw().all(), [
        [1, 1],
        [2, 2],
      ]);
      assert.deepEqual(
        db
          .prepare('SELECT id, s AS label FROM t')
          .columns()
          .map((c) => c.name),
        ['id', 'label'],
      );
      assert.equal(db.prepare('SELECT 1').reader, true);
      assert.equal(db.prepare('DELETE FROM t WHERE 0').reader, false);
    });

    it('iterate() walks the rows one by one', () => {
      const seen = [];
      for (const r of db.prepare('SELECT id FROM t WHERE id <= ? ORDER BY id').iterate([2n])) seen.push(r.id);
      assert.deepEqual(seen, [1, 2]);
      const it = db.prepare('SELECT 1 AS x WHERE 0').iterate();
      assert.deepEqual(it.next(), { done: true });
    });

    it('round-trips 64-bit integers exactly with safeIntegers()', () => {
      for (const v of [2n ** 53n + 1n, -(2n ** 63n), 2n ** 63n - 1n, 0n]) {
        const stmt = db.prepare('SELECT ?1 AS v, typeof(?1) AS t');
        assert.deepEqual(row(stmt.safeIntegers(true).get([v])), { v, t: 'integer' });
        // Without safeIntegers the client converts to a (possibly rounded) JS number.
        assert.deepEqual(row(db.prepare('SELECT ?1 AS v').get([v])), { v: Number(v) });
      }
    });

    it('round-trips floats, text and blobs; JS numbers are bound as REAL', () => {
      const stmt = db.prepare('SELECT ?1 AS v, typeof(?1) AS t');
      for (const v of [0.1, 1e300, -2.5e-7, 5, Number.MIN_VALUE])
        assert.deepEqual(row(stmt.get([v])), { v, t: 'real' });
      for (const v of ['', 'ünïcödé 😀👍🏽', 'a\u0000b', 'x'.repeat(50_000)])
        assert.deepEqual(row(stmt.get([v])), { v, t: 'text' });
      for (const v of [Buffer.from([0, 255, 1]), Buffer.alloc(0), new Uint8Array(40_000).fill(7)]) {
        const r = stmt.get([v]);
        assert.deepEqual([bytesOf(r.v), r.t], [bytesOf(v), 'blob']);
      }
      assert.deepEqual(row(stmt.get([null])), { v: null, t: 'null' });
      assert.ok(Object.is(db.prepare('SELECT -0.0 AS z').get().z, -0));
    });

    it('drops named arguments (a limitation of the Rust remote client) and the server reports ARGS_INVALID', () => {
      // The client sends "named_args": [] for {a: …}, so the server sees an unbound :a.
      const e = thrown(() => db.prepare('SELECT :a AS a').get({ a: 1 }));
      assert.equal(
        e.message,
        'Hrana(CursorError(StepError { step: 0, error: Error { message: ' +
          '"Arguments do not match SQL parameters: value for parameter :a not found", code: "ARGS_INVALID" } }))',
      );
    });

    it('reports statement errors with the server message and code', () => {
      assert.equal(
        thrown(() => db.prepare('SELECT * FROM nope').get()).message,
        streamError('SQLite error: no such table: nope', 'SQLITE_UNKNOWN'),
      );
      // prepare() sends a "describe" request, which reports SQLite's own syntax error with its offset.
      assert.equal(
        thrown(() => db.prepare('SELEC 1')).message,
        streamError('SQL input error: near "SELEC": syntax error (at offset 0)', 'SQL_INPUT_ERROR'),
      );
      db.exec('CREATE TABLE u (x UNIQUE)');
      const ins = db.prepare('INSERT INTO u VALUES (?)');
      ins.run([1n]);
      assert.equal(
        thrown(() => ins.run([1n])).message,
        streamError('SQLite error: UNIQUE constraint failed: u.x', 'SQLITE_CONSTRAINT'),
      );
      // exec() sends a "sequence", which stops at the first error and reports it as an API error.
      assert.equal(
        thrown(() => db.exec('INSERT INTO u VALUES (2); INSERT INTO u VALUES (1); INSERT INTO u VALUES (3)')).message,
        'Hrana(Api("SQLite error: UNIQUE constraint failed: u.x"))',
      );
      assert.deepEqual(db.prepare('SELECT x FROM u ORDER BY x').pluck().all(), [1, 2]);
    });

    it('runs explicit and wrapped transactions', () => {
      db.exec('CREATE TABLE tx (x)');
      db.exec('BEGIN');
      assert.equal(db.inTransaction, true);
      db.prepare('INSERT INTO tx VALUES (?)').run(['rolled back']);
      db.exec('ROLLBACK');
      assert.equal(db.inTransaction, false);
      // Statements are prepared inside the transaction: a statement prepared earlier runs on its own stream.
      const insertAll = db.transaction((values) => {
        for (const v of values) db.prepare('INSERT INTO tx VALUES (?)').run([v]);
        if (values.includes('fail')) throw new Error('abort the transaction');
      });
      insertAll(['a', 'b']);
      assert.throws(() => insertAll(['c', 'fail']), /abort the transaction/);
      assert.deepEqual(db.prepare('SELECT x FROM tx ORDER BY x').pluck().all(), ['a', 'b']);
    });

    it('streams a 10k-row result through /v3/cursor', () => {
      db.exec(`CREATE TABLE big AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
        SELECT i, 'row-' || i AS s FROM n`);
      const rows = db.prepare('SELECT i, s FROM big ORDER BY i').all();
      assert.equal(rows.length, 10_000);
      rows.forEach((r, k) => assert.deepEqual(r, { i: k + 1, s: `row-${k + 1}` }));
      let n = 0;
      for (const r of db.prepare('SELECT i FROM big').iterate()) n += r.i;
      assert.equal(n, (10_000 * 10_001) / 2);
    });
  });
}
