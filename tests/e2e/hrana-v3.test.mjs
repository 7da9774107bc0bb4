// @libsql/hrana-client 0.10.0 opened with protocol version 3 against sqld and edgelite, over HTTP
// (GET /v3-protobuf probe, then /v3-protobuf/pipeline and /v3-protobuf/cursor) and over WebSocket
// (hrana3-protobuf): protobuf values, describe, sequence, stored SQL, get_autocommit, batch conditions incl.
// is_autocommit, and cursor batches. Both transports are skipped on edgelite until issue 3.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as hrana from '@libsql/hrana-client';
import { SERVER_KINDS, useServer } from './lib/server.mjs';
import { bytesOf, clientUrl, rejection, wsSkip } from './lib/util.mjs';

const TRANSPORTS = {
  http: (server) => hrana.openHttp(clientUrl(server, 'http'), undefined, undefined, undefined, 3),
  ws: (server) => hrana.openWs(clientUrl(server, 'ws'), undefined, 3),
};

const stmt = (sql, args = []) => new hrana.Stmt(sql).bindIndexes(args);
const settle = (p) =>
  p.then(
    (value) => ({ value }),
    (error) => ({ error: error.code ?? error.message }),
  );

for (const kind of SERVER_KINDS) {
  for (const [transport, open] of Object.entries(TRANSPORTS)) {
    // Protocol version 3 over HTTP needs the /v3-protobuf endpoints, which edgelite serves from issue 3 on.
    const v3Skip = kind === 'edgelite' ? 'Hrana 3 protobuf over HTTP: issue 3' : false;
    const skip = transport === 'ws' ? wsSkip(kind) : v3Skip;
    describe(`${kind}: hrana-client v3 over ${transport}:`, { skip, timeout: 60_000 }, () => {
      const server = useServer(kind);
      let client;
      let stream;
      before(async () => {
        client = open(server);
        client.intMode = 'bigint';
        stream = client.openStream();
        await stream.run('CREATE TABLE t (id INTEGER PRIMARY KEY, v)');
      });
      after(() => client?.close());

      it('negotiates protocol version 3', async () => {
        assert.equal(await client.getVersion(), 3);
      });

      it('round-trips every value type through protobuf', async () => {
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
        if (kind === 'sqld') {
          // Known sqld 0.24.32 quirk: its cursor ends with a libsql-specific replication_index entry (protobuf
          // CursorEntry field 6), which this client cannot decode. edgelite does not send that entry, so the
          // cursor works there; this check therefore exists only for edgelite.
          const e = await rejection(b.execute());
          assert.ok(e instanceof hrana.ProtoError, String(e));
          assert.equal(e.message, 'Server produced unrecognized CursorEntry');
          return;
        }
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
    });
  }
}
