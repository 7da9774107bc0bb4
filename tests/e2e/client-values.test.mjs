// @libsql/client over `http://`, `libsql://…?tls=0` and `ws://` against sqld and edgelite: every
// value type in both directions (64-bit integers in each intMode, floats, text incl. emoji and NUL, blobs,
// null, booleans), positional/numbered/named arguments, rowsAffected and lastInsertRowid, column names and
// declared types, and a 10k-row result.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient } from '@libsql/client';
import { SERVER_KINDS, useServer } from './lib/server.mjs';
import { CLIENT_SCHEMES, bytesOf, clientUrl, rejection } from './lib/util.mjs';

const BIG_INTS = [0n, 42n, -1n, 2n ** 53n + 1n, -(2n ** 63n), 2n ** 63n - 1n];
const UNSAFE_INTS = [2n ** 53n + 1n, -(2n ** 63n), 2n ** 63n - 1n];
const FLOATS = [0.1, 1e300, -2.5e-7, Number.MAX_VALUE, Number.MIN_VALUE, 1 / 3, 5, -123.456];
const TEXTS = [
  '',
  'plain',
  'ünïcödé',
  '日本語テキスト',
  '😀👍🏽🇩🇪',
  'a\u0000b\u0000',
  '"quotes" \\ \n\t\r',
  'x'.repeat(100_000),
];
const TOO_LARGE = 'Received integer which is too large to be safely represented as a JavaScript number';

const allBytes = Uint8Array.from({ length: 256 }, (_, i) => i);

