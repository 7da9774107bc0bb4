// Every request behaves as if it ran alone, for statements whose effect reaches past themselves, with several
// clients writing at once, against sqld and edgelite:
// - a statement that rolls back the whole transaction (INSERT OR ROLLBACK, a trigger's RAISE(ROLLBACK)) in a
//   batch without conditions: alone, in autocommit mode, it undoes only itself and the next statements run and
//   commit; sharing a group commit's transaction it would take the other requests' writes down with it;
// - a deferred foreign key: alone, a statement that leaves a child without its parent fails at its own commit;
//   sharing a transaction with a request that inserts that parent, it would commit.
// Each test runs beside a write load whose acknowledged rows must all be there exactly once afterwards.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient } from '@libsql/client';
import { connect } from '@tursodatabase/serverless';
import { SERVER_KINDS, useServer } from './lib/server.mjs';
import { batch, parallel, pipeline, step, underWriteLoad } from './lib/hrana-http.mjs';

const CLIENTS = 6;
const ROUNDS = 3;
const FK_ROUNDS = 12;

/** Per step of a /v3/pipeline batch result: 'ok' or the step's error message. */
function stepOutcomes(answer) {
  assert.equal(answer.status, 200, answer.body);
  const [result] = answer.results;
  assert.equal(result.type, 'ok', JSON.stringify(result));
  const { step_results: results, step_errors: errors } = result.response.result;
  return results.map((r, i) => (errors[i] ? errors[i].message : r ? 'ok' : 'skipped'));
}

for (const kind of SERVER_KINDS) {
  describe(`${kind}: isolation, statements that roll back more than themselves:`, { timeout: 30_000 }, () => {
    const server = useServer(kind);
    let client;
    const values = async (sql, args = []) =>
      (await client.execute({ sql, args })).rows.map((row) => (row.length === 1 ? row[0] : Array.from(row)));
    before(async () => {
      client = createClient({ url: server.url });
      await client.executeMultiple(`
        CREATE TABLE t (id INTEGER PRIMARY KEY, v);
        INSERT INTO t VALUES (1, 1);
        CREATE TABLE log (x);
        CREATE TABLE guarded (v);
        CREATE TRIGGER guard BEFORE INSERT ON guarded WHEN NEW.v < 0
          BEGIN SELECT RAISE(ROLLBACK, 'negative values are refused'); END;
        CREATE TABLE parent (id INTEGER PRIMARY KEY);
        CREATE TABLE child (id INTEGER PRIMARY KEY,
                            pid INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED);
        CREATE TABLE load (tag TEXT PRIMARY KEY);
      `);
    });
    after(() => client.close());
    const load = (prefix) => ({ table: 'load', prefix, clients: 2 });

    const ROLLBACK_UNIQUE = 'SQLite error: UNIQUE constraint failed: t.id';
    const ROLLBACK_TRIGGER = 'SQLite error: negative values are refused';
    for (const [name, failing, message] of [
      ['INSERT OR ROLLBACK of a duplicate key', 'INSERT OR ROLLBACK INTO t VALUES (1, 99)', ROLLBACK_UNIQUE],
      ["a trigger's RAISE(ROLLBACK)", 'INSERT INTO guarded VALUES (-1)', ROLLBACK_TRIGGER],
    ]) {
      it(`batch [${name}, INSERT INTO log] leaves exactly the one log row, beside other writers`, async () => {
        const base = name.startsWith('INSERT') ? 1000 : 2000;
        await underWriteLoad(server, load(`rollback-${base}`), async () => {
          // The case as reported, once: one row 7 (or 8) in log.
          const seven = base === 1000 ? 7 : 8;
          const once = await pipeline(server, [batch([step(failing), step('INSERT INTO log VALUES (?)', [seven])])]);
          assert.deepEqual(stepOutcomes(once), [message, 'ok']);
          // Then many at once, over /v3/pipeline (one batch request, no conditions) and over the serverless
          // driver's non-atomic batch (the same, plus its probe step). The three-step form checks that the
          // statement before the failing one stays committed too, as it would in autocommit mode.
          const outcomes = await parallel(CLIENTS, async (c) => {
            const db = connect({ url: server.url });
            const seen = [];
            try {
              for (let r = 0; r < ROUNDS; r++) {
                const x = base + 100 * c + 10 * r;
                const raw = await pipeline(server, [
                  batch([
                    step('INSERT INTO log VALUES (?)', [x]),
                    step(failing),
                    step('INSERT INTO log VALUES (?)', [x + 1]),
                  ]),
                  { type: 'close' },
                ]);
                seen.push(stepOutcomes(raw));
                const e = await db
                  .batch([failing, { sql: 'INSERT INTO log VALUES (?)', args: [x + 2] }])
                  .then(() => undefined, (error) => error.message);
                seen.push(e);
              }
            } finally {
              await db.close();
            }
            return seen;
          });
          assert.deepEqual(
            outcomes.flat(),
            new Array(CLIENTS * ROUNDS).fill([['ok', message, 'ok'], message]).flat(),
          );
        });
        const expected = [base === 1000 ? 7 : 8];
        for (let c = 0; c < CLIENTS; c++) {
          for (let r = 0; r < ROUNDS; r++) expected.push(...[0, 1, 2].map((i) => base + 100 * c + 10 * r + i));
        }
        const got = await values('SELECT x FROM log WHERE x = ? OR x BETWEEN ? AND ? ORDER BY x', [
          expected[0],
          base,
          base + 999,
        ]);
        assert.deepEqual(got, expected.sort((a, b) => a - b));
        assert.deepEqual(await values('SELECT v FROM t WHERE id = 1'), [1]);
        assert.deepEqual(await values('SELECT count(*) FROM guarded'), [0]);
      });
    }

    it('a child inserted without its parent fails every time, even when the parent is inserted at once', async () => {
      // A inserts a child whose parent does not exist; B, at the same moment, inserts the parent of every child
      // it can see without a parent. Alone, A fails at its own commit (the key is deferred, and every request is
      // its own transaction), and B sees no such child because A's never commits. Were A's and B's statements
      // to share one transaction, B would see A's child and adopt it, and A would commit.
      const adopt = 'INSERT INTO parent (id) SELECT pid FROM child WHERE pid NOT IN (SELECT id FROM parent)';
      const outcomes = await underWriteLoad(server, load('fk'), async () => {
        const clients = Array.from({ length: 2 * CLIENTS }, () => createClient({ url: server.url }));
        try {
          const rounds = [];
          for (let r = 0; r < FK_ROUNDS; r++) {
            rounds.push(
              await parallel(2 * CLIENTS, async (i) => {
                const c = clients[i];
                if (i % 2 === 1) {
                  await c.execute(adopt);
                  return 'adopter';
                }
                const id = 1000 * r + i;
                return c.execute({ sql: 'INSERT INTO child (id, pid) VALUES (?, ?)', args: [id, id] }).then(
                  () => `child ${id} committed without its parent`,
                  (e) => e.message,
                );
              }),
            );
          }
          return rounds.flat().filter((o) => o !== 'adopter');
        } finally {
          clients.forEach((c) => c.close());
        }
      });
      assert.deepEqual(
        outcomes,
        new Array(FK_ROUNDS * CLIENTS).fill("SQLITE_CONSTRAINT: SQLite error: FOREIGN KEY constraint failed"),
      );
      assert.deepEqual(await values('SELECT count(*) FROM child'), [0]);
      assert.deepEqual(await values('SELECT count(*) FROM parent'), [0]);
    });
  });
}
