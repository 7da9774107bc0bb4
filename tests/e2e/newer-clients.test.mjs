// Requests Turso's newer clients send (docs/turso-sync.md §1–§2): @tursodatabase/serverless 1.4.0's
// batch(…, "concurrent"), its first call after an idle pause (it keeps one stream for a connection's whole
// life) and its named arguments without a prefix; and the Turso Sync client's push batch on /v2/pipeline, sent
// here with plain fetch in the shape that client sends. Every test runs against both servers; where sqld fails
// the client (BEGIN CONCURRENT, the expired stream, is_autocommit on /v2), the test asserts sqld's failure for
// sqld and the working behaviour for edgelite, and says so.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { before, describe, it } from 'node:test';
import { SERVER_KINDS, useServer } from './lib/server.mjs';
import { useServerlessConnections } from './lib/serverless.mjs';
import { rejection } from './lib/util.mjs';
import { hranaValue, parallel, pipeline } from './lib/hrana-http.mjs';

// Past the 10 s after which both servers expire an idle stream.
const IDLE_GAP_MS = 12_000;
const NOT_AUTOCOMMIT = { type: 'not', cond: { type: 'is_autocommit' } };

// A statement as the Turso Sync client writes it: every field present, nulls included.
const syncStmt = (sql, args = [], wantRows = false) => ({
  sql,
  sql_id: null,
  args: args.map(hranaValue),
  named_args: [],
  want_rows: wantRows,
  replication_index: null,
});

// Posts a pipeline of one batch to /v2/pipeline, as the Turso Sync client does (no baton, no close).
async function syncBatch(server, steps) {
  const res = await fetch(`${server.url}/v2/pipeline`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      baton: null,
      requests: [{ type: 'batch', batch: { steps, replication_index: null } }],
    }),
  });
  const text = await res.text();
  return { status: res.status, body: res.status === 200 ? JSON.parse(text) : text };
}

