// What one stream does to its SQL connection stays with that stream, and what a stream reads back about its own
// statements is about its own statements, however many clients run at once, against sqld and edgelite (each
// stream of sqld has a connection of its own; edgelite shares connections between streams and must not let it
// show):
// - `PRAGMA foreign_keys = OFF` on one stream lets no other stream insert an orphan;
// - TEMP tables, views and triggers belong to the stream that created them and end with it;
// - a fresh stream reads last_insert_rowid(), changes() and total_changes() as 0, whatever others wrote;
// - after an autocommit INSERT, last_insert_rowid() and changes() on the same stream (same pipeline, next request
//   on the same baton, a WebSocket stream, the serverless driver's stream) are those of that INSERT, also as a
//   value inside the next INSERT;
// - SAVEPOINT ... RELEASE outside a transaction is a transaction, and RELEASE commits it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient } from '@libsql/client';
import * as hrana from '@libsql/hrana-client';
import { connect } from '@tursodatabase/serverless';
import { SERVER_KINDS, useServer } from './lib/server.mjs';
import { clientUrl, rejection } from './lib/util.mjs';
import { HttpStream, execute, parallel, pipeline, unwrap, underWriteLoad } from './lib/hrana-http.mjs';

const CLIENTS = 6;
const ROUNDS = 3;
const FK_FAILED = 'SQLite error: FOREIGN KEY constraint failed';
const SESSION = 'SELECT last_insert_rowid(), changes(), total_changes()';

/**
 * The kinds of stream that keep state between requests, behind one interface: `execute(sql, args)` resolves with
 * { rows, affected, lastInsertRowid } or throws an Error whose message is the server's; `close()`.
 */
const STREAMS = {
  'HTTP (baton)': (server) => {
    const s = new HttpStream(server);
    return { execute: (sql, args) => s.execute(sql, args), close: () => s.close() };
  },
  WebSocket: (server) => {
    const client = hrana.openWs(clientUrl(server, 'ws'));
    const s = client.openStream();
    return {
      async execute(sql, args = []) {
        const rs = await s.query(new hrana.Stmt(sql).bindIndexes(args));
        return {
          rows: rs.rows.map((r) => Array.from(r)),
          affected: rs.affectedRowCount,
          lastInsertRowid: rs.lastInsertRowid === undefined ? null : Number(rs.lastInsertRowid),
        };
      },
      close: async () => {
        s.close();
        client.close();
      },
    };
  },
  '@tursodatabase/serverless': (server) => {
    const db = connect({ url: server.url });
    return {
      async execute(sql, args = []) {
        const [rs] = await db.batch([{ sql, args }]);
        return { rows: rs.rows.map((row) => rs.columns.map((c) => row[c])), affected: rs.rowsAffected };
      },
      close: () => db.close(),
    };
  },
};
const openStreams = (server) => Object.entries(STREAMS).map(([name, open]) => ({ name, ...open(server) }));

const errorOf = (promise) => rejection(promise).then((e) => e.message);

