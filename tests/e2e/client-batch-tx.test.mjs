// @libsql/client over `http://`, `libsql://…?tls=0` and `ws://` against sqld and edgelite: batch() in "write",
// "read" and "deferred" mode (incl. a batch failing midway and rolling back, and the store_sql/close_sql
// cache), interactive transactions (commit, rollback, read mode, isolation, a failing statement, the SQL cache
// across requests), executeMultiple() and migrate().
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createClient, LibsqlBatchError, LibsqlError } from '@libsql/client';
import { SERVER_KINDS, useServer } from './lib/server.mjs';
import { CLIENT_SCHEMES, clientUrl, rejection } from './lib/util.mjs';

const UNIQUE_X = 'SQLite error: UNIQUE constraint failed: items.x';

for (const kind of SERVER_KINDS) {
  for (const scheme of CLIENT_SCHEMES) {
    describe(
      `${kind}: batches and transactions over ${scheme}:`,
      { timeout: 60_000 },
      () => {
        const server = useServer(kind);
        let db;
        let other; // a second client: its requests run on other server-side connections
        const xs = async (c = db) => (await c.execute('SELECT x FROM items ORDER BY id')).rows.map((r) => r.x);
        before(() => {
          db = createClient({ url: clientUrl(server, scheme), intMode: 'bigint' });
          other = createClient({ url: clientUrl(server, scheme), intMode: 'bigint' });
        });
        after(() => {
          db.close();
          other.close();
        });
        beforeEach(async () => {
          await db.executeMultiple(
            'DROP TABLE IF EXISTS items; CREATE TABLE items (id INTEGER PRIMARY KEY, x TEXT UNIQUE)',
          );
        });

        for (const mode of ['write', 'deferred']) {
          it(`batch(…, "${mode}") returns one result per statement and commits`, async () => {
            const results = await db.batch(
              [
                { sql: 'INSERT INTO items (x) VALUES (?)', args: ['a'] },
                { sql: 'INSERT INTO items (x) VALUES (:x)', args: { x: 'b' } },
                ['INSERT INTO items (x) VALUES (?)', ['c']],
                "UPDATE items SET x = x || x WHERE x <> 'a'",
                'SELECT id, x FROM items ORDER BY id',
              ],
              mode,
            );
            assert.equal(results.length, 5);
            assert.deepEqual(
              results.slice(0, 3).map((r) => [r.rowsAffected, r.lastInsertRowid]),
              [
                [1, 1n],
                [1, 2n],
                [1, 3n],
              ],
            );
            assert.equal(results[3].rowsAffected, 2);
            assert.deepEqual(results[4].columns, ['id', 'x']);
            assert.deepEqual(
              results[4].rows.map((r) => Array.from(r)),
              [
                [1n, 'a'],
                [2n, 'bb'],
                [3n, 'cc'],
              ],
            );
            assert.deepEqual(await xs(other), ['a', 'bb', 'cc']);
          });

          it(`batch(…, "${mode}") failing midway rolls back every statement`, async () => {
            await db.execute("INSERT INTO items (x) VALUES ('a')");
            const e = await rejection(
              db.batch(
                [
                  "INSERT INTO items (x) VALUES ('b')",
                  "INSERT INTO items (x) VALUES ('a')",
                  "INSERT INTO items (x) VALUES ('c')",
                ],
                mode,
              ),
            );
            assert.ok(e instanceof LibsqlBatchError, String(e));
            assert.equal(e.statementIndex, 1);
            assert.equal(e.code, 'SQLITE_CONSTRAINT');
            // The client prefixes the code once for the Hrana error and once more for the batch error.
            assert.equal(e.message, `SQLITE_CONSTRAINT: SQLITE_CONSTRAINT: ${UNIQUE_X}`);
            assert.deepEqual(await xs(), ['a']);
          });
        }

        it('batch(…, "read") runs reads in one snapshot', async () => {
          await db.execute("INSERT INTO items (x) VALUES ('a'), ('b')");
          const results = await db.batch(
            ['SELECT count(*) AS n FROM items', 'SELECT x FROM items ORDER BY x DESC'],
            'read',
          );
          assert.deepEqual(
            results.map((r) => r.rows.map((row) => Array.from(row))),
            [[[2n]], [['b'], ['a']]],
          );
        });

        it('batch(…, "read") refuses a write on edgelite (sqld lets it through)', async () => {
          // The client begins a read batch with "BEGIN TRANSACTION READONLY". sqld's libsql parses READONLY as the
          // optional transaction name, so the write is executed and committed there: a sqld bug that edgelite does
          // not copy, since a client asking for a read transaction must not write.
          if (kind === 'sqld') {
            const [ins] = await db.batch(["INSERT INTO items (x) VALUES ('r')"], 'read');
            assert.equal(ins.rowsAffected, 1);
            assert.deepEqual(await xs(other), ['r']);
            return;
          }
          await assert.rejects(db.batch(["INSERT INTO items (x) VALUES ('r')"], 'read'), /SQLITE_READONLY/);
          assert.deepEqual(await xs(other), []);
        });

        it('batch() defaults to "deferred" and accepts an empty list', async () => {
          const [one] = await db.batch(['SELECT 1 AS one']);
          assert.deepEqual(Array.from(one.rows[0]), [1n]);
          assert.deepEqual(await db.batch([], 'write'), []);
        });

        it('batch() with more distinct statements than the SQL cache holds, repeats and a >5 kB statement', async () => {
          // The client stores SQL texts with store_sql (up to 30 per HTTP stream, 100 per WebSocket connection)
          // and sends the rest, and texts of 5000 characters or more, inline.
          const stmts = [];
          for (let i = 0; i < 40; i++) stmts.push({ sql: `INSERT INTO items (x) VALUES (? || '${i}')`, args: ['v'] });
          for (let i = 0; i < 5; i++) stmts.push({ sql: 'INSERT INTO items (x) VALUES (?)', args: [`same${i}`] });
          stmts.push(`SELECT count(*) AS n FROM items /* ${'-'.repeat(6000)} */`);
          const results = await db.batch(stmts, 'write');
          assert.equal(results.length, 46);
          assert.deepEqual(Array.from(results[45].rows[0]), [45n]);
        });

        it('transaction("write") sees its own writes, hides them from others, and commits', async () => {
          const tx = await db.transaction('write');
          try {
            const ins = await tx.execute({ sql: 'INSERT INTO items (x) VALUES (?)', args: ['t1'] });
            assert.deepEqual([ins.rowsAffected, ins.lastInsertRowid], [1, 1n]);
            await tx.execute({ sql: 'INSERT INTO items (x) VALUES (:x)', args: { ':x': 't2' } });
            assert.deepEqual(await xs(tx), ['t1', 't2']);
            assert.deepEqual(await xs(other), []);
            const results = await tx.batch(["INSERT INTO items (x) VALUES ('t3')", 'SELECT count(*) FROM items']);
            assert.deepEqual(Array.from(results[1].rows[0]), [3n]);
            assert.equal(tx.closed, false);
            await tx.commit();
            assert.equal(tx.closed, true);
          } finally {
            tx.close();
          }
          assert.deepEqual(await xs(other), ['t1', 't2', 't3']);
          const e = await rejection(tx.execute('SELECT 1'));
          assert.equal(e.code, 'TRANSACTION_CLOSED');
        });

        it('transaction("write") rollback discards its writes', async () => {
          const tx = await db.transaction('write');
          try {
            await tx.execute("INSERT INTO items (x) VALUES ('gone')");
            await tx.executeMultiple("INSERT INTO items (x) VALUES ('gone2'); INSERT INTO items (x) VALUES ('gone3');");
            assert.deepEqual(await xs(tx), ['gone', 'gone2', 'gone3']);
            await tx.rollback();
            assert.equal(tx.closed, true);
          } finally {
            tx.close();
          }
          assert.deepEqual(await xs(), []);
        });

        it('transaction("read") and transaction("deferred") read a consistent snapshot', async () => {
          await db.execute("INSERT INTO items (x) VALUES ('before')");
          for (const mode of ['read', 'deferred']) {
            const tx = await db.transaction(mode);
            try {
              const snapshot = await xs(tx);
              assert.deepEqual(snapshot, mode === 'read' ? ['before'] : ['before', 'during-read']);
              await other.execute({ sql: 'INSERT INTO items (x) VALUES (?)', args: [`during-${mode}`] });
              // The snapshot was taken by the first read, so the concurrent insert stays invisible.
              assert.deepEqual(await xs(tx), snapshot);
              await tx.commit();
            } finally {
              tx.close();
            }
          }
          assert.deepEqual(await xs(), ['before', 'during-read', 'during-deferred']);
        });

        it('a failing statement inside a transaction rejects but leaves the transaction usable', async () => {
          const tx = await db.transaction('write');
          try {
            await tx.execute("INSERT INTO items (x) VALUES ('keep')");
            const e = await rejection(tx.execute("INSERT INTO items (x) VALUES ('keep')"));
            assert.ok(e instanceof LibsqlError, String(e));
            assert.equal(e.code, 'SQLITE_CONSTRAINT');
            assert.ok(e.message.endsWith(UNIQUE_X), e.message);
            const missing = await rejection(tx.execute('SELECT * FROM no_such_table'));
            assert.equal(missing.code, 'SQLITE_UNKNOWN');
            await tx.execute("INSERT INTO items (x) VALUES ('also')");
            await tx.commit();
          } finally {
            tx.close();
          }
          assert.deepEqual(await xs(), ['keep', 'also']);
        });

        it('a transaction keeps its SQL cache across requests (store_sql/close_sql on one stream)', async () => {
          const tx = await db.transaction('write');
          try {
            // Over HTTP, 35 distinct statements overflow the 30-entry cache: evicted texts are closed with close_sql.
            for (let round = 0; round < 2; round++) {
              for (let i = 0; i < 35; i++) {
                await tx.execute({ sql: `INSERT INTO items (x) VALUES (? || '-${i}')`, args: [`r${round}`] });
              }
            }
            await tx.commit();
          } finally {
            tx.close();
          }
          assert.equal((await xs()).length, 70);
        });

        it('executeMultiple() runs every statement, and stops at the first error without rolling back', async () => {
          const none = await db.executeMultiple(`
          -- a comment
          INSERT INTO items (x) VALUES ('m1');
          INSERT INTO items (x) VALUES ('m2'); CREATE TABLE extra (y);
          INSERT INTO extra VALUES (1);;
        `);
          assert.equal(none, undefined);
          assert.deepEqual(await xs(), ['m1', 'm2']);
          const e = await rejection(
            db.executeMultiple(
              "INSERT INTO items (x) VALUES ('m3'); INSERT INTO items (x) VALUES ('m1'); INSERT INTO items (x) VALUES ('m4');",
            ),
          );
          assert.ok(e instanceof LibsqlError, String(e));
          assert.equal(e.code, 'SQLITE_CONSTRAINT');
          assert.equal(e.message, `SQLITE_CONSTRAINT: SQLite error: UNIQUE constraint failed: items.x`);
          assert.deepEqual(await xs(), ['m1', 'm2', 'm3']);
        });

        it('migrate() runs with foreign keys off and commits', async () => {
          // Connections have foreign_keys=ON by default (sqld's behaviour); migrate() turns it off around its batch.
          const fk = await db.execute('PRAGMA foreign_keys');
          assert.deepEqual(Array.from(fk.rows[0]), [1n]);
          const results = await db.migrate([
            'CREATE TABLE parent (id INTEGER PRIMARY KEY)',
            'CREATE TABLE child (pid INTEGER REFERENCES parent (id))',
            'INSERT INTO child VALUES (5)',
            'PRAGMA foreign_keys',
          ]);
          assert.equal(results.length, 4);
          assert.equal(results[2].rowsAffected, 1);
          assert.deepEqual(Array.from(results[3].rows[0]), [0n]);
          assert.deepEqual(
            (await other.execute('SELECT pid FROM child')).rows.map((r) => r.pid),
            [5n],
          );
          const e = await rejection(db.execute('INSERT INTO child VALUES (6)'));
          assert.equal(e.code, 'SQLITE_CONSTRAINT');
          assert.equal(e.message, 'SQLITE_CONSTRAINT: SQLite error: FOREIGN KEY constraint failed');
          await db.executeMultiple('DROP TABLE child; DROP TABLE parent');
        });

        it('migrate() failing midway rolls back', async () => {
          const e = await rejection(
            db.migrate(['CREATE TABLE m1 (x)', "INSERT INTO items (x) VALUES ('m')", 'CREATE TABLE m1 (x)']),
          );
          assert.ok(e instanceof LibsqlBatchError, String(e));
          assert.equal(e.statementIndex, 2);
          assert.equal(e.code, 'SQL_INPUT_ERROR');
          assert.equal(
            e.message,
            'SQL_INPUT_ERROR: SQL_INPUT_ERROR: SQL input error: table m1 already exists (at offset 13)',
          );
          const tables = await db.execute("SELECT name FROM sqlite_schema WHERE name = 'm1'");
          assert.equal(tables.rows.length, 0);
          assert.deepEqual(await xs(), []);
        });
      },
    );
  }
}