for (const kind of SERVER_KINDS) {
  describe(`${kind}: requests of the newer Turso clients`, { timeout: 60_000 }, () => {
    const server = useServer(kind);
    const open = useServerlessConnections(server);
    before(async () => {
      await open().exec(`
        CREATE TABLE items (id INTEGER PRIMARY KEY, tag TEXT NOT NULL UNIQUE);
        CREATE TABLE counter (n INTEGER NOT NULL);
        INSERT INTO counter VALUES (0);
        CREATE TABLE notes (id TEXT PRIMARY KEY, body TEXT);
      `);
    });

    it('batch(…, "concurrent") commits its writes, serialized with other such batches', async () => {
      const db = open();
      const insert = (tag) => `INSERT INTO items (tag) VALUES ('${tag}')`;
      const batch = () => db.batch([insert('concurrent-1'), insert('concurrent-2')], 'concurrent');
      if (kind === 'sqld') {
        // sqld's parser has no BEGIN CONCURRENT: the whole cursor request fails (HTTP 500).
        await rejection(batch());
        return;
      }
      await batch();
      assert.equal(db.inTransaction, false);
      assert.equal((await db.get("SELECT count(*) AS n FROM items WHERE tag LIKE 'concurrent-%'")).n, 2);
      // Read-modify-write from several connections at once: serialized, so no update is lost and none fails
      // on a conflict.
      const CLIENTS = 6;
      const ROUNDS = 3;
      await parallel(CLIENTS, async () => {
        const client = open();
        for (let r = 0; r < ROUNDS; r++) {
          await client.batch(['SELECT n FROM counter', 'UPDATE counter SET n = n + 1'], 'concurrent');
        }
      });
      assert.equal((await db.get('SELECT n FROM counter')).n, CLIENTS * ROUNDS);
      // A failing statement rolls the batch back, as in the other atomic modes.
      await rejection(db.batch([insert('concurrent-3'), insert('concurrent-1')], 'concurrent'));
      assert.equal((await db.get("SELECT count(*) AS n FROM items WHERE tag = 'concurrent-3'")).n, 0);
      // And by hand, statement by statement (exec() sends a sequence).
      await db.exec('BEGIN CONCURRENT');
      assert.equal(db.inTransaction, true);
      await db.run(insert('concurrent-exec'));
      await db.exec('COMMIT');
      assert.equal((await db.get("SELECT count(*) AS n FROM items WHERE tag = 'concurrent-exec'")).n, 1);
    });

    it('after a 12 s idle pause, a connection without state carries on; one in a transaction does not', async () => {
      const idle = open();
      const inserted = await idle.run("INSERT INTO items (tag) VALUES ('before-pause')");
      const inTransaction = open();
      await inTransaction.exec('BEGIN');
      await inTransaction.run("INSERT INTO items (tag) VALUES ('rolled-back')");
      await sleep(IDLE_GAP_MS);

      // The transaction's stream expired and rolled back on both servers.
      const expired = await rejection(inTransaction.get('SELECT 1 AS one'));
      assert.match(expired.message, /expired/);
      assert.equal((await open().get("SELECT count(*) AS n FROM items WHERE tag = 'rolled-back'")).n, 0);

      const next = idle.get("SELECT count(*) AS n FROM items WHERE tag = 'before-pause'");
      if (kind === 'sqld') {
        // sqld expires every idle stream: the driver's first call after the pause fails.
        assert.match((await rejection(next)).message, /expired/);
        return;
      }
      assert.equal((await next).n, 1);
      // The same stream, not a fresh one: its session values came along.
      assert.equal((await idle.get('SELECT last_insert_rowid() AS id')).id, inserted.lastInsertRowid);
    });

    it('named arguments bind without their prefix, and of two with one name the last counts', async () => {
      const db = open();
      const args = { a: 1, b: 'two', c: null };
      assert.deepEqual(await db.get('SELECT :a AS a, @b AS b, $c AS c', args), args);
      const run = await db.run('INSERT INTO items (tag) VALUES (:tag)', { tag: 'named' });
      assert.equal(run.changes, 1);
      assert.equal((await db.get('SELECT tag FROM items WHERE id = $id', { id: run.lastInsertRowid })).tag, 'named');
      // Raw, as a client may send them: sqld keeps named arguments in a map, so the last of one name counts
      // (edgelite bound names without a prefix before, but refused this with ARGS_INVALID).
      const answer = await pipeline(server, [
        {
          type: 'execute',
          stmt: {
            sql: 'SELECT :v AS v',
            named_args: [
              { name: 'v', value: hranaValue(1) },
              { name: 'v', value: hranaValue(2) },
            ],
          },
        },
        { type: 'close' },
      ]);
      assert.equal(answer.status, 200, answer.body);
      assert.equal(answer.results[0].type, 'ok', JSON.stringify(answer.results[0]));
      assert.deepEqual(answer.results[0].response.result.rows, [[{ type: 'integer', value: '2' }]]);
    });

    it('a Turso Sync push batch on /v2/pipeline (is_autocommit conditions) lands', async () => {
      const clientId = 'clientA-0d2c5b7e-5c44-4d44-9a4d-2f5b8a7c1e01';
      // fetch_last_change_id: before the first push the table is missing, which the client reads as "never pushed".
      const lastChange = [
        {
          condition: null,
          stmt: syncStmt('SELECT pull_gen, change_id FROM turso_sync_last_change_id WHERE client_id = ?', [clientId], true),
        },
      ];
      const before = await syncBatch(server, lastChange);
      assert.equal(before.status, 200, before.body);
      assert.match(before.body.results[0].response.result.step_errors[0].message, /no such table/);

      // BEGIN IMMEDIATE, then every step only inside the transaction: the table, the replayed changes, the
      // client's last change id, COMMIT.
      const inTransaction = (sql, args) => ({ condition: NOT_AUTOCOMMIT, stmt: syncStmt(sql, args) });
      const push = [
        { condition: null, stmt: syncStmt('BEGIN IMMEDIATE') },
        inTransaction(
          'CREATE TABLE IF NOT EXISTS turso_sync_last_change_id ' +
            '(client_id TEXT PRIMARY KEY, pull_gen INTEGER, change_id INTEGER)',
        ),
        inTransaction(
          'INSERT INTO "notes"("id", "body") VALUES (?,?) ON CONFLICT("id") DO UPDATE SET "body" = excluded."body"',
          ['n1', 'pushed'],
        ),
        inTransaction('UPDATE "notes" SET "body" = ? WHERE "id" = ?', ['pushed twice', 'n1']),
        inTransaction(
          'INSERT INTO turso_sync_last_change_id(client_id, pull_gen, change_id) VALUES (?, ?, ?) ' +
            'ON CONFLICT(client_id) DO UPDATE SET pull_gen=excluded.pull_gen, change_id=excluded.change_id',
          [clientId, 1, 2],
        ),
        inTransaction('COMMIT'),
      ];
      const pushed = await syncBatch(server, push);
      if (kind === 'sqld') {
        // sqld takes is_autocommit on Hrana 3 only: the client's push fails with a 400.
        assert.equal(pushed.status, 400);
        assert.match(pushed.body, /is_autocommit/);
        return;
      }
      assert.equal(pushed.status, 200, pushed.body);
      // The fields the client's strict decoder requires.
      assert.ok('baton' in pushed.body && 'base_url' in pushed.body, JSON.stringify(pushed.body));
      const [result] = pushed.body.results;
      assert.equal(result.type, 'ok', JSON.stringify(result));
      assert.equal(result.response.type, 'batch');
      const { step_results: steps, step_errors: errors } = result.response.result;
      assert.deepEqual(errors, Array(push.length).fill(null));
      assert.ok(steps.every((s) => s !== null && 'last_insert_rowid' in s && 'affected_row_count' in s));
      assert.equal((await open().get("SELECT body FROM notes WHERE id = 'n1'")).body, 'pushed twice');

      const afterPush = await syncBatch(server, lastChange);
      assert.deepEqual(afterPush.body.results[0].response.result.step_results[0].rows, [
        [hranaValue(1), hranaValue(2)],
      ]);
      // get_autocommit on /v2 as well.
      const res = await fetch(`${server.url}/v2/pipeline`, {
        method: 'POST',
        body: JSON.stringify({ requests: [{ type: 'get_autocommit' }, { type: 'close' }] }),
      });
      assert.equal(res.status, 200);
      assert.deepEqual((await res.json()).results[0], {
        type: 'ok',
        response: { type: 'get_autocommit', is_autocommit: true },
      });
    });
  });
}
