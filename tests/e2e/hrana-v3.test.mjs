// @libsql/hrana-client 0.10.0 opened with protocol version 3 against sqld and edgelite, over HTTP
// (GET /v3-protobuf probe, then /v3-protobuf/pipeline and /v3-protobuf/cursor), over WebSocket with the
// subprotocol it prefers (hrana3-protobuf, binary frames) and over WebSocket with JSON frames (hrana3): values,
// describe, sequence, stored SQL, get_autocommit, batch conditions incl. is_autocommit, cursor batches up to
// 100k rows, interactive transactions and pipelined requests.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import * as hrana from '@libsql/hrana-client';
import { SERVER_KINDS, useServer } from './lib/server.mjs';
import { bytesOf, clientUrl, rejection } from './lib/util.mjs';

const TRANSPORTS = {
  http: (server) => hrana.openHttp(clientUrl(server, 'http'), undefined, undefined, undefined, 3),
  ws: (server) => hrana.openWs(clientUrl(server, 'ws'), undefined, 3),
  // Offering only hrana3 makes the client speak Hrana 3 in JSON text frames.
  'ws-json': (server) => new hrana.WsClient(new hrana.WebSocket(clientUrl(server, 'ws'), ['hrana3']), undefined),
};

const stmt = (sql, args = []) => new hrana.Stmt(sql).bindIndexes(args);
/**
 * Known sqld 0.24.32 quirk: its cursors end with a libsql-specific replication_index entry (protobuf
 * CursorEntry field 6, JSON type "replication_index"), which this client cannot decode. edgelite does not send
 * that entry, so cursors work there. In protobuf the client fails the cursor; in JSON it fails the whole
 * connection (the error then arrives as the cause of a ClosedError).
 */
async function expectSqldCursorQuirk(promise) {
  let e = await rejection(promise);
  while (e instanceof hrana.ClosedError && e.cause) e = e.cause;
  assert.ok(e instanceof hrana.ProtoError, String(e));
  assert.ok(
    ['Server produced unrecognized CursorEntry', 'Unexpected type of CursorEntry'].includes(e.message),
    e.message,
  );
}

const settle = (p) =>
  p.then(
    (value) => ({ value }),
    (error) => ({ error: error.code ?? error.message }),
  );

