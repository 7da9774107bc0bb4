// Embedded replicas against sqld and edgelite, with both SDKs that can be one: @libsql/client (`file:` URL +
// `syncUrl`) and the native `libsql` package (`new Database(path, { syncUrl })`). Both pull frames over gRPC-web
// (`wal_log.ReplicationLog/Hello` + `BatchLogEntries`) and forward writes with `proxy.Proxy/Execute`. Covered:
// the first sync of a 10k-row database (local reads equal remote reads, the file is plain SQLite), writes through
// the replica (read-your-writes, visible to remote clients, errors from the primary), interactive transactions
// (commit and rollback), remote writes picked up by sync() and by syncInterval, a closed replica reopened and
// resuming incrementally, a primary restarted between syncs, JWT auth on the replication and proxy calls, and
// replicas (one that fell behind, and a new one) bootstrapping from snapshots after the primary compacted its log.
import assert from 'node:assert/strict';
import { watch } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createClient } from '@libsql/client';
import Database from 'libsql';
import { SERVER_KINDS, makeJwtKey, makeTempDir, mintJwt, nowSeconds, removeTempDir, useServer } from './lib/server.mjs';
import { rejection } from './lib/util.mjs';

const BIG_ROWS = 10_000;
const BIG_SELECT = 'SELECT id, v, r, hex(b) FROM big ORDER BY id';
const SCHEMA_SELECT = 'SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY name';
const WAIT_TIMEOUT_MS = 10_000;

// The log-compaction scenario: 30 transactions of 50 rows of 2 KB each (~3 MB of pages).
const COMPACTION_BATCHES = 30;
const COMPACTION_BATCH_ROWS = 50;
const COMPACTION_ROW_BYTES = 2000;
const COMPACTION_TIMEOUT_MS = 15_000;
// A digest of the whole `filler` table: row count, total length, last id and a position-dependent checksum of the
// contents (one character of each row, weighted by its id), so that any missing, stale or altered row shows.
const FILLER_DIGEST =
  'SELECT count(*), sum(length(v)), max(id), sum(id * unicode(substr(v, 1 + id % length(v), 1))) FROM filler';

/**
 * The two SDKs behind one small async interface, so that every scenario runs on both. `open()` takes the local
 * file path and { syncUrl, authToken, syncInterval (seconds) }; rows come back as arrays.
 */
const SDKS = [
  {
    name: '@libsql/client',
    open(path, { syncUrl, authToken, syncInterval }) {
      const client = createClient({ url: `file:${path}`, syncUrl, authToken, syncInterval });
      const statements = (execute) => ({
        query: async (sql, args = []) => (await execute({ sql, args })).rows.map((row) => Array.from(row)),
        run: async (sql, args = []) => {
          const rs = await execute({ sql, args });
          return { rowsAffected: rs.rowsAffected, lastInsertRowid: Number(rs.lastInsertRowid) };
        },
      });
      return {
        ...statements((stmt) => client.execute(stmt)),
        sync: () => client.sync(),
        async transaction() {
          const tx = await client.transaction('write');
          return {
            ...statements((stmt) => tx.execute(stmt)),
            commit: () => tx.commit(),
            rollback: () => tx.rollback(),
          };
        },
        close: () => client.close(),
      };
    },
  },
  {
    name: 'libsql',
    open(path, { syncUrl, authToken, syncInterval }) {
      // Options are left out rather than passed as undefined: the native module aborts the process on undefined.
      const db = new Database(path, {
        syncUrl,
        ...(authToken !== undefined && { authToken }),
        ...(syncInterval !== undefined && { syncPeriod: syncInterval }),
      });
      const statements = {
        // all(), never get(): get() leaves its statement unreset, which keeps a read transaction open on the
        // connection, so later reads would keep seeing that snapshot and miss every sync and write after it.
        query: async (sql, args = []) => db.prepare(sql).raw().all(args),
        run: async (sql, args = []) => {
          const info = db.prepare(sql).run(args);
          return { rowsAffected: info.changes, lastInsertRowid: Number(info.lastInsertRowid) };
        },
      };
      return {
        ...statements,
        sync: async () => db.sync(),
        async transaction() {
          db.exec('BEGIN IMMEDIATE');
          return { ...statements, commit: async () => db.exec('COMMIT'), rollback: async () => db.exec('ROLLBACK') };
        },
        close: () => db.close(),
      };
    },
  },
];

