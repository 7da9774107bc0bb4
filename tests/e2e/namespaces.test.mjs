// Namespaces (many databases per server, `--enable-namespaces`) on edgelite, driven through the official clients
// exactly as an application would point them at one database: the base URL `http://host:port/db/<name>/` (with
// the final slash), which `@libsql/client` keeps for Hrana over HTTP (`POST /db/<name>/v2/pipeline`) and over
// WebSocket (the upgrade is `GET /db/<name>/`), and which embedded replicas keep for their gRPC-web calls
// (`POST /db/<name>//wal_log.ReplicationLog/...`, `/proxy.Proxy/...`, sent with `x-namespace-bin: MTI3`, i.e.
// "127", the first label of the host 127.0.0.1: the path must win over that header). Covered: namespaces created,
// listed and deleted through the admin API; two namespaces with the same table holding different rows, over
// HTTP (`http:` and `libsql:`), interactive transactions and batches; the same over WebSocket; embedded replicas
// of two namespaces (first sync, write forwarding, read-your-writes); the `x-namespace` / `x-namespace-bin`
// headers; an unknown namespace (404 `Namespace `x` doesn't exist`, and what each client makes of it); drizzle-orm
// on one namespace; a deleted namespace refusing every later request while the others keep working; a namespace
// deleted while a WebSocket still holds it (that client's statements refused, the name created again at once and
// served once the client lets go); tokens scoped to one namespace (`p` claims) over HTTP and WebSocket; the
// admin `/metrics` scrape read by the Prometheus project's own parser.
// Only edgelite is started here: the admin flags and the data layout differ from sqld's.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { createClient } from '@libsql/client';
import { count, eq, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/libsql';
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import {
  SERVER_KINDS,
  freePort,
  makeJwtKey,
  makeTempDir,
  mintJwt,
  removeTempDir,
  startServer,
} from './lib/server.mjs';
import { rejection } from './lib/util.mjs';

const ADMIN_KEY = 'e2e-namespaces-admin-key';
// The Prometheus project's parser (Debian's python3-prometheus-client), fed a scrape on stdin.
const PARSE_METRICS = join(dirname(fileURLToPath(import.meta.url)), 'lib', 'parse_metrics.py');
// Rows of `items`, a table created in both namespaces before the tests (same ids, different contents).
const ALPHA_ITEMS = [
  [1, 'alpha', 'apple'],
  [2, 'alpha', 'apricot'],
];
const BETA_ITEMS = [[1, 'beta', 'banana']];
const ITEMS = 'SELECT id, ns, label FROM items ORDER BY id';
const TABLES = "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name";
const doesntExist = (name) => JSON.stringify({ error: `Namespace \`${name}\` doesn't exist` });

/** Rows of a query through an @libsql/client (remote or replica), as arrays. */
async function rowsOf(client, stmt, args = []) {
  return (await client.execute({ sql: stmt, args })).rows.map((row) => Array.from(row));
}

/** Asserts that `promise` (a remote @libsql/client call) fails with the HTTP status `status` of the server. */
async function assertHttpStatus(promise, status) {
  const e = await rejection(promise);
  assert.equal(e.code, 'SERVER_ERROR', `unexpected error ${e}`);
  assert.equal(e.message, `SERVER_ERROR: Server returned HTTP status ${status}`);
  assert.equal(e.cause?.status, status);
}

describe(
  'edgelite: namespaces:',
  { timeout: 120_000, skip: !SERVER_KINDS.includes('edgelite') && 'E2E_SERVERS excludes edgelite' },
  () => {
    let server;
    let adminUrl;
    let replicaDir;
    const clients = [];
    /** A client that is closed after the tests. */
    const open = (config) => {
      const client = createClient(config);
      clients.push(client);
      return client;
    };
    const nsUrl = (name, scheme = 'http') => `${scheme}://127.0.0.1:${server.port}/db/${name}/`;
    const replicaPath = (name) => join(replicaDir, `${name}.db`);

    /** An admin API call; resolves with { status, body } (body as text). */
    async function admin(method, path, body) {
      const res = await fetch(`${adminUrl}${path}`, {
        method,
        headers: {
          authorization: `Basic ${ADMIN_KEY}`,
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        body,
      });
      return { status: res.status, body: await res.text() };
    }
    const listNamespaces = async () => {
      const { status, body } = await admin('GET', '/v1/namespaces');
      assert.equal(status, 200, body);
      return JSON.parse(body).namespaces.sort();
    };

    /**
     * One statement as raw Hrana 3 JSON (`POST <path>v3/pipeline`, stream closed at once) with extra headers, to
     * control exactly how the namespace is named. Resolves with { status, rows } or { status, error } (the
     * statement's error message) or, for a non-200 answer, { status, body }.
     */
    async function rawQuery(path, stmt, headers = {}) {
      const res = await fetch(`${server.url}${path}v3/pipeline`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ requests: [{ type: 'execute', stmt: { sql: stmt } }, { type: 'close' }] }),
      });
      const body = await res.text();
      if (res.status !== 200) return { status: res.status, body };
      const [result] = JSON.parse(body).results;
      if (result.type === 'error') return { status: res.status, error: result.error.message };
      const values = (row) => row.map((v) => (v.type === 'integer' ? Number(v.value) : v.value));
      return { status: res.status, rows: result.response.result.rows.map(values) };
    }

    before(async () => {
      const adminPort = await freePort();
      server = await startServer('edgelite', {
        extraArgs: [
          '--enable-namespaces',
          '--admin-listen-addr',
          `127.0.0.1:${adminPort}`,
          '--admin-auth-key',
          ADMIN_KEY,
        ],
      });
      const adminListening = `listening for admin HTTP connections on 127.0.0.1:${adminPort}`;
      await server.waitForOutput((line) => line.includes(adminListening), { what: 'the admin listener' });
      adminUrl = `http://127.0.0.1:${adminPort}`;
      replicaDir = makeTempDir('ns-replicas');

      for (const name of ['alpha', 'beta']) {
        assert.deepEqual(await admin('POST', `/v1/namespaces/${name}/create`, '{}'), { status: 200, body: '{}' });
      }
      const seed = [
        ['alpha', ALPHA_ITEMS],
        ['beta', BETA_ITEMS],
      ];
      for (const [name, rows] of seed) {
        const client = open({ url: nsUrl(name) });
        await client.execute('CREATE TABLE items (id INTEGER PRIMARY KEY, ns TEXT NOT NULL, label TEXT NOT NULL)');
        await client.batch(
          rows.map((args) => ({ sql: 'INSERT INTO items (id, ns, label) VALUES (?, ?, ?)', args })),
          'write',
        );
      }
    });
    after(async () => {
      for (const client of clients) client.close();
      if (replicaDir) removeTempDir(replicaDir);
      if (server) await server.stop();
    });

    it('the admin API lists the created namespaces and refuses requests without the key', async () => {
      assert.deepEqual(await listNamespaces(), ['alpha', 'beta', 'default']);
      const res = await fetch(`${adminUrl}/v1/namespaces/nokey/create`, { method: 'POST', body: '{}' });
      await res.arrayBuffer();
      assert.equal(res.status, 401);
      assert.deepEqual(await listNamespaces(), ['alpha', 'beta', 'default'], 'nothing created without the key');
    });

    it('over HTTP, each namespace sees only its own rows; transactions and batches stay in it', async () => {
      const alpha = open({ url: nsUrl('alpha') });
      const beta = open({ url: nsUrl('beta') });
      const notes = 'SELECT id, body FROM notes ORDER BY id';

      assert.deepEqual(await rowsOf(alpha, ITEMS), ALPHA_ITEMS);
      assert.deepEqual(await rowsOf(beta, ITEMS), BETA_ITEMS);

      // The same table in both, different rows.
      for (const client of [alpha, beta]) {
        await client.execute('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
      }
      const insertNote = 'INSERT INTO notes (body) VALUES (?)';
      assert.equal((await alpha.execute({ sql: insertNote, args: ['alpha one'] })).lastInsertRowid, 1n);
      assert.equal((await alpha.execute({ sql: insertNote, args: ['alpha two'] })).lastInsertRowid, 2n);
      const betaInsert = await beta.execute({ sql: insertNote, args: ['beta one'] });
      assert.equal(betaInsert.lastInsertRowid, 1n, "beta's rowids do not continue alpha's");
      assert.deepEqual(await rowsOf(alpha, notes), [
        [1, 'alpha one'],
        [2, 'alpha two'],
      ]);
      assert.deepEqual(await rowsOf(beta, notes), [[1, 'beta one']]);

      // `libsql://host/db/alpha/?tls=0` is the same database as `http://host/db/alpha/`.
      const viaLibsql = open({ url: `libsql://127.0.0.1:${server.port}/db/alpha/?tls=0` });
      assert.deepEqual(await rowsOf(viaLibsql, notes), await rowsOf(alpha, notes));

      // The default namespace (no path) got none of it.
      const plain = open({ url: server.url });
      assert.deepEqual(await rowsOf(plain, TABLES), []);

      // An interactive transaction on alpha: its reads see its write, nobody else does until it commits.
      const tx = await alpha.transaction('write');
      try {
        await tx.execute({ sql: insertNote, args: ['alpha tx'] });
        assert.deepEqual(await rowsOf(tx, 'SELECT count(*) FROM notes'), [[3]]);
        assert.deepEqual(await rowsOf(alpha, 'SELECT count(*) FROM notes'), [[2]], 'not visible before the commit');
        assert.deepEqual(await rowsOf(beta, notes), [[1, 'beta one']]);
        await tx.commit();
      } finally {
        tx.close();
      }
      assert.deepEqual(await rowsOf(alpha, notes), [
        [1, 'alpha one'],
        [2, 'alpha two'],
        [3, 'alpha tx'],
      ]);
      assert.deepEqual(await rowsOf(beta, notes), [[1, 'beta one']], 'beta is unaffected by the commit');

      // A batch on beta.
      const results = await beta.batch(
        [
          { sql: insertNote, args: ['beta batch 1'] },
          { sql: insertNote, args: ['beta batch 2'] },
          'SELECT count(*) FROM notes',
        ],
        'write',
      );
      assert.deepEqual(
        results.map((rs) => rs.rowsAffected),
        [1, 1, 0],
      );
      assert.deepEqual(results[2].rows.map((row) => Array.from(row)), [[3]]);
      assert.deepEqual(await rowsOf(beta, notes), [
        [1, 'beta one'],
        [2, 'beta batch 1'],
        [3, 'beta batch 2'],
      ]);
      assert.deepEqual(await rowsOf(alpha, "SELECT count(*) FROM notes WHERE body LIKE 'beta%'"), [[0]]);
    });

    it('over WebSocket (ws://host/db/<name>/), each namespace sees only its own rows', async () => {
      const wsAlpha = open({ url: nsUrl('alpha', 'ws') });
      const wsBeta = open({ url: nsUrl('beta', 'ws') });
      const httpAlpha = open({ url: nsUrl('alpha') });
      const httpBeta = open({ url: nsUrl('beta') });
      assert.deepEqual(await rowsOf(wsAlpha, ITEMS), ALPHA_ITEMS);
      assert.deepEqual(await rowsOf(wsBeta, ITEMS), BETA_ITEMS);

      await wsAlpha.execute('CREATE TABLE ws_notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
      const tx = await wsAlpha.transaction('write');
      try {
        await tx.execute("INSERT INTO ws_notes (body) VALUES ('ws tx 1'), ('ws tx 2')");
        assert.deepEqual(await rowsOf(tx, 'SELECT body FROM ws_notes ORDER BY id'), [['ws tx 1'], ['ws tx 2']]);
        assert.deepEqual(await rowsOf(httpAlpha, 'SELECT count(*) FROM ws_notes'), [[0]], 'not before the commit');
        await tx.commit();
      } finally {
        tx.close();
      }
      assert.deepEqual(await rowsOf(httpAlpha, 'SELECT body FROM ws_notes ORDER BY id'), [['ws tx 1'], ['ws tx 2']]);
      const wsNotesTable = "SELECT count(*) FROM sqlite_schema WHERE name = 'ws_notes'";
      assert.deepEqual(await rowsOf(httpBeta, wsNotesTable), [[0]], 'beta has no ws_notes');
      assert.deepEqual(await rowsOf(wsBeta, wsNotesTable), [[0]]);
    });

    it('the x-namespace and x-namespace-bin headers name a namespace; the /db/<name>/ path wins', async () => {
      const labels = 'SELECT label FROM items ORDER BY id';
      assert.deepEqual(await rawQuery('/', labels, { 'x-namespace': 'alpha' }), {
        status: 200,
        rows: [['apple'], ['apricot']],
      });
      assert.deepEqual(await rawQuery('/', labels, { 'x-namespace-bin': Buffer.from('beta').toString('base64') }), {
        status: 200,
        rows: [['banana']],
      });
      // What embedded replicas send along with their /db/alpha/ path: "127", the first label of 127.0.0.1.
      assert.deepEqual(await rawQuery('/db/alpha/', labels, { 'x-namespace-bin': 'MTI3' }), {
        status: 200,
        rows: [['apple'], ['apricot']],
      });
      assert.deepEqual(await rawQuery('/db/beta/', labels, { 'x-namespace': 'alpha' }), {
        status: 200,
        rows: [['banana']],
      });
      // Neither: the default namespace, which has no `items`.
      assert.deepEqual(await rawQuery('/', labels), { status: 200, error: 'SQLite error: no such table: items' });
    });

    it('embedded replicas (file: + syncUrl http://host/db/<name>/) replicate their own namespace', async () => {
      const remoteAlpha = open({ url: nsUrl('alpha') });
      await remoteAlpha.execute('CREATE TABLE replica_notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');

      const alpha = open({ url: `file:${replicaPath('alpha')}`, syncUrl: nsUrl('alpha') });
      const first = await alpha.sync();
      assert.ok(first.frame_no > 0 && first.frames_synced === first.frame_no + 1, JSON.stringify(first));
      assert.deepEqual(await rowsOf(alpha, ITEMS), ALPHA_ITEMS);
      assert.deepEqual(await rowsOf(alpha, TABLES), await rowsOf(remoteAlpha, TABLES));

      // A write through the replica runs on alpha's primary and is read back locally.
      const insert = await alpha.execute({ sql: 'INSERT INTO replica_notes (body) VALUES (?)', args: ['via replica'] });
      assert.equal(insert.rowsAffected, 1);
      assert.deepEqual(await rowsOf(alpha, 'SELECT id, body FROM replica_notes'), [[1, 'via replica']]);
      assert.deepEqual(await rowsOf(remoteAlpha, 'SELECT id, body FROM replica_notes'), [[1, 'via replica']]);
      // A remote write shows up after sync().
      await remoteAlpha.execute("INSERT INTO replica_notes (body) VALUES ('via remote')");
      await alpha.sync();
      assert.deepEqual(await rowsOf(alpha, 'SELECT id, body FROM replica_notes ORDER BY id'), [
        [1, 'via replica'],
        [2, 'via remote'],
      ]);

      // A replica of beta, in another file, sees beta's rows only.
      const beta = open({ url: `file:${replicaPath('beta')}`, syncUrl: nsUrl('beta') });
      await beta.sync();
      assert.deepEqual(await rowsOf(beta, ITEMS), BETA_ITEMS);
      assert.deepEqual(await rowsOf(beta, "SELECT count(*) FROM sqlite_schema WHERE name = 'replica_notes'"), [[0]]);
      await beta.execute("INSERT INTO items (ns, label) VALUES ('beta', 'blueberry')");
      await beta.sync();
      assert.deepEqual(await rowsOf(beta, 'SELECT label FROM items ORDER BY id'), [['banana'], ['blueberry']]);
      assert.deepEqual(await rowsOf(alpha, ITEMS), ALPHA_ITEMS, "beta's write did not reach alpha's replica");
      assert.deepEqual(await rowsOf(remoteAlpha, ITEMS), ALPHA_ITEMS, "nor alpha's primary");
      await rowsOf(open({ url: nsUrl('beta') }), 'DELETE FROM items WHERE label = ?', ['blueberry']);
    });

    it('/metrics parses with the Prometheus parser: requests by namespace and transport, replicas and their lag', async () => {
      const wsAlpha = open({ url: nsUrl('alpha').replace('http:', 'ws:') });
      await wsAlpha.execute('SELECT 1');
      const replica = open({ url: `file:${replicaPath('alpha')}`, syncUrl: nsUrl('alpha') });
      await replica.sync();

      const { status, body } = await admin('GET', '/metrics');
      assert.equal(status, 200);
      const parsed = spawnSync('/usr/bin/python3', [PARSE_METRICS], { input: body, encoding: 'utf8' });
      assert.equal(parsed.status, 0, `the Prometheus parser refused the scrape: ${parsed.stderr}`);
      const samples = parsed.stdout.trim().split('\n').map((line) => JSON.parse(line));
      // The parser names a counter's sample `<name>_total`.
      const value = (name, labels) =>
        samples.find(
          (s) =>
            (s.name === name || (s.type === 'counter' && s.name === `${name}_total`)) &&
            Object.entries(labels).every(([k, v]) => s.labels[k] === v),
        )?.value;

      for (const transport of ['http', 'ws']) {
        const requests = value('edgelite_request_duration_seconds_count', { namespace: 'alpha', transport });
        assert.ok(requests > 0, `alpha's ${transport} requests: ${requests}`);
      }
      assert.ok(value('libsql_server_rows_written', { namespace: 'alpha' }) >= ALPHA_ITEMS.length);
      assert.ok(value('libsql_server_rows_written', { namespace: 'beta' }) >= BETA_ITEMS.length);
      assert.ok(value('edgelite_replicas', { namespace: 'alpha' }) >= 1);
      // The replica has just synced, and nothing was written since.
      assert.equal(value('edgelite_replication_lag_frames', { namespace: 'alpha' }), 0);
      assert.ok(value('libsql_server_embedded_replica_frames_replicated', { namespace: 'alpha' }) > 0);
      assert.equal(value('edgelite_active_namespaces', {}) >= 2, true);
    });

    it('an unknown namespace is a 404 "Namespace `gamma` doesn\'t exist" for every client', async () => {
      assert.deepEqual(await rawQuery('/db/gamma/', 'SELECT 1'), { status: 404, body: doesntExist('gamma') });
      assert.deepEqual(await rawQuery('/', 'SELECT 1', { 'x-namespace': 'gamma' }), {
        status: 404,
        body: doesntExist('gamma'),
      });

      // @libsql/client over HTTP surfaces only the status, not the server's message.
      await assertHttpStatus(open({ url: nsUrl('gamma') }).execute('SELECT 1'), 404);
      const ws = await rejection(open({ url: nsUrl('gamma', 'ws') }).execute('SELECT 1'));
      assert.equal(ws.code, 'HRANA_WEBSOCKET_ERROR');
      assert.equal(ws.message, 'HRANA_WEBSOCKET_ERROR: Unexpected server response: 404');

      // An embedded replica: its sync fails (the gRPC-web Hello gets FAILED_PRECONDITION NAMESPACE_DOESNT_EXIST).
      const replica = open({ url: `file:${replicaPath('gamma')}`, syncUrl: nsUrl('gamma') });
      const e = await rejection(replica.sync());
      assert.equal(e.message, 'Replication(NamespaceDoesntExist)');

      assert.deepEqual(await listNamespaces(), ['alpha', 'beta', 'default'], 'using gamma did not create it');
    });

    it('drizzle-orm (libsql driver) on one namespace', async () => {
      for (const scheme of ['http', 'ws']) {
        const pets = sqliteTable(`pets_${scheme}`, {
          id: integer('id').primaryKey({ autoIncrement: true }),
          name: text('name').notNull(),
          owner: text('owner'),
        });
        const db = drizzle({ client: open({ url: nsUrl('alpha', scheme) }) });
        await db.run(
          sql`CREATE TABLE ${pets} (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, owner TEXT)`,
        );
        const inserted = await db
          .insert(pets)
          .values([{ name: 'rex', owner: 'ann' }, { name: 'tom' }])
          .returning();
        assert.deepEqual(inserted, [
          { id: 1, name: 'rex', owner: 'ann' },
          { id: 2, name: 'tom', owner: null },
        ]);
        assert.deepEqual(await db.select({ id: pets.id }).from(pets).where(eq(pets.name, 'tom')), [{ id: 2 }]);
        assert.deepEqual(await db.select({ n: count() }).from(pets), [{ n: 2 }]);

        // Written to alpha, nowhere else.
        const remoteAlpha = open({ url: nsUrl('alpha') });
        assert.deepEqual(await rowsOf(remoteAlpha, `SELECT name, owner FROM pets_${scheme} ORDER BY id`), [
          ['rex', 'ann'],
          ['tom', null],
        ]);
        const onBeta = drizzle({ client: open({ url: nsUrl('beta', scheme) }) });
        await assert.rejects(onBeta.select().from(pets), (e) => {
          // drizzle wraps the client error; the LibsqlError is its cause.
          assert.match(e.cause?.message ?? '', new RegExp(`no such table: pets_${scheme}`));
          return true;
        });
      }
    });

    it('a deleted namespace refuses later requests; the others keep working', async () => {
      const beta = open({ url: nsUrl('beta') });
      assert.deepEqual(await rowsOf(beta, ITEMS), BETA_ITEMS);

      assert.deepEqual(await admin('DELETE', '/v1/namespaces/beta'), { status: 200, body: '{}' });
      assert.deepEqual(await listNamespaces(), ['alpha', 'default']);

      await assertHttpStatus(beta.execute(ITEMS), 404);
      assert.deepEqual(await rawQuery('/db/beta/', ITEMS), { status: 404, body: doesntExist('beta') });
      const ws = await rejection(open({ url: nsUrl('beta', 'ws') }).execute(ITEMS));
      assert.equal(ws.message, 'HRANA_WEBSOCKET_ERROR: Unexpected server response: 404');
      const replica = open({ url: `file:${replicaPath('beta-after-delete')}`, syncUrl: nsUrl('beta') });
      assert.equal((await rejection(replica.sync())).message, 'Replication(NamespaceDoesntExist)');
      // Deleting it again.
      assert.deepEqual(await admin('DELETE', '/v1/namespaces/beta'), { status: 404, body: doesntExist('beta') });

      // alpha is untouched and still takes writes.
      const alpha = open({ url: nsUrl('alpha') });
      assert.deepEqual(await rowsOf(alpha, ITEMS), ALPHA_ITEMS);
      await alpha.execute('CREATE TABLE after_delete (body TEXT)');
      await alpha.execute("INSERT INTO after_delete VALUES ('after beta was deleted')");
      assert.deepEqual(await rowsOf(alpha, 'SELECT body FROM after_delete'), [['after beta was deleted']]);
    });

    it('a deleted namespace refuses the clients that still hold it, and its name is served again once they let go', async () => {
      // The registry moves a deleted namespace's files aside at once, so the name can be created again; the old
      // database lives on while a client holds it (an open WebSocket here), refusing every statement, and the new
      // one is served once the old one is released (until then: 503 with the reason).
      assert.deepEqual(await admin('POST', '/v1/namespaces/delta/create', '{}'), { status: 200, body: '{}' });
      const holder = open({ url: nsUrl('delta', 'ws') });
      await holder.execute('CREATE TABLE old_delta (x)');
      assert.deepEqual(await admin('DELETE', '/v1/namespaces/delta'), { status: 200, body: '{}' });
      assert.deepEqual(await rawQuery('/db/delta/', TABLES), { status: 404, body: doesntExist('delta') });
      // No acknowledged write into a deleted database.
      const refused = await rejection(holder.execute('INSERT INTO old_delta VALUES (1)'));
      assert.match(refused.message, /namespace `delta` was deleted/);

      assert.deepEqual(await admin('POST', '/v1/namespaces/delta/create', '{}'), { status: 200, body: '{}' });
      assert.ok((await listNamespaces()).includes('delta'));
      const waiting = await rawQuery('/db/delta/', TABLES);
      assert.equal(waiting.status, 503);
      assert.match(waiting.body, /was deleted and created again while clients still hold the deleted one/);
      holder.close();
      let reborn;
      for (let attempt = 0; attempt < 100; attempt++) {
        reborn = await rawQuery('/db/delta/', TABLES);
        if (reborn.status !== 503) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.deepEqual(reborn, { status: 200, rows: [] }, 'nothing of the old delta');
      const delta = open({ url: nsUrl('delta') });
      await delta.execute('CREATE TABLE items (id INTEGER PRIMARY KEY, label TEXT)');
      await delta.execute("INSERT INTO items (label) VALUES ('reborn')");
      assert.deepEqual(await rowsOf(delta, 'SELECT id, label FROM items'), [[1, 'reborn']]);
      assert.deepEqual(await rowsOf(open({ url: nsUrl('alpha') }), ITEMS), ALPHA_ITEMS);
    });
  },
);

// A token scoped to one namespace reaches it over HTTP and WebSocket, and no other: the other answers as if it did
// not exist, whichever transport asks.
describe(
  'edgelite: namespace-scoped tokens',
  { skip: !SERVER_KINDS.includes('edgelite') && 'E2E_SERVERS excludes edgelite', timeout: 60_000 },
  () => {
    const keyDir = makeTempDir('ns-jwt');
    const key = makeJwtKey(keyDir);
    let server;
    let adminPort;
    const clients = [];
    const open = (config) => {
      const client = createClient(config);
      clients.push(client);
      return client;
    };
    const url = (name, scheme) => `${scheme}://127.0.0.1:${server.port}/db/${name}/`;

    before(async () => {
      adminPort = await freePort();
      server = await startServer('edgelite', {
        jwtKeyFile: key.publicKeyFile,
        extraArgs: ['--enable-namespaces', '--admin-listen-addr', `127.0.0.1:${adminPort}`],
      });
      const adminListening = `listening for admin HTTP connections on 127.0.0.1:${adminPort}`;
      await server.waitForOutput((line) => line.includes(adminListening), { what: 'the admin listener' });
      for (const name of ['alpha', 'beta']) {
        const res = await fetch(`http://127.0.0.1:${adminPort}/v1/namespaces/${name}/create`, {
          method: 'POST',
          body: '{}',
        });
        assert.equal(res.status, 200);
      }
    });
    after(async () => {
      for (const client of clients) client.close();
      await server?.stop();
      removeTempDir(keyDir);
    });

    for (const scheme of ['http', 'ws']) {
      it(`over ${scheme}`, async () => {
        const alphaOnly = mintJwt(key.privateKey, { p: { rw: { ns: ['alpha'] } } });
        const alpha = open({ url: url('alpha', scheme), authToken: alphaOnly });
        const table = `t_${scheme}`;
        await alpha.execute(`CREATE TABLE ${table} (x)`);
        await alpha.execute(`INSERT INTO ${table} VALUES (1)`);
        assert.deepEqual((await alpha.execute(`SELECT count(*) AS n FROM ${table}`)).rows[0].n, 1);
        const beta = open({ url: url('beta', scheme), authToken: alphaOnly });
        const refused = await rejection(beta.execute('SELECT 1'));
        const expected = scheme === 'http' ? /HTTP status 404/ : /Namespace `beta` doesn't exist/;
        assert.match(`${refused.message} ${refused.cause?.message ?? ''}`, expected);
      });
    }
  },
);