for (const kind of SERVER_KINDS) {
  for (const [transport, open] of Object.entries(TRANSPORTS)) {
    describe(`${kind}: hrana-client v3 over ${transport}:`, { timeout: 60_000 }, () => {
      const server = useServer(kind);
      let client;
      let stream;
      const connect = async () => {
        client = open(server);
        client.intMode = 'bigint';
        await client.getVersion(); // version-gated calls need the version known
        stream = client.openStream();
      };
      before(async () => {
        await connect();
        await stream.run('CREATE TABLE t (id INTEGER PRIMARY KEY, v)');
      });
      // The sqld cursor quirk can take the whole connection down; the next test gets a new one.
      beforeEach(async () => {
        if (client.closed) await connect();
      });
      after(() => client?.close());

      it('negotiates protocol version 3', async () => {
        assert.equal(await client.getVersion(), 3);
      });

      it('round-trips every value type', async () => {
        const values = [
          null,
          0n,
          -(2n ** 63n),
          2n ** 63n - 1n,
          0.1,
          -1e300,
          '',
          'ünï 😀 a\u0000b',
          new Uint8Array([0, 1, 255]),
          new Uint8Array(0),
        ];
        for (const v of values) {
          const row = await stream.queryRow(stmt('SELECT ?1 AS v, typeof(?1) AS t', [v]));
          const got = row.row.v;
          if (v instanceof Uint8Array) {
            assert.deepEqual(bytesOf(got), bytesOf(v));
            assert.equal(row.row.t, 'blob');
          } else {
            assert.equal(got, v);
          }
        }
        const run = await stream.run(stmt('INSERT INTO t (id, v) VALUES (?, ?)', [2n ** 63n - 1n, 'max']));
        assert.equal(run.affectedRowCount, 1);
        assert.equal(run.lastInsertRowid, 2n ** 63n - 1n);
        const rows = await stream.query('SELECT id, v FROM t');
        assert.deepEqual(rows.columnNames, ['id', 'v']);
        assert.deepEqual(rows.columnDecltypes, ['INTEGER', undefined]);
        assert.deepEqual(
          rows.rows.map((r) => [r.id, r.v]),
          [[2n ** 63n - 1n, 'max']],
        );
      });

      it('binds named arguments', async () => {
        const s = new hrana.Stmt('SELECT :a AS a, @b AS b, $c AS c')
          .bindName(':a', 1n)
          .bindName('@b', 'two')
          .bindName('$c', null);
        const row = await stream.queryRow(s);
        assert.deepEqual([row.row.a, row.row.b, row.row.c], [1n, 'two', null]);
      });

      it('describes a statement', async () => {
        const d = await stream.describe('SELECT id, v, ?1, :named FROM t');
        assert.deepEqual(d.paramNames, ['?1', ':named']);
        assert.deepEqual(d.columns, [
          { name: 'id', decltype: 'INTEGER' },
          { name: 'v', decltype: undefined },
          { name: '?1', decltype: undefined },
          { name: ':named', decltype: undefined },
        ]);
        assert.equal(d.isExplain, false);
        assert.equal(d.isReadonly, true);
        const w = await stream.describe('DELETE FROM t');
        assert.equal(w.isReadonly, false);
      });

      it('runs a sequence, stored SQL and tracks autocommit', async () => {
        await stream.sequence('INSERT INTO t (v) VALUES (1); INSERT INTO t (v) VALUES (2);');
        // Stored SQL belongs to the stream over HTTP but to the whole connection over WebSocket.
        const owner = transport === 'http' ? stream : client;
        const sql = owner.storeSql('SELECT count(*) AS n FROM t');
        assert.equal((await stream.queryValue(sql)).value, 3n);
        sql.close();
        assert.equal(await stream.getAutocommit(), true);
        await stream.run('BEGIN');
        assert.equal(await stream.getAutocommit(), false);
        await stream.run('ROLLBACK');
        assert.equal(await stream.getAutocommit(), true);
      });

      it('reports statement errors with their code', async () => {
        const e = await rejection(stream.query('SELECT * FROM nope'));
        assert.ok(e instanceof hrana.ResponseError, String(e));
        assert.equal(e.code, 'SQLITE_UNKNOWN');
        assert.equal(e.message, 'SQLite error: no such table: nope');
      });

      it('evaluates batch conditions (ok, error, not, and, or, is_autocommit)', async () => {
        const b = stream.batch(false);
        const s0 = b.step();
        const r0 = settle(s0.queryValue('SELECT 0'));
        const s1 = b.step();
        const r1 = settle(s1.queryValue('SELECT * FROM nope'));
        const s3 = b.step().condition(hrana.BatchCond.ok(s1));
        const r3 = settle(s3.queryValue('SELECT 3'));
        const cond = (c, sql) => settle(b.step().condition(c).queryValue(sql));
        const results = [
          r0,
          r1,
          cond(hrana.BatchCond.ok(s0), 'SELECT 2'),
          r3,
          cond(hrana.BatchCond.error(s1), 'SELECT 4'),
          cond(hrana.BatchCond.not(hrana.BatchCond.ok(s1)), 'SELECT 5'),
          cond(hrana.BatchCond.and(b, [hrana.BatchCond.ok(s0), hrana.BatchCond.error(s1)]), 'SELECT 6'),
          cond(hrana.BatchCond.or(b, [hrana.BatchCond.ok(s1), hrana.BatchCond.error(s0)]), 'SELECT 7'),
          cond(hrana.BatchCond.isAutocommit(b), 'SELECT 8'),
          // sqld evaluates "error" as "did not succeed", so it is true for the skipped step 3 (the Hrana spec
          // says false). Clients only use ok/not/is_autocommit; edgelite follows sqld here.
          cond(hrana.BatchCond.error(s3), 'SELECT 9'),
        ];
        await b.execute();
        const got = (await Promise.all(results)).map((r) => (r.error ? r.error : r.value?.value));
        assert.deepEqual(got, [0n, 'SQLITE_UNKNOWN', 2n, undefined, 4n, 5n, 6n, undefined, 8n, 9n]);
      });

      it('streams a batch through a cursor', async () => {
        const b = stream.batch(true);
        const first = b.step().query('SELECT 1 AS one');
        const second = b.step().query(stmt('SELECT ? AS two', ['2']));
        if (kind === 'sqld') return expectSqldCursorQuirk(b.execute());
        await b.execute();
        assert.deepEqual(
          (await first).rows.map((r) => r.one),
          [1n],
        );
        assert.deepEqual(
          (await second).rows.map((r) => r.two),
          ['2'],
        );
      });

      it('streams 100k rows through a cursor, with errors in their step', async () => {
        await stream.run('CREATE TABLE big (i INTEGER PRIMARY KEY, v TEXT)');
        await stream.run(
          "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 100000) " +
            "INSERT INTO big SELECT i, 'value-' || i FROM c",
        );
        const b = stream.batch(true);
        const all = b.step().query('SELECT i, v FROM big ORDER BY i');
        const failing = settle(b.step().query('SELECT * FROM nope'));
        const after = b.step().queryValue('SELECT count(*) FROM big');
        if (kind === 'sqld') return expectSqldCursorQuirk(b.execute());
        await b.execute();
        const rows = (await all).rows;
        assert.equal(rows.length, 100_000);
        assert.deepEqual([rows[0].i, rows[0].v], [1n, 'value-1']);
        assert.deepEqual([rows[99_999].i, rows[99_999].v], [100_000n, 'value-100000']);
        assert.ok(rows.every((r, k) => r.i === BigInt(k + 1)));
        assert.equal((await failing).error, 'SQLITE_UNKNOWN');
        assert.equal((await after).value, 100_000n);
      });

      it('keeps an interactive transaction to its own stream', async () => {
        const writer = client.openStream();
        const reader = client.openStream();
        try {
          await writer.run('CREATE TABLE tx (x)');
          await writer.run('BEGIN');
          await writer.run('INSERT INTO tx VALUES (1)');
          assert.equal(await writer.getAutocommit(), false);
          assert.equal((await writer.queryValue('SELECT count(*) FROM tx')).value, 1n);
          // Another stream does not see the uncommitted row, and is not in the transaction.
          assert.equal((await reader.queryValue('SELECT count(*) FROM tx')).value, 0n);
          assert.equal(await reader.getAutocommit(), true);
          await writer.run('ROLLBACK');
          await writer.run('BEGIN IMMEDIATE');
          await writer.run('INSERT INTO tx VALUES (2)');
          await writer.run('COMMIT');
          assert.deepEqual(
            (await reader.query('SELECT x FROM tx')).rows.map((r) => r.x),
            [2n],
          );
        } finally {
          writer.close();
          reader.close();
        }
      });

      it('runs pipelined requests of a stream in order', async () => {
        const s = client.openStream();
        try {
          // Sent without waiting for answers: the server must still run them one after another.
          const runs = [s.run('CREATE TABLE seq (n INTEGER)')];
          for (let n = 0; n < 200; n++) runs.push(s.run(stmt('INSERT INTO seq VALUES (?)', [BigInt(n)])));
          const rows = s.query('SELECT n FROM seq ORDER BY rowid');
          await Promise.all(runs);
          assert.deepEqual(
            (await rows).rows.map((r) => r.n),
            Array.from({ length: 200 }, (_, n) => BigInt(n)),
          );
        } finally {
          s.close();
        }
      });
    });
  }
}