/** Rows of a query through a remote (HTTP) @libsql/client, as arrays. */
async function remoteRows(client, sql, args = []) {
  return (await client.execute({ sql, args })).rows.map((row) => Array.from(row));
}

/**
 * Waits until `probe` returns true, checking it at once and again after every change to the local files of the
 * replica at `path` (the database, its WAL and the SDK's `-client_wal_index`), which is where the SDK's background
 * sync lands what it pulled; it also rewrites `-client_wal_index` on every tick of its interval. Fails after
 * WAIT_TIMEOUT_MS with the last observation.
 */
async function waitForLocalChange(what, path, probe) {
  const prefix = basename(path);
  let changed = false;
  let wake = () => {};
  const watcher = watch(dirname(path), (_event, file) => {
    if (file !== null && !String(file).startsWith(prefix)) return;
    changed = true;
    wake();
  });
  const deadline = Date.now() + WAIT_TIMEOUT_MS;
  let last;
  try {
    for (;;) {
      changed = false;
      try {
        if (await probe()) return;
        last = 'not yet';
      } catch (e) {
        last = e.message;
      }
      if (changed) continue; // the files changed while the probe ran: look again at once
      let timer;
      const timedOut = await new Promise((resolveWait) => {
        wake = () => resolveWait(false);
        timer = setTimeout(() => resolveWait(true), Math.max(0, deadline - Date.now()));
      });
      clearTimeout(timer);
      wake = () => {};
      if (timedOut) assert.fail(`waited ${WAIT_TIMEOUT_MS} ms for ${what}; last check: ${last}`);
    }
  } finally {
    watcher.close();
  }
}

/**
 * Waits until the server has compacted its replication log past `frameNo`, i.e. frames up to at least `frameNo`
 * are only available as a snapshot, by waiting for the line each server prints when it has written a snapshot:
 * edgelite's "frame log compacted into a snapshot up to frame N", sqld's "snapshot
 * `<log_id>-<start_frame_no>-<end_frame_no>.snap` successfully created" (lines printed before the call count too).
 */