for (const kind of SERVER_KINDS) {
  for (const scheme of CLIENT_SCHEMES) {
    describe(`${kind}: values over ${scheme}:`, { timeout: 60_000 }, () => {
      const server = useServer(kind);
      const clients = [];
      const open = (config = {}) => {
        const c = createClient({ url: clientUrl(server, scheme), ...config });
        clients.push(c);
        return c;
      };
      let db;
      before(async () => {
        db = open({ intMode: 'bigint' });
        await db.execute('CREATE TABLE ints (id INTEGER PRIMARY KEY, v INTEGER)');
      });
      after(() => clients.forEach((c) => c.close()));

      it('reports the transport protocol', () => {
        assert.equal(db.protocol, scheme === 'ws' ? 'ws' : 'http');
      });

      it('round-trips 64-bit integers with intMode "bigint"', async () => {
        for (const v of BIG_INTS) {
          const ins = await db.execute({ sql: 'INSERT INTO ints (v) VALUES (?)', args: [v] });
          assert.equal(ins.rowsAffected, 1);
          const rs = await db.execute({
            sql: 'SELECT v, typeof(v) AS t FROM ints WHERE id = ?',
            args: [ins.lastInsertRowid],
          });
          assert.deepEqual(
            rs.rows.map((r) => [r.v, r.t]),
            [[v, 'integer']],
          );
        }
        const rs = await db.execute('SELECT -9223372036854775808 AS lo, 9223372036854775807 AS hi');
        assert.equal(rs.rows[0].lo, -(2n ** 63n));
        assert.equal(rs.rows[0].hi, 2n ** 63n - 1n);
      });

      it('returns integers as strings with intMode "string"', async () => {
        const c = open({ intMode: 'string' });
        for (const v of BIG_INTS) {
          const rs = await c.execute({ sql: 'SELECT ?1 AS v, typeof(?1) AS t', args: [v] });
          assert.deepEqual(Array.from(rs.rows[0]), [v.toString(), 'integer']);
        }
      });

      it('returns safe integers as numbers and rejects unsafe ones with intMode "number"', async () => {
        const c = open({ intMode: 'number' });
        const rs = await c.execute({ sql: 'SELECT ?, ?, ?', args: [42n, -(2n ** 53n - 1n), 2 ** 53 - 1] });
        // A JS number argument is sent as a float; 2^53-1 therefore comes back as a float, still exact.
        assert.deepEqual(Array.from(rs.rows[0]), [42, -(2 ** 53 - 1), 2 ** 53 - 1]);
        for (const v of UNSAFE_INTS) {
          const e = await rejection(c.execute({ sql: 'SELECT ?', args: [v] }));
          assert.ok(e instanceof RangeError, String(e));
          assert.equal(e.message, TOO_LARGE);
        }
      });

      it('round-trips floats exactly, keeping them floats', async () => {
        for (const f of FLOATS) {
          const rs = await db.execute({ sql: 'SELECT ?1 AS v, typeof(?1) AS t', args: [f] });
          // JS numbers are always bound as REAL, so even 5 stays a float (a number, not a bigint).
          assert.deepEqual(Array.from(rs.rows[0]), [f, 'real']);
        }
        const rs = await db.execute('SELECT -0.0, 2.0, 1e16, 1e21, 0.1 + 0.2');
        const row = Array.from(rs.rows[0]);
        assert.ok(Object.is(row[0], -0), `-0.0 came back as ${row[0]}`);
        assert.deepEqual(row.slice(1), [2, 1e16, 1e21, 0.1 + 0.2]);
      });

      it('round-trips text including unicode, emoji, escapes and embedded NUL', async () => {
        await db.execute('CREATE TABLE texts (id INTEGER PRIMARY KEY, v TEXT)');
        for (const s of TEXTS) {
          const ins = await db.execute({ sql: 'INSERT INTO texts (v) VALUES (?)', args: [s] });
          const rs = await db.execute({
            sql: 'SELECT v, typeof(v) AS t FROM texts WHERE id = ?',
            args: [ins.lastInsertRowid],
          });
          assert.equal(rs.rows[0].v, s);
          assert.equal(rs.rows[0].t, 'text');
        }
        const rs = await db.execute(
          "SELECT 'ünï😀' AS lit, length('ünï😀') AS chars, length(CAST('ünï😀' AS BLOB)) AS octets",
        );
        assert.deepEqual(Array.from(rs.rows[0]), ['ünï😀', 4n, 9n]);
      });

      it('round-trips blobs from Uint8Array, ArrayBuffer and Buffer, including empty ones', async () => {
        await db.execute('CREATE TABLE blobs (id INTEGER PRIMARY KEY, v BLOB)');
        const inputs = [
          allBytes,
          allBytes.buffer,
          Buffer.from('hello\u0000'),
          new Uint8Array(0),
          new ArrayBuffer(0),
          new Uint8Array(70_000).fill(0xab),
        ];
        for (const input of inputs) {
          const expected = bytesOf(input);
          const ins = await db.execute({ sql: 'INSERT INTO blobs (v) VALUES (?)', args: [input] });
          const rs = await db.execute({
            sql: 'SELECT v, typeof(v) AS t, length(v) AS n FROM blobs WHERE id = ?',
            args: [ins.lastInsertRowid],
          });
          const { v, t, n } = rs.rows[0];
          assert.ok(v instanceof ArrayBuffer, `blob came back as ${Object.prototype.toString.call(v)}`);
          assert.deepEqual(bytesOf(v), expected);
          assert.equal(t, 'blob');
          assert.equal(n, BigInt(expected.length));
        }
        const lit = await db.execute("SELECT x'', x'00ff10'");
        assert.deepEqual(Array.from(lit.rows[0], bytesOf), [[], [0, 255, 16]]);
      });

      it('binds null, booleans and dates, and returns SQL NULL as null', async () => {
        const rs = await db.execute({
          sql: 'SELECT ?1, typeof(?1), ?2, typeof(?2), ?3, typeof(?3), ?4, typeof(?4), NULL',
          args: [null, true, false, new Date(1_700_000_000_123)],
        });
        // The client sends booleans as integers 1/0 and a Date as its epoch milliseconds (a float).
        assert.deepEqual(Array.from(rs.rows[0]), [
          null,
          'null',
          1n,
          'integer',
          0n,
          'integer',
          1_700_000_000_123,
          'real',
          null,
        ]);
      });

      it('binds positional, numbered and named arguments with :, @ and $ prefixes', async () => {
        const pos = await db.execute({ sql: 'SELECT ?, ?, ?', args: ['a', 2n, null] });
        assert.deepEqual(Array.from(pos.rows[0]), ['a', 2n, null]);
        const numbered = await db.execute({ sql: 'SELECT ?2, ?1, ?2', args: ['one', 'two'] });
        assert.deepEqual(Array.from(numbered.rows[0]), ['two', 'one', 'two']);
        const named = await db.execute({
          sql: 'SELECT :a AS a, @b AS b, $c AS c, :a AS again',
          args: { a: 1n, b: 'bee', c: new Uint8Array([7]) },
        });
        assert.deepEqual(named.columns, ['a', 'b', 'c', 'again']);
        assert.deepEqual(
          [named.rows[0].a, named.rows[0].b, bytesOf(named.rows[0].c), named.rows[0].again],
          [1n, 'bee', [7], 1n],
        );
        const prefixed = await db.execute({ sql: 'SELECT :a, @b, $c', args: { ':a': 'x', '@b': 'y', $c: 'z' } });
        assert.deepEqual(Array.from(prefixed.rows[0]), ['x', 'y', 'z']);
      });

      it('reports rowsAffected and lastInsertRowid (bigint) for each statement kind', async () => {
        const ddl = await db.execute('CREATE TABLE counted (id INTEGER PRIMARY KEY, v INTEGER)');
        assert.equal(ddl.rowsAffected, 0);
        const one = await db.execute({ sql: 'INSERT INTO counted (v) VALUES (?)', args: [1n] });
        assert.equal(one.rowsAffected, 1);
        assert.equal(one.lastInsertRowid, 1n);
        const many = await db.execute(
          'INSERT INTO counted (v) WITH RECURSIVE s(i) AS (SELECT 2 UNION ALL SELECT i + 1 FROM s WHERE i < 10) SELECT i FROM s',
        );
        assert.equal(many.rowsAffected, 9);
        assert.equal(many.lastInsertRowid, 10n);
        const max = await db.execute({ sql: 'INSERT INTO counted (id, v) VALUES (?, 0)', args: [2n ** 63n - 1n] });
        assert.equal(max.lastInsertRowid, 2n ** 63n - 1n);
        const upd = await db.execute('UPDATE counted SET v = v * 2 WHERE v > 5');
        assert.equal(upd.rowsAffected, 5);
        const del = await db.execute('DELETE FROM counted WHERE v = 0');
        assert.equal(del.rowsAffected, 1);
        const sel = await db.execute('SELECT * FROM counted');
        assert.equal(sel.rowsAffected, 0);
        assert.equal(sel.rows.length, 10);
        const ret = await db.execute({
          sql: 'INSERT INTO counted (v) VALUES (?) RETURNING id, v * 10 AS ten',
          args: [7n],
        });
        assert.equal(ret.rowsAffected, 1);
        assert.equal(ret.lastInsertRowid, 11n);
        assert.deepEqual(ret.columns, ['id', 'ten']);
        assert.deepEqual(Array.from(ret.rows[0]), [11n, 70n]);
        // lastInsertRowid is a bigint whatever the intMode.
        const c = open({ intMode: 'number' });
        const ins = await c.execute('INSERT INTO counted (v) VALUES (1)');
        assert.equal(ins.lastInsertRowid, 12n);
      });

      it('reports column names and declared types', async () => {
        await db.execute(`CREATE TABLE typed (i INTEGER, t TEXT, r REAL, b BLOB, n NUMERIC, vc VARCHAR(10),
          odd "weird type", untyped)`);
        await db.execute("INSERT INTO typed VALUES (1, 't', 1.5, x'01', 2, 'vc', 'o', 'u')");
        const rs = await db.execute('SELECT *, i + 1 AS expr, t AS alias, 42 FROM typed');
        assert.deepEqual(rs.columns, ['i', 't', 'r', 'b', 'n', 'vc', 'odd', 'untyped', 'expr', 'alias', '42']);
        // The client maps a null decltype to "" (expressions, untyped columns); declared types keep their case.
        assert.deepEqual(rs.columnTypes, [
          'INTEGER',
          'TEXT',
          'REAL',
          'BLOB',
          'NUMERIC',
          'VARCHAR(10)',
          'weird type',
          '',
          '',
          'TEXT',
          '',
        ]);
        const dup = await db.execute('SELECT 1 AS a, 2 AS a');
        assert.deepEqual(dup.columns, ['a', 'a']);
        assert.deepEqual(Array.from(dup.rows[0]), [1n, 2n]);
        const empty = await db.execute('SELECT i, t FROM typed WHERE 0');
        assert.deepEqual([empty.columns, empty.columnTypes, empty.rows], [['i', 't'], ['INTEGER', 'TEXT'], []]);
        const write = await db.execute('INSERT INTO typed (i) VALUES (2)');
        assert.deepEqual([write.columns, write.columnTypes, write.rows], [[], [], []]);
      });

      it('round-trips a 10k-row result', async () => {
        await db.execute('CREATE TABLE big (id INTEGER PRIMARY KEY, v INTEGER, s TEXT)');
        const ins =
          await db.execute(`INSERT INTO big (v, s) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
          SELECT i * 3, 'row-' || i FROM n`);
        assert.equal(ins.rowsAffected, 10_000);
        const rs = await db.execute('SELECT id, v, s FROM big ORDER BY id');
        assert.equal(rs.rows.length, 10_000);
        rs.rows.forEach((row, k) => {
          const i = BigInt(k + 1);
          assert.deepEqual(Array.from(row), [i, i * 3n, `row-${k + 1}`]);
        });
      });
    });
  }
}