for (const kind of SERVER_KINDS) {
  describe(`${kind}: isolation, session state per stream:`, { timeout: 30_000 }, () => {
    const server = useServer(kind);
    let client;
    const values = async (sql, args = []) => (await client.execute({ sql, args })).rows.map((row) => Array.from(row));
    before(async () => {
      client = createClient({ url: server.url });
      await client.executeMultiple(`
        CREATE TABLE parent (id INTEGER PRIMARY KEY, tag TEXT);
        CREATE TABLE child (id INTEGER PRIMARY KEY, pid INTEGER NOT NULL REFERENCES parent (id), tag TEXT);
        CREATE TABLE loose_child (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES parent (id));
        CREATE TABLE rows (id INTEGER PRIMARY KEY, tag TEXT UNIQUE);
        CREATE TABLE log (x);
        CREATE TABLE audit (x);
        CREATE TABLE load (tag TEXT PRIMARY KEY);
      `);
    });
    after(() => client.close());
    const load = (prefix) => ({ table: 'load', prefix, clients: 2 });

    it('PRAGMA foreign_keys = OFF on some streams lets no other stream insert an orphan', async () => {
      const loose = [new HttpStream(server), new HttpStream(server)].map((s) => ({
        execute: (sql, args) => s.execute(sql, args),
        close: () => s.close(),
      }));
      loose.push(...openStreams(server).filter(({ name }) => name === 'WebSocket'));
      const orphans = [];
      await Promise.all([
        // The streams that turned the check off keep it off, for themselves.
        ...loose.map(async (s) => {
          await s.execute('PRAGMA foreign_keys = OFF');
          for (let r = 0; r < ROUNDS; r++) {
            assert.deepEqual((await s.execute('PRAGMA foreign_keys')).rows, [[0]]);
            assert.equal((await s.execute('INSERT INTO loose_child (pid) VALUES (-1)')).affected, 1);
          }
        }),
        // Everybody else, at the same time, still has it on.
        ...Array.from({ length: CLIENTS }, async (_, c) => {
          const other = createClient({ url: clientUrl(server, c % 2 ? 'ws' : 'http') });
          try {
            for (let r = 0; r < ROUNDS; r++) {
              const e = await rejection(other.execute("INSERT INTO child (pid, tag) VALUES (-1, 'orphan')"));
              orphans.push(e.message);
              assert.deepEqual((await other.execute('PRAGMA foreign_keys')).rows.map((row) => Array.from(row)), [[1]]);
            }
          } finally {
            other.close();
          }
        }),
      ]);
      assert.deepEqual(orphans, new Array(CLIENTS * ROUNDS).fill(`SQLITE_CONSTRAINT: ${FK_FAILED}`));
      for (const s of loose) await s.close();
      // Once those streams are gone, nothing of their setting is left on any connection.
      const after = await parallel(CLIENTS, (c) =>
        new HttpStream(server).execute('INSERT INTO child (pid, tag) VALUES (-1, ?)', [`after-${c}`]).then(
          () => 'inserted',
          (e) => e.message,
        ),
      );
      assert.deepEqual(after, new Array(CLIENTS).fill(FK_FAILED));
      assert.deepEqual(await values('SELECT count(*) FROM child'), [[0]]);
      assert.deepEqual(await values('SELECT count(*) FROM loose_child'), [[loose.length * ROUNDS]]);
    });

    if (kind === 'sqld') {
      // sqld refuses TEMP objects outright: its statement classifier has no kind for CREATE TEMP TABLE / VIEW /
      // TRIGGER ("temporary views are bound to a connection and thus disallowed in sqld"). SQLite allows them, and
      // edgelite does, on a connection that belongs to the stream (the tests below).
      it('sqld refuses TEMP tables, views and triggers', async () => {
        for (const sql of [
          'CREATE TEMP TABLE scratch (x)',
          'CREATE TEMP VIEW scratch_view AS SELECT 1',
          'CREATE TEMP TRIGGER log_audit AFTER INSERT ON main.log BEGIN INSERT INTO audit VALUES (NEW.x); END',
        ]) {
          const e = await rejection(client.execute(sql));
          assert.equal(e.code, 'SQL_PARSE_ERROR');
          assert.equal(e.message, `SQL_PARSE_ERROR: SQL string could not be parsed: unsupported statement: ${sql}`);
        }
      });
    } else {
      it('TEMP tables, views and triggers are the creating stream’s alone, and end with it', async () => {
        const owners = openStreams(server);
        await underWriteLoad(server, load('temp'), async () => {
          // Every owner creates objects of the same names, at the same time, and sees only its own.
          await Promise.all(
            owners.map(async (s, i) => {
              await s.execute('CREATE TEMP TABLE scratch (x)');
              await s.execute('INSERT INTO scratch VALUES (?)', [i]); // the next statement of the same stream
              await s.execute('CREATE TEMP VIEW scratch_view AS SELECT x * 10 AS y FROM scratch');
              await s.execute(
                'CREATE TEMP TRIGGER log_audit AFTER INSERT ON main.log BEGIN INSERT INTO audit VALUES (NEW.x); END',
              );
              assert.deepEqual((await s.execute('SELECT x FROM scratch')).rows, [[i]]);
              assert.deepEqual((await s.execute('SELECT y FROM scratch_view')).rows, [[i * 10]]);
            }),
          );
          // Meanwhile and afterwards, nobody else sees them, their trigger fires for nobody else, and anybody may
          // create a TEMP table of the same name.
          await Promise.all([
            ...owners.map(async (s, i) => {
              for (let r = 0; r < ROUNDS; r++) {
                await s.execute('INSERT INTO log VALUES (?)', [`owner-${i}-${r}`]);
                assert.deepEqual((await s.execute('SELECT x FROM scratch')).rows, [[i]]);
              }
            }),
            ...Array.from({ length: CLIENTS }, async (_, c) => {
              for (let r = 0; r < ROUNDS; r++) {
                const answer = await pipeline(server, [
                  execute('SELECT x FROM scratch'),
                  execute('SELECT y FROM scratch_view'),
                  execute('INSERT INTO log VALUES (?)', [`other-${c}-${r}`]),
                  execute('CREATE TEMP TABLE scratch (other)'),
                  execute('SELECT * FROM scratch'),
                  { type: 'close' },
                ]);
                assert.equal(answer.status, 200, answer.body);
                const [table, view, insert, create, select] = answer.results;
                assert.match(table.error?.message ?? '', /no such table: scratch/, JSON.stringify(table));
                assert.match(view.error?.message ?? '', /no such table: scratch_view/, JSON.stringify(view));
                assert.equal(unwrap(insert).affected, 1);
                assert.equal(create.type, 'ok', JSON.stringify(create));
                assert.deepEqual(unwrap(select), { columns: ['other'], rows: [], affected: 0, lastInsertRowid: null });
              }
            }),
          ]);
        });
        const audited = (await values("SELECT x FROM audit WHERE x LIKE 'owner-%' OR x LIKE 'other-%' ORDER BY x")).flat();
        const expected = owners.flatMap((_, i) => Array.from({ length: ROUNDS }, (_, r) => `owner-${i}-${r}`));
        assert.deepEqual(audited, expected.sort(), "each owner's trigger fired for its own inserts only");
        for (const s of owners) await s.close();
        // Gone with their streams: no connection still has them, and the trigger fires no more.
        await parallel(CLIENTS, async (c) => {
          const answer = await pipeline(server, [
            execute('SELECT x FROM scratch'),
            execute("SELECT name FROM sqlite_temp_schema WHERE name LIKE 'scratch%' OR name = 'log_audit'"),
            execute('INSERT INTO log VALUES (?)', [`after-${c}`]),
            { type: 'close' },
          ]);
          assert.equal(answer.status, 200, answer.body);
          assert.match(answer.results[0].error?.message ?? '', /no such table: scratch/);
          assert.deepEqual(unwrap(answer.results[1]).rows, []);
        });
        assert.deepEqual(await values("SELECT count(*) FROM audit WHERE x LIKE 'after-%'"), [[0]]);
      });
    }

    it('a fresh stream reads last_insert_rowid(), changes(), total_changes() as 0, 0, 0 while others write', async () => {
      const fresh = {
        'HTTP pipeline': async () => {
          const answer = await pipeline(server, [execute(SESSION), { type: 'close' }]);
          assert.equal(answer.status, 200, answer.body);
          return unwrap(answer.results[0]).rows;
        },
        '@libsql/client http': async () => {
          const c = createClient({ url: server.url });
          try {
            return (await c.execute(SESSION)).rows.map((r) => Array.from(r));
          } finally {
            c.close();
          }
        },
        '@libsql/client ws': async () => {
          const c = createClient({ url: clientUrl(server, 'ws') });
          try {
            return (await c.execute(SESSION)).rows.map((r) => Array.from(r));
          } finally {
            c.close();
          }
        },
        '@tursodatabase/serverless': async () => {
          const s = STREAMS['@tursodatabase/serverless'](server);
          try {
            return (await s.execute(SESSION)).rows;
          } finally {
            await s.close();
          }
        },
      };
      const seen = await underWriteLoad(server, load('fresh'), () =>
        parallel(CLIENTS, async (c) => {
          const out = [];
          for (let r = 0; r < ROUNDS; r++) {
            // Writes of several rows at once, beside the fresh readers.
            await client.execute({
              sql: "INSERT INTO rows (tag) SELECT ? || '-' || value FROM json_each('[1,2,3]')",
              args: [`fresh-${c}-${r}`],
            });
            for (const [name, read] of Object.entries(fresh)) out.push([name, await read()]);
          }
          return out;
        }),
      );
      for (const [name, rows] of seen.flat()) assert.deepEqual(rows, [[0, 0, 0]], name);
    });

    it('after an INSERT, last_insert_rowid() and changes() on the same stream are those of that INSERT', async () => {
      const seen = await underWriteLoad(server, load('lir'), () =>
        parallel(CLIENTS, async (c) => {
          const out = [];
          for (let r = 0; r < ROUNDS; r++) {
            const tag = (how) => `lir-${how}-${c}-${r}`;
            // In the same pipeline as the INSERT.
            const same = await pipeline(server, [
              execute('INSERT INTO rows (tag) VALUES (?)', [tag('pipeline')]),
              execute(SESSION),
              { type: 'close' },
            ]);
            assert.equal(same.status, 200, same.body);
            const inserted = unwrap(same.results[0]);
            out.push({ tag: tag('pipeline'), id: inserted.lastInsertRowid, session: unwrap(same.results[1]).rows[0] });
            // In the next request (HTTP with the baton), on a WebSocket stream and on the serverless driver's
            // stream; then after an INSERT of three rows, where last_insert_rowid() is the last of them.
            for (const s of openStreams(server)) {
              const first = await s.execute('INSERT INTO rows (tag) VALUES (?)', [tag(s.name)]);
              assert.equal(first.affected, 1);
              const [session] = (await s.execute(SESSION)).rows;
              out.push({ tag: tag(s.name), id: first.lastInsertRowid ?? session[0], session });
              await s.execute("INSERT INTO rows (tag) SELECT ? || '-' || value FROM json_each('[1,2,3]')", [
                tag(s.name),
              ]);
              const [three] = (await s.execute(SESSION)).rows;
              out.push({ tag: `${tag(s.name)}-3`, id: three[0], session: three });
              await s.close();
            }
          }
          return out;
        }),
      );
      const ids = new Map(
        (await values("SELECT tag, id FROM rows WHERE tag LIKE 'lir-%'")).map(([tag, id]) => [tag, id]),
      );
      for (const { tag, id, session } of seen.flat()) {
        assert.equal(id, ids.get(tag), `the rowid of ${tag}`);
        if (tag.endsWith('-3')) {
          assert.deepEqual(session, [ids.get(tag), 3, 4], `last_insert_rowid(), changes(), total_changes() after ${tag}`);
        } else {
          assert.deepEqual(session, [ids.get(tag), 1, 1], `last_insert_rowid(), changes(), total_changes() after ${tag}`);
        }
      }
    });

    it('INSERT INTO child (pid) VALUES (last_insert_rowid()) refers to the parent the same stream inserted', async () => {
      const insertParent = 'INSERT INTO parent (tag) VALUES (?)';
      const insertChild = 'INSERT INTO child (pid, tag) VALUES (last_insert_rowid(), ?)';
      await underWriteLoad(server, load('pid'), () =>
        parallel(CLIENTS, async (c) => {
          for (let r = 0; r < ROUNDS; r++) {
            const tag = (how) => `pid-${how}-${c}-${r}`;
            const same = await pipeline(server, [
              execute(insertParent, [tag('pipeline')]),
              execute(insertChild, [tag('pipeline')]),
              { type: 'close' },
            ]);
            assert.equal(same.status, 200, same.body);
            same.results.slice(0, 2).forEach(unwrap);
            for (const s of openStreams(server)) {
              await s.execute(insertParent, [tag(s.name)]);
              await s.execute(insertChild, [tag(s.name)]);
              await s.close();
            }
          }
        }),
      );
      const pairs = await values(
        "SELECT p.tag, c.tag FROM child c LEFT JOIN parent p ON p.id = c.pid WHERE c.tag LIKE 'pid-%' ORDER BY c.id",
      );
      assert.equal(pairs.length, CLIENTS * ROUNDS * (1 + Object.keys(STREAMS).length));
      for (const [parentTag, childTag] of pairs) assert.equal(parentTag, childTag);
    });

    it('SAVEPOINT; INSERT; RELEASE outside a transaction commits the row', async () => {
      await underWriteLoad(server, load('savepoint'), () =>
        parallel(CLIENTS, async (c) => {
          const tag = (how) => `savepoint-${how}-${c}`;
          // In one pipeline.
          const answer = await pipeline(server, [
            execute('SAVEPOINT s'),
            execute('INSERT INTO rows (tag) VALUES (?)', [tag('pipeline')]),
            execute('RELEASE s'),
            { type: 'close' },
          ]);
          assert.equal(answer.status, 200, answer.body);
          assert.deepEqual(
            answer.results.map((r) => r.type),
            ['ok', 'ok', 'ok', 'ok'],
            JSON.stringify(answer.results),
          );
          // Request by request, on each kind of stream: invisible to others until RELEASE.
          for (const s of openStreams(server)) {
            await s.execute('SAVEPOINT s');
            await s.execute('INSERT INTO rows (tag) VALUES (?)', [tag(s.name)]);
            assert.deepEqual(await values('SELECT count(*) FROM rows WHERE tag = ?', [tag(s.name)]), [[0]]);
            await s.execute('RELEASE s');
            await s.close();
          }
        }),
      );
      const committed = await values("SELECT count(*) FROM rows WHERE tag LIKE 'savepoint-%'");
      assert.deepEqual(committed, [[CLIENTS * (1 + Object.keys(STREAMS).length)]]);
      assert.equal(await errorOf(client.execute('RELEASE s')), 'SQLITE_UNKNOWN: SQLite error: no such savepoint: s');
    });
  });
}
