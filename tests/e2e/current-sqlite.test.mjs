// The SQL of a current SQLite through @libsql/client over `http://`, `libsql://…?tls=0` and `ws://`:
// JSONB, string_agg with ORDER BY, concat_ws, unhex, FTS5 with bm25, an R*Tree query, the date
// functions of recent releases, and sqld's libsql_server_database_name(). sqld's SQLite (3.45.1)
// has these too, so both servers must answer the same, except where sqld's own SQL parser refuses
// what its SQLite would run (ORDER BY inside an aggregate) and sqlite_version() (edgelite builds
// 3.53.2). Debian's 3.40.1, which edgelite used before, failed every one of them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient } from '@libsql/client';
import { SERVER_KINDS, useServer } from './lib/server.mjs';
import { CLIENT_SCHEMES, clientUrl, rejection } from './lib/util.mjs';

const rowsOf = (rs) => rs.rows.map((row) => Array.from(row));

for (const kind of SERVER_KINDS) {
  for (const scheme of CLIENT_SCHEMES) {
    describe(`${kind}: current SQLite over ${scheme}:`, { timeout: 60_000 }, () => {
      const server = useServer(kind);
      let db;
      before(async () => {
        db = createClient({ url: clientUrl(server, scheme) });
      });
      after(() => db?.close());

      it('JSONB and the jsonb_* functions', async () => {
        const rs = await db.execute(`SELECT json(jsonb('{"a":[1,2,{"b":null}]}')) AS j,
                                            jsonb_extract(jsonb('{"a":[1,2]}'), '$.a[1]') AS second,
                                            json(jsonb_set(jsonb('{"a":1}'), '$.b', 2)) AS widened,
                                            typeof(jsonb('{}')) AS stored_as`);
        assert.deepEqual(rowsOf(rs), [['{"a":[1,2,{"b":null}]}', 2, '{"a":1,"b":2}', 'blob']]);
      });

      it('string_agg and group_concat with ORDER BY, concat, concat_ws', async () => {
        await db.batch(
          [
            'DROP TABLE IF EXISTS words',
            'CREATE TABLE words(w TEXT, n INTEGER)',
            "INSERT INTO words VALUES ('pear', 3), ('apple', 1), ('fig', 2)",
          ],
          'write',
        );
        const sql = `SELECT string_agg(w, ',' ORDER BY w) AS by_name,
                            group_concat(w, '|' ORDER BY n DESC) AS by_n,
                            concat('a', NULL, 1, 'b') AS c,
                            concat_ws('-', 'x', NULL, 'y') AS cws
                     FROM words`;
        if (kind === 'sqld') {
          // sqld checks SQL with a parser of its own, which predates ORDER BY inside aggregates.
          const e = await rejection(db.execute(sql));
          assert.equal(e.code, 'SQL_PARSE_ERROR');
          return;
        }
        assert.deepEqual(rowsOf(await db.execute(sql)), [['apple,fig,pear', 'pear|fig|apple', 'a1b', 'x-y']]);
      });

      it('unhex, octet_length, timediff and the subsec modifier', async () => {
        const rs = await db.execute(`SELECT hex(unhex('00ff10')) AS h, unhex('zz') AS bad,
                                            octet_length('héllo') AS bytes,
                                            timediff('2026-12-07 12:00:00', '2026-12-06 11:30:00') AS d,
                                            length(datetime('2026-12-07 10:00:00.123', 'subsec')) AS l`);
        assert.deepEqual(rowsOf(rs), [['00FF10', null, 6, '+0000-00-01 00:30:00.000', 23]]);
      });

      it('FTS5 MATCH ranked by bm25()', async () => {
        await db.batch(
          [
            'DROP TABLE IF EXISTS docs',
            'CREATE VIRTUAL TABLE docs USING fts5(title, body)',
            "INSERT INTO docs VALUES ('one', 'the quick brown fox'), ('two', 'quick quick quick fox'), ('three', 'a lazy dog')",
          ],
          'write',
        );
        const rs = await db.execute({
          sql: 'SELECT title FROM docs WHERE docs MATCH ? ORDER BY bm25(docs)',
          args: ['quick'],
        });
        assert.deepEqual(rowsOf(rs), [['two'], ['one']]);
        const snippet = await db.execute(
          "SELECT snippet(docs, 1, '[', ']', '…', 3) AS s FROM docs WHERE docs MATCH 'lazy'",
        );
        assert.deepEqual(rowsOf(snippet), [['a [lazy] dog']]);
      });

      it('an R*Tree window query', async () => {
        await db.batch(
          [
            'DROP TABLE IF EXISTS places',
            'CREATE VIRTUAL TABLE places USING rtree(id, min_x, max_x, min_y, max_y)',
            'INSERT INTO places VALUES (1, 0, 10, 0, 10), (2, 5, 15, 5, 15), (3, 50, 60, 50, 60)',
          ],
          'write',
        );
        const rs = await db.execute(
          'SELECT id FROM places WHERE max_x >= 8 AND min_x <= 12 AND max_y >= 8 AND min_y <= 12 ORDER BY id',
        );
        assert.deepEqual(rowsOf(rs), [[1], [2]]);
      });

      it("libsql_server_database_name() names the database", async () => {
        const rs = await db.execute('SELECT libsql_server_database_name() AS name');
        assert.deepEqual(rowsOf(rs), [['default']]);
      });

      it('sqlite_version() is the SQLite the server is built on', async () => {
        const rs = await db.execute('SELECT sqlite_version() AS v');
        assert.equal(rs.rows[0].v, kind === 'sqld' ? '3.45.1' : '3.53.2');
      });

      it('ATTACH of a file is refused', async () => {
        const e = await rejection(db.execute("ATTACH 'other.db' AS other"));
        // sqld's parser takes the name for a namespace, which is not allowed to be attached.
        if (kind === 'edgelite') {
          assert.match(e.message, /ATTACH is not allowed/);
        }
        assert.ok(e.code, 'an error code');
      });
    });
  }
}