function waitForCompactionPast(server, frameNo) {
  const compactedUpTo = (line) => {
    const m =
      server.kind === 'edgelite'
        ? /frame log compacted into a snapshot up to frame (\d+)/.exec(line)
        : /snapshot `[^`]*-\d+-(\d+)\.snap` successfully created/.exec(line);
    return m ? Number(m[1]) : -1;
  };
  return server.waitForOutput((line) => compactedUpTo(line) > frameNo, {
    what: `a log compaction past frame ${frameNo}`,
    timeoutMs: COMPACTION_TIMEOUT_MS,
  });
}

/**
 * Asserts the result of a sync() that caught up from `previous` (a former sync() result, or { frame_no: -1 } for
 * a new replica) through a snapshot: it ends past the frames written since, but pulled fewer frames than the log
 * held after `previous`, because a snapshot carries only the newest version of each page (page 1 and the table's
 * interior pages change in every transaction). Pulling from the log alone gives exactly one frame per frame_no.
 */
function assertFromSnapshot(sync, previous) {
  assert.ok(
    sync.frame_no > previous.frame_no + 1,
    `expected to get past ${previous.frame_no}, got ${JSON.stringify(sync)}`,
  );
  assert.ok(
    sync.frames_synced < sync.frame_no - previous.frame_no,
    `expected fewer frames than the ${sync.frame_no - previous.frame_no} after ${previous.frame_no} (a snapshot), ` +
      `got ${JSON.stringify(sync)}`,
  );
}

/** Asserts the result of a sync() that pulled frames after `previous` (a former sync() result) and nothing else. */
function assertIncremental(sync, previous) {
  assert.ok(sync.frames_synced >= 1, `expected new frames, got ${JSON.stringify(sync)}`);
  assert.equal(
    sync.frame_no,
    previous.frame_no + sync.frames_synced,
    `only the frames after ${previous.frame_no} should be pulled, got ${JSON.stringify(sync)}`,
  );
}

/** Creates `notes` (the table the tests write to) and `big` (10k rows of text, real and blob values). */
async function createTables(remote) {
  await remote.executeMultiple(`
    CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL);
    CREATE TABLE big (id INTEGER PRIMARY KEY, v TEXT, r REAL, b BLOB);
    CREATE INDEX big_v ON big (v);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${BIG_ROWS})
      INSERT INTO big SELECT i, 'row ' || i || ' ' || hex(randomblob(16)), i * 0.25, randomblob(i % 200) FROM n;
  `);
}

for (const kind of SERVER_KINDS) {
  describe(`${kind}: embedded replicas:`, { timeout: 90_000 }, () => {
    const server = useServer(kind);
    const dir = makeTempDir('replicas');
    let remote;
    before(async () => {
      remote = createClient({ url: server.url });
      await createTables(remote);
    });
    after(() => {
      remote.close();
      removeTempDir(dir);
    });

    for (const sdk of SDKS) {
      describe(sdk.name, () => {
        const pathOf = (name) => join(dir, `${sdk.name.replace(/\W/g, '_')}-${name}.db`);
        const open = (name, options = {}) => sdk.open(pathOf(name), { syncUrl: server.url, ...options });
        const notesWith = 'SELECT id, text FROM notes WHERE text = ?';

        it(`the first sync downloads the whole ${BIG_ROWS}-row database; local reads equal remote reads`, async () => {
          const replica = open('first');
          try {
            const first = await replica.sync();
            assert.equal(first.frames_synced, first.frame_no + 1, 'a new replica pulls every frame from frame 0');
            assert.deepEqual(await replica.sync(), { frames_synced: 0, frame_no: first.frame_no });
            const local = await replica.query(BIG_SELECT);
            assert.equal(local.length, BIG_ROWS);
            assert.deepEqual(local, await remoteRows(remote, BIG_SELECT));
            assert.deepEqual(await replica.query(SCHEMA_SELECT), await remoteRows(remote, SCHEMA_SELECT));
            assert.deepEqual(
              await replica.query("SELECT id FROM big WHERE v LIKE 'row 777 %'"),
              [[777]],
              'the index is usable locally',
            );
          } finally {
            replica.close();
          }
          const plain = new Database(pathOf('first'));
          try {
            assert.deepEqual(plain.prepare('PRAGMA integrity_check').raw().all(), [['ok']]);
          } finally {
            plain.close();
          }
        });

        it('a write through the replica runs on the primary and is visible locally at once and remotely', async () => {
          const replica = open('write');
          try {
            await replica.sync();
            const text = `${sdk.name}: forwarded write`;
            const insert = await replica.run('INSERT INTO notes (text) VALUES (?)', [text]);
            assert.equal(insert.rowsAffected, 1);
            const row = [insert.lastInsertRowid, text];
            assert.deepEqual(await replica.query(notesWith, [text]), [row], 'read-your-writes');
            assert.deepEqual(await remoteRows(remote, notesWith, [text]), [row]);

            const updated = `${text}, updated`;
            const update = await replica.run('UPDATE notes SET text = ? WHERE id = ?', [updated, row[0]]);
            assert.equal(update.rowsAffected, 1);
            assert.deepEqual(await replica.query('SELECT text FROM notes WHERE id = ?', [row[0]]), [[updated]]);

            const e = await rejection(replica.run('INSERT INTO notes (id, text) VALUES (?, ?)', [row[0], 'dup']));
            assert.equal(e.message, 'RemoteSqliteFailure(3, 1555, "UNIQUE constraint failed: notes.id")');
            assert.deepEqual(await remoteRows(remote, 'SELECT text FROM notes WHERE id = ?', [row[0]]), [[updated]]);
          } finally {
            replica.close();
          }
        });

        it('an interactive transaction runs on the primary; its reads see its writes; commit, rollback', async () => {
          const replica = open('transaction');
          const prefix = `${sdk.name}: tx`;
          const select = ['SELECT text FROM notes WHERE text LIKE ? ORDER BY id', [`${prefix}%`]];
          try {
            await replica.sync();
            const tx = await replica.transaction();
            await tx.run('INSERT INTO notes (text) VALUES (?)', [`${prefix} 1`]);
            await tx.run('INSERT INTO notes (text) VALUES (?)', [`${prefix} 2`]);
            assert.deepEqual(await tx.query(...select), [[`${prefix} 1`], [`${prefix} 2`]]);
            assert.deepEqual(await remoteRows(remote, ...select), [], 'not visible before the commit');
            await tx.commit();
            assert.deepEqual(await replica.query(...select), [[`${prefix} 1`], [`${prefix} 2`]]);
            assert.deepEqual(await remoteRows(remote, ...select), [[`${prefix} 1`], [`${prefix} 2`]]);

            const rolledBack = await replica.transaction();
            await rolledBack.run('INSERT INTO notes (text) VALUES (?)', [`${prefix} 3`]);
            assert.equal((await rolledBack.query(...select)).length, 3);
            await rolledBack.rollback();
            assert.deepEqual(await replica.query(...select), [[`${prefix} 1`], [`${prefix} 2`]]);
            assert.deepEqual(await remoteRows(remote, ...select), [[`${prefix} 1`], [`${prefix} 2`]]);
          } finally {
            replica.close();
          }
        });

        it("another client's write shows up locally after sync(), not before", async () => {
          const replica = open('pull');
          try {
            const first = await replica.sync();
            const text = `${sdk.name}: remote write`;
            await remote.execute({ sql: 'INSERT INTO notes (text) VALUES (?)', args: [text] });
            assert.deepEqual(await replica.query(notesWith, [text]), [], 'reads are local until the next sync');
            assertIncremental(await replica.sync(), first);
            assert.deepEqual(await replica.query(notesWith, [text]), await remoteRows(remote, notesWith, [text]));
          } finally {
            replica.close();
          }
        });

        it("with syncInterval, another client's write shows up locally without sync()", async () => {
          // close() does not stop the SDK's background sync: it goes on retrying, and logging errors once the
          // server is gone, until the test process exits.
          const replica = open('interval', { syncInterval: 1 });
          try {
            const count = 'SELECT count(*) FROM notes';
            const [[expected]] = await remoteRows(remote, count);
            await waitForLocalChange('the replica to catch up in the background', pathOf('interval'), async () => {
              const [[n]] = await replica.query(count);
              return n === expected;
            });
            const text = `${sdk.name}: picked up in the background`;
            await remote.execute({ sql: 'INSERT INTO notes (text) VALUES (?)', args: [text] });
            await waitForLocalChange('the remote write to reach the replica', pathOf('interval'), async () => {
              return (await replica.query(notesWith, [text])).length === 1;
            });
          } finally {
            replica.close();
          }
        });

        it('a closed replica keeps its data and, reopened, pulls only the frames it missed', async () => {
          const first = await (async () => {
            const replica = open('reopen');
            try {
              return await replica.sync();
            } finally {
              replica.close();
            }
          })();
          const text = `${sdk.name}: written while the replica was closed`;
          await remote.execute({ sql: 'INSERT INTO notes (text) VALUES (?)', args: [text] });
          const replica = open('reopen');
          try {
            assert.deepEqual(await replica.query('SELECT count(*) FROM big'), [[BIG_ROWS]], 'readable before any sync');
            assert.deepEqual(await replica.query(notesWith, [text]), []);
            assertIncremental(await replica.sync(), first);
            assert.deepEqual(await replica.query(notesWith, [text]), await remoteRows(remote, notesWith, [text]));
          } finally {
            replica.close();
          }
        });
      });
    }
  });

  describe(`${kind}: embedded replicas behind a log compaction:`, { timeout: 90_000 }, () => {
    // With --max-log-size 1 (MB) both servers compact the replication log once it grows past ~1 MB (~243 frames
    // of 4 KB; sqld cuts a new log and turns the old one into a snapshot, edgelite rolls into a new segment and
    // folds the older ones into its snapshot within ~1 s). Frames below the compaction point are then only served
    // as a snapshot: a replica positioned below it gets NEED_SNAPSHOT from BatchLogEntries and must go through
    // Snapshot (for sqld, one snapshot after the other). Each SDK's test runs a full round on the same server:
    // its replica starts wherever the log is, so the libsql round starts after the @libsql/client round's
    // compactions and its first sync already comes from snapshots.
    const server = useServer(kind, { extraArgs: ['--max-log-size', '1'] });
    const dir = makeTempDir('replicas-compaction');
    let remote;
    before(async () => {
      remote = createClient({ url: server.url });
      await remote.execute('CREATE TABLE filler (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
    });
    after(() => {
      remote.close();
      removeTempDir(dir);
    });

    for (const sdk of SDKS) {
      const open = (name) =>
        sdk.open(join(dir, `${sdk.name.replace(/\W/g, '_')}-${name}.db`), { syncUrl: server.url });

      it(`${sdk.name}: a replica that fell behind a log compaction bootstraps from a snapshot`, async () => {
        const { first, stale } = await (async () => {
          const replica = open('behind');
          try {
            return { first: await replica.sync(), stale: await replica.query(FILLER_DIGEST) };
          } finally {
            replica.close();
          }
        })();

        // ~3 MB of new pages: the log passes 1 MB several times over while the replica is closed.
        for (let batch = 0; batch < COMPACTION_BATCHES; batch++) {
          await remote.batch(
            Array.from({ length: COMPACTION_BATCH_ROWS }, () => ({
              sql: `INSERT INTO filler (v) VALUES (hex(randomblob(${COMPACTION_ROW_BYTES / 2})))`,
              args: [],
            })),
            'write',
          );
        }
        await waitForCompactionPast(server, first.frame_no);

        const expected = await remoteRows(remote, FILLER_DIGEST);
        const replica = open('behind');
        try {
          assert.deepEqual(await replica.query(FILLER_DIGEST), stale, 'the reopened replica still has its old state');
          const caughtUp = await replica.sync();
          assertFromSnapshot(caughtUp, first);
          assert.deepEqual(await replica.query(FILLER_DIGEST), expected);
          assert.deepEqual(await replica.query(SCHEMA_SELECT), await remoteRows(remote, SCHEMA_SELECT));

          await remote.execute({ sql: 'INSERT INTO filler (v) VALUES (?)', args: [`${sdk.name}: after the snapshot`] });
          assertIncremental(await replica.sync(), caughtUp);
          assert.deepEqual(await replica.query(FILLER_DIGEST), await remoteRows(remote, FILLER_DIGEST));
        } finally {
          replica.close();
        }

        const fresh = open('fresh');
        try {
          assertFromSnapshot(await fresh.sync(), { frame_no: -1 });
          assert.deepEqual(await fresh.query(FILLER_DIGEST), await remoteRows(remote, FILLER_DIGEST));
          assert.deepEqual(await fresh.query(SCHEMA_SELECT), await remoteRows(remote, SCHEMA_SELECT));
        } finally {
          fresh.close();
        }
      });
    }
  });

  describe(`${kind}: embedded replicas across a primary restart:`, { timeout: 60_000 }, () => {
    const server = useServer(kind);
    const dir = makeTempDir('replicas-restart');
    after(() => removeTempDir(dir));

    for (const sdk of SDKS) {
      it(`${sdk.name}: after a restart the replica resumes incrementally and still forwards writes`, async () => {
        const replica = sdk.open(join(dir, `${sdk.name.replace(/\W/g, '_')}.db`), { syncUrl: server.url });
        try {
          const before = createClient({ url: server.url });
          await before.execute('CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)');
          before.close();
          const first = await replica.sync();

          await server.restart();

          const remote = createClient({ url: server.url });
          try {
            const select = ['SELECT text FROM notes WHERE text LIKE ? ORDER BY id', [`${sdk.name}:%`]];
            await remote.execute({ sql: 'INSERT INTO notes (text) VALUES (?)', args: [`${sdk.name}: remote`] });
            assertIncremental(await replica.sync(), first);
            assert.deepEqual(await replica.query(...select), [[`${sdk.name}: remote`]]);
            await replica.run('INSERT INTO notes (text) VALUES (?)', [`${sdk.name}: through the replica`]);
            const expected = [[`${sdk.name}: remote`], [`${sdk.name}: through the replica`]];
            assert.deepEqual(await replica.query(...select), expected);
            assert.deepEqual(await remoteRows(remote, ...select), expected);
          } finally {
            remote.close();
          }
        } finally {
          replica.close();
        }
      });
    }
  });

  describe(`${kind}: embedded replicas with JWT auth:`, { timeout: 60_000 }, () => {
    const dir = makeTempDir('replicas-auth');
    const key = makeJwtKey(dir);
    const server = useServer(kind, { jwtKeyFile: key.publicKeyFile });
    const now = nowSeconds();
    const tokens = {
      rw: mintJwt(key.privateKey, { a: 'rw', iat: now, exp: now + 3600 }),
      ro: mintJwt(key.privateKey, { a: 'ro', iat: now, exp: now + 3600 }),
      garbage: 'not-a-jwt',
    };
    let remote;
    before(async () => {
      remote = createClient({ url: server.url, authToken: tokens.rw });
      await remote.execute('CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)');
    });
    after(() => {
      remote.close();
      removeTempDir(dir);
    });

    for (const sdk of SDKS) {
      const open = (name, authToken) =>
        sdk.open(join(dir, `${sdk.name.replace(/\W/g, '_')}-${name}.db`), { syncUrl: server.url, authToken });
      // The SDKs send "x-authorization: Bearer <token>" on every replication and proxy call. A rejected
      // proxy.Execute surfaces as the Debug form of the gRPC status, followed by its metadata and a backtrace.
      const assertWriteRejected = (error, status, message) => {
        const expected = `WriteDelegation(status: ${status}, message: ${JSON.stringify(message)}, `;
        assert.ok(error.message.startsWith(expected), `expected ${expected}…, got ${error.message}`);
      };

      it(`${sdk.name}: without a token, sync() fails and writes are rejected as unauthenticated`, async () => {
        const replica = open('none');
        try {
          // The SDK retries a failed Hello 3 times, a second apart, and reports only that the handshake timed out.
          const e = await rejection(replica.sync());
          assert.equal(e.message, 'Replication(PrimaryHandshakeTimeout)');
          const w = await rejection(replica.run('INSERT INTO notes (text) VALUES (?)', ['no token']));
          const message = "AuthError: Auth string does not conform to '<scheme> <token>' form";
          assertWriteRejected(w, 'Unauthenticated', message);
        } finally {
          replica.close();
        }
        assert.deepEqual(await remoteRows(remote, 'SELECT id FROM notes WHERE text = ?', ['no token']), []);
      });

      it(`${sdk.name}: with an invalid token, writes are rejected as unauthenticated`, async () => {
        const replica = open('garbage', tokens.garbage);
        try {
          const w = await rejection(replica.run('INSERT INTO notes (text) VALUES (?)', ['garbage token']));
          assertWriteRejected(w, 'Unauthenticated', 'AuthError: The JWT is invalid');
        } finally {
          replica.close();
        }
      });

      it(`${sdk.name}: with a read-write token, the replica syncs and forwards writes`, async () => {
        const replica = open('rw', tokens.rw);
        try {
          const first = await replica.sync();
          assert.equal(first.frames_synced, first.frame_no + 1);
          const text = `${sdk.name}: authenticated write`;
          const insert = await replica.run('INSERT INTO notes (text) VALUES (?)', [text]);
          const row = [[insert.lastInsertRowid, text]];
          assert.deepEqual(await replica.query('SELECT id, text FROM notes WHERE text = ?', [text]), row);
          assert.deepEqual(await remoteRows(remote, 'SELECT id, text FROM notes WHERE text = ?', [text]), row);
        } finally {
          replica.close();
        }
      });

      it(`${sdk.name}: with a read-only token, the replica syncs but writes are forbidden`, async () => {
        const replica = open('ro', tokens.ro);
        try {
          const first = await replica.sync();
          assert.equal(first.frames_synced, first.frame_no + 1);
          const count = 'SELECT count(*) FROM notes';
          assert.deepEqual(await replica.query(count), await remoteRows(remote, count));
          const w = await rejection(replica.run('INSERT INTO notes (text) VALUES (?)', ['read-only token']));
          assertWriteRejected(
            w,
            'PermissionDenied',
            "Authorization forbidden: Current session doesn't not have Write permission to namespace default",
          );
        } finally {
          replica.close();
        }
      });
    }
  });
}
