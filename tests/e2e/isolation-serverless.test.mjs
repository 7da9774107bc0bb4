// Every request behaves as if it ran alone, seen through @tursodatabase/serverless (Hrana 3 JSON over
// /v3/cursor and /v3/pipeline) with several clients at once, against sqld and edgelite. The driver appends a
// step conditioned on `is_autocommit` to every cursor request and believes whatever it says: when that step does
// not run after an autocommit write (as when the write shared a group commit's transaction), the driver thinks
// a transaction is open and sends its next atomic batch() without BEGIN, so a failing statement no longer
// takes the batch's earlier statements with it. The raw requests at the end check the condition itself.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { SERVER_KINDS, useServer } from './lib/server.mjs';
import { useServerlessConnections } from './lib/serverless.mjs';
import { rejection } from './lib/util.mjs';
import {
  HttpStream,
  batch,
  cursor,
  cursorSteps,
  parallel,
  pipeline,
  plainResult,
  step,
  underWriteLoad,
} from './lib/hrana-http.mjs';

const CLIENTS = 6;
const ROUNDS = 3;
const IS_AUTOCOMMIT = { type: 'is_autocommit' };

for (const kind of SERVER_KINDS) {
  describe(`${kind}: isolation, @tursodatabase/serverless with several clients at once:`, { timeout: 30_000 }, () => {
    const server = useServer(kind);
    const open = useServerlessConnections(server);
    const count = async (sql) => (await open().get(sql)).n;
    before(async () => {
      await open().exec(`
        CREATE TABLE items (id INTEGER PRIMARY KEY, tag TEXT NOT NULL UNIQUE);
        CREATE TABLE load (tag TEXT PRIMARY KEY);
      `);
    });
    const load = (prefix) => ({ table: 'load', prefix, clients: 2 });

    it('after each autocommit statement the driver knows that no transaction is open (the probe step ran)', async () => {
      await underWriteLoad(server, load('probe'), () =>
        parallel(CLIENTS, async (c) => {
          const db = open();
          for (let r = 0; r < ROUNDS; r++) {
            const run = await db.run('INSERT INTO items (tag) VALUES (?)', `probe-${c}-${r}`);
            assert.equal(run.changes, 1);
            assert.equal(db.inTransaction, false, `after an INSERT (client ${c}, round ${r})`);
            await db.batch([`INSERT INTO items (tag) VALUES ('probe-batch-${c}-${r}')`, 'SELECT 1']);
            assert.equal(db.inTransaction, false, `after a non-atomic batch (client ${c}, round ${r})`);
            assert.equal((await db.get('SELECT count(*) AS n FROM items WHERE tag = ?', `probe-${c}-${r}`)).n, 1);
            assert.equal(db.inTransaction, false, `after a SELECT (client ${c}, round ${r})`);
          }
          // And the other way round (a read-only transaction, so that the clients do not queue for the lock).
          await db.exec('BEGIN');
          assert.equal(db.inTransaction, true, 'after BEGIN');
          const { n } = await db.get("SELECT count(*) AS n FROM items WHERE tag LIKE 'probe-%'");
          assert.ok(n >= 2 * ROUNDS, `${n} rows`);
          assert.equal(db.inTransaction, true, 'after a SELECT inside the transaction');
          await db.exec('ROLLBACK');
          assert.equal(db.inTransaction, false, 'after ROLLBACK');
        }),
      );
    });

    it('an atomic batch("write") whose third statement fails leaves no row of the first two', async () => {
      const failures = await underWriteLoad(server, load('atomic'), () =>
        parallel(CLIENTS, async (c) => {
          const db = open();
          const seen = [];
          for (let r = 0; r < ROUNDS; r++) {
            const id = `${c}-${r}`;
            // An autocommit write first: it is what the server may group-commit with the other clients' writes.
            await db.run('INSERT INTO items (tag) VALUES (?)', `atomic-w-${id}`);
            const e = await rejection(
              db.batch(
                [
                  { sql: 'INSERT INTO items (tag) VALUES (?)', args: [`atomic-a-${id}`] },
                  { sql: 'INSERT INTO items (tag) VALUES (?)', args: [`atomic-b-${id}`] },
                  { sql: 'INSERT INTO items (tag) VALUES (?)', args: [`atomic-w-${id}`] }, // duplicate: fails
                ],
                'write',
              ),
            );
            seen.push({ name: e.name, code: e.code, message: e.message, inTransaction: db.inTransaction });
            const ok = await db.batch(
              [
                { sql: 'INSERT INTO items (tag) VALUES (?)', args: [`atomic-ok-a-${id}`] },
                { sql: 'INSERT INTO items (tag) VALUES (?)', args: [`atomic-ok-b-${id}`] },
              ],
              'write',
            );
            assert.deepEqual(
              ok.map((rs) => rs.rowsAffected),
              [1, 1],
            );
          }
          return seen;
        }),
      );
      const leaked = await open().all(
        "SELECT tag FROM items WHERE tag LIKE 'atomic-a-%' OR tag LIKE 'atomic-b-%' ORDER BY id",
      );
      assert.deepEqual(
        leaked.map((row) => row.tag),
        [],
        'rows of the failed batches',
      );
      const expected = {
        name: 'DatabaseError',
        code: 'SQLITE_CONSTRAINT',
        message: 'SQLite error: UNIQUE constraint failed: items.tag',
        inTransaction: false,
      };
      assert.deepEqual(failures.flat(), new Array(CLIENTS * ROUNDS).fill(expected));
      const total = CLIENTS * ROUNDS;
      assert.equal(await count("SELECT count(*) AS n FROM items WHERE tag LIKE 'atomic-w-%'"), total);
      assert.equal(await count("SELECT count(*) AS n FROM items WHERE tag LIKE 'atomic-ok-%'"), 2 * total);
    });

    // The driver's probe, by hand: with no transaction open, every step conditioned on is_autocommit runs.
    const probeSteps = (tag) => [
      step('SELECT 1', [], IS_AUTOCOMMIT),
      step('INSERT INTO items (tag) VALUES (?)', [tag]),
      step('SELECT 2', [], IS_AUTOCOMMIT),
    ];

    it('a /v3/pipeline batch [is_autocommit SELECT 1, INSERT, is_autocommit SELECT 2] runs all three steps', async () => {
      await underWriteLoad(server, load('pipeline'), () =>
        parallel(CLIENTS, async (c) => {
          const stream = new HttpStream(server);
          for (let r = 0; r < ROUNDS; r++) {
            // A fresh stream each round, and one stream kept across rounds (as the driver keeps its baton).
            const fresh = await pipeline(server, [batch(probeSteps(`pipeline-${c}-${r}`)), { type: 'close' }]);
            const [kept] = await stream.request([batch(probeSteps(`pipeline-kept-${c}-${r}`))]);
            for (const [name, result] of [
              ['fresh stream', fresh.results?.[0]],
              ['kept stream', kept],
            ]) {
              assert.equal(result?.type, 'ok', `${name}: ${JSON.stringify(result)}`);
              const { step_results: results, step_errors: errors } = result.response.result;
              assert.deepEqual(errors, [null, null, null], name);
              assert.ok(
                results.every((x) => x !== null),
                `${name}: every step ran, got ${JSON.stringify(results)}`,
              );
              assert.deepEqual(plainResult(results[0]), { columns: ['1'], rows: [[1]] }, name);
              assert.equal(results[1].affected_row_count, 1, name);
              assert.deepEqual(plainResult(results[2]), { columns: ['2'], rows: [[2]] }, name);
            }
          }
          await stream.close();
        }),
      );
      assert.equal(await count("SELECT count(*) AS n FROM items WHERE tag LIKE 'pipeline-%'"), 2 * CLIENTS * ROUNDS);
    });

    it('a /v3/cursor batch [is_autocommit SELECT 1, INSERT, is_autocommit SELECT 2] runs all three steps', async () => {
      await underWriteLoad(server, load('cursor'), () =>
        parallel(CLIENTS, async (c) => {
          let baton = null;
          for (let r = 0; r < ROUNDS; r++) {
            const answer = await cursor(server, probeSteps(`cursor-${c}-${r}`), { baton });
            assert.equal(answer.status, 200, answer.body);
            baton = answer.baton;
            assert.deepEqual(cursorSteps(answer.entries, 3), [
              { columns: ['1'], rows: [[1]] },
              { columns: [], rows: [] },
              { columns: ['2'], rows: [[2]] },
            ]);
          }
          if (baton !== null) await pipeline(server, [{ type: 'close' }], { baton });
        }),
      );
      assert.equal(await count("SELECT count(*) AS n FROM items WHERE tag LIKE 'cursor-%'"), CLIENTS * ROUNDS);
    });
  });
}
