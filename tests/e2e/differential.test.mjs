// Differential test: one client script (@libsql/client and hrana-client v3, both over HTTP and again both over
// WebSocket, plus the native libsql remote client) runs against a fresh sqld and a fresh edgelite; every step's
// outcome (results with typed
// values, columns, declared types, rowsAffected, lastInsertRowid, or the error's name, code and message) is
// recorded, and edgelite's transcript must equal sqld's step by step. Only SQL_PARSE_ERROR texts are cut to
// their prefix (see plainError in lib/util.mjs). Set E2E_TRANSCRIPT_DIR to also write <kind>-<scheme>.json there, to
// inspect or diff the transcripts.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { createClient } from '@libsql/client';
import * as hrana from '@libsql/hrana-client';
import Database from 'libsql';
import { SERVER_KINDS, startServer } from './lib/server.mjs';
import { clientUrl, outcome } from './lib/util.mjs';

const SETUP = `
  CREATE TABLE kinds (id INTEGER PRIMARY KEY, i INTEGER, r REAL, t TEXT, b BLOB, n NUMERIC, any_col, d DATE DEFAULT '2020-01-01');
  CREATE TABLE strict_t (k TEXT PRIMARY KEY, v INTEGER NOT NULL) STRICT, WITHOUT ROWID;
  CREATE TABLE gen (a INTEGER, b INTEGER GENERATED ALWAYS AS (a * 2) STORED, c TEXT GENERATED ALWAYS AS ('#' || a) VIRTUAL);
  CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER DEFAULT 0, hits INTEGER DEFAULT 1);
  CREATE INDEX kinds_i ON kinds (i);
  CREATE VIEW kinds_view AS SELECT id, i * 2 AS double_i FROM kinds;
`;

/** The script: a list of [label, step] where step(ctx) returns what the client returned (or throws). */
const STEPS = [
  [
    'insert every type',
    ({ c }) =>
      c.execute({
        sql: 'INSERT INTO kinds (i, r, t, b, n, any_col) VALUES (?, ?, ?, ?, ?, ?)',
        args: [2n ** 63n - 1n, 0.1, 'héllo 😀', new Uint8Array([0, 1, 2, 255]), 12.5, null],
      }),
  ],
  [
    'insert named',
    ({ c }) =>
      c.execute({
        sql: 'INSERT INTO kinds (i, r, t, b, n, any_col) VALUES (:i, @r, $t, :b, :n, :a)',
        args: { i: -(2n ** 63n), r: -1e300, t: '', b: new Uint8Array(0), n: '42', a: 7n },
      }),
  ],
  [
    'insert affinity',
    ({ c }) => c.execute("INSERT INTO kinds (i, r, t, n, any_col) VALUES ('17', '2', 3, '1e3', x'ab')"),
  ],
  ['select *', ({ c }) => c.execute('SELECT * FROM kinds ORDER BY id')],
  [
    'select typeof',
    ({ c }) =>
      c.execute(
        'SELECT typeof(i), typeof(r), typeof(t), typeof(b), typeof(n), typeof(any_col), typeof(d) FROM kinds ORDER BY id',
      ),
  ],
  ['view', ({ c }) => c.execute('SELECT * FROM kinds_view WHERE id > 2')],
  ['strict insert', ({ c }) => c.execute("INSERT INTO strict_t VALUES ('a', 1), ('b', 2)")],
  ['strict type error', ({ c }) => c.execute("INSERT INTO strict_t VALUES ('c', 'not an int')")],
  ['generated columns', ({ c }) => c.batch(['INSERT INTO gen (a) VALUES (5)', 'SELECT * FROM gen'], 'write')],
  [
    'upsert insert',
    ({ c }) => c.execute("INSERT INTO kv (k, v) VALUES ('x', 1) ON CONFLICT (k) DO UPDATE SET hits = hits + 1"),
  ],
  [
    'upsert update',
    ({ c }) => c.execute("INSERT INTO kv (k, v) VALUES ('x', 1) ON CONFLICT (k) DO UPDATE SET hits = hits + 1"),
  ],
  ['insert or ignore', ({ c }) => c.execute("INSERT OR IGNORE INTO kv (k) VALUES ('x')")],
  ['replace', ({ c }) => c.execute("REPLACE INTO kv (k, v) VALUES ('x', 9)")],
  ['update lastInsertRowid', ({ c }) => c.execute('UPDATE kinds SET n = n + 1 WHERE id = 1')],
  // Each HTTP request without a baton is a new stream: sqld reports the state of a fresh connection there.
  ['connection state on a new stream', ({ c }) => c.execute('SELECT last_insert_rowid(), changes()')],
  [
    'returning',
    ({ c }) => c.execute("INSERT INTO kv (k, v) VALUES ('y', 2), ('z', 3) RETURNING k, v * 10 AS v10, rowid"),
  ],
  ['delete all', ({ c }) => c.execute('DELETE FROM kv')],
  [
    'expressions',
    ({ c }) =>
      c.execute(`SELECT 1 + 1, 7 / 2, 7 / 2.0, 1e308 * 10 IS NULL, -0.0, 0.1 + 0.2, 9007199254740993,
    quote(x'00ff'), hex('é'), printf('%.3f|%5d|%s', 3.14159, 42, 'x'), upper('ßtraße'), unicode('😀'), char(128512),
    substr('héllo', 2, 3), instr('abc', 'c'), round(2.5), cast('12abc' AS INTEGER), cast(3.99 AS INTEGER),
    coalesce(NULL, 'c'), nullif(1, 1), iif(1, 'y', 'n'), length(x'0000'), zeroblob(3), 'it''s', "kinds"."id" FROM kinds ORDER BY id LIMIT 1`),
  ],
  [
    'json',
    ({ c }) =>
      c.execute(`SELECT json_object('a', 1, 'b', json_array(1, 2.5, 'x', NULL)), json_extract('{"a":{"b":[1,2]}}', '$.a.b[1]'),
    json_type('{"a":1}', '$.a'), json_valid('{'), json_group_array(id) FROM (SELECT id FROM kinds ORDER BY id)`),
  ],
  [
    'dates',
    ({ c }) =>
      c.execute(
        "SELECT date('2020-02-28', '+1 day'), datetime(0, 'unixepoch'), strftime('%Y-%j', '2021-12-31'), julianday('2000-01-01')",
      ),
  ],
  [
    'window and cte',
    ({ c }) =>
      c.execute(`WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < 5)
    SELECT x, sum(x) OVER (ORDER BY x), row_number() OVER (ORDER BY x DESC), group_concat(x, '-') OVER () FROM s`),
  ],
  // Aggregates over ordered subqueries: without ORDER BY the row order depends on the SQLite version's planner.
  [
    'aggregates',
    ({ c }) =>
      c.execute(
        'SELECT count(*), sum(i), total(r), avg(id), min(t), max(t), group_concat(id) FROM (SELECT * FROM kinds ORDER BY id)',
      ),
  ],
  ['pragma table_info', ({ c }) => c.execute("SELECT * FROM pragma_table_info('kinds')")],
  ['pragma index_list', ({ c }) => c.execute('PRAGMA index_list(kinds)')],
  ['pragma user_version set', ({ c }) => c.execute('PRAGMA user_version = 7')],
  ['pragma user_version get', ({ c }) => c.execute('PRAGMA user_version')],
  ['pragma foreign_keys', ({ c }) => c.execute('PRAGMA foreign_keys')],
  [
    'schema',
    ({ c }) =>
      c.execute("SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY name"),
  ],
  [
    'batch mixed',
    ({ c }) =>
      c.batch(
        [
          "INSERT INTO kv (k) VALUES ('b1')",
          { sql: 'UPDATE kv SET v = ? WHERE k = ?', args: [5n, 'b1'] },
          'SELECT changes(), last_insert_rowid()',
          "SELECT * FROM kv WHERE k = 'b1'",
        ],
        'write',
      ),
  ],
  [
    'batch failing',
    ({ c }) => c.batch(["INSERT INTO kv (k) VALUES ('b2')", "INSERT INTO kv (k) VALUES ('b1')"], 'write'),
  ],
  ['batch read', ({ c }) => c.batch(['SELECT k FROM kv ORDER BY k', 'SELECT count(*) FROM kinds'], 'read')],
  [
    'executeMultiple',
    ({ c }) => c.executeMultiple("INSERT INTO kv (k) VALUES ('m1'); UPDATE kv SET v = 3 WHERE k = 'm1'; SELECT 1;"),
  ],
  [
    'executeMultiple failing',
    ({ c }) =>
      c.executeMultiple(
        "INSERT INTO kv (k) VALUES ('m2'); INSERT INTO nope VALUES (1); INSERT INTO kv (k) VALUES ('m3')",
      ),
  ],
  [
    'transaction',
    async ({ c }) => {
      const tx = await c.transaction('write');
      try {
        const out = [await tx.execute("INSERT INTO kv (k) VALUES ('t1')"), await tx.execute('SELECT count(*) FROM kv')];
        out.push(await tx.execute("INSERT INTO kv (k) VALUES ('t1')").catch((e) => e.code));
        await tx.rollback();
        return out;
      } finally {
        tx.close();
      }
    },
  ],
  [
    'migrate',
    ({ c }) =>
      c.migrate([
        'CREATE TABLE mig (id INTEGER PRIMARY KEY, kv_k TEXT REFERENCES kv (k))',
        "INSERT INTO mig VALUES (1, 'absent')",
      ]),
  ],
  [
    'errors',
    async ({ c }) => {
      const stmts = [
        'SELECT * FROM nope',
        "INSERT INTO kv (k) VALUES ('b1')",
        'SELECT nocol FROM kv',
        'SELEC 1',
        '',
        'SELECT 1; SELECT 2',
        { sql: 'SELECT ?, ?', args: [1] },
        "INSERT INTO mig VALUES (2, 'absent')",
        'ROLLBACK',
        'SELECT abs(-9223372036854775808)',
      ];
      const out = [];
      for (const s of stmts) out.push(await outcome(() => c.execute(s)));
      return out;
    },
  ],
  [
    'final state',
    ({ c }) => c.batch(['SELECT * FROM kv ORDER BY k', 'SELECT * FROM mig', 'SELECT count(*) FROM kinds'], 'read'),
  ],
  [
    'native get/all/run',
    ({ native }) => [
      native.prepare('SELECT id, i, r, t, b FROM kinds ORDER BY id').safeIntegers(true).all(),
      native.prepare('SELECT k, v FROM kv WHERE k = ?').get(['b1']),
      native.prepare('INSERT INTO kv (k, v) VALUES (?, ?)').run(['native', 1n]),
      native.prepare('SELECT count(*) AS n FROM kv').pluck().get(),
      native
        .prepare('SELECT * FROM kinds')
        .columns()
        .map((col) => col.name),
    ],
  ],
  [
    'native errors',
    ({ native }) => [
      outcome(() => native.prepare('SELECT * FROM nope').all()),
      outcome(() => native.prepare("INSERT INTO kv (k) VALUES ('native')").run()),
      outcome(() => native.prepare('SELEC').all()),
    ],
  ],
  ['hrana v3 describe', ({ h }) => h.describe('SELECT k, v, ?, :x FROM kv')],
  [
    'hrana v3 batch',
    async ({ h }) => {
      const b = h.batch(false);
      const s0 = b.step();
      const results = [
        s0.query('SELECT k FROM kv ORDER BY k LIMIT 2'),
        b.step().condition(hrana.BatchCond.ok(s0)).run("DELETE FROM kv WHERE k = 'native'"),
      ];
      await b.execute();
      return Promise.all(results);
    },
  ],
];

/** Runs the script on a new server of `kind`, with @libsql/client and hrana-client over `scheme`. */
async function runScript(kind, scheme) {
  const server = await startServer(kind);
  const url = clientUrl(server, scheme);
  const c = createClient({ url, intMode: 'bigint' });
  const native = new Database(server.url);
  const hc =
    scheme === 'ws' ? hrana.openWs(url, undefined, 3) : hrana.openHttp(url, undefined, undefined, undefined, 3);
  hc.intMode = 'bigint';
  const h = hc.openStream();
  try {
    await c.executeMultiple(SETUP);
    const transcript = [];
    for (const [label, step] of STEPS) {
      const result = await outcome(async () => {
        const value = await step({ c, native, h });
        return Array.isArray(value) ? Promise.all(value) : value;
      });
      transcript.push({ label, ...result });
    }
    return transcript;
  } finally {
    hc.close();
    native.close();
    c.close();
    await server.stop();
  }
}

for (const scheme of ['http', 'ws']) {
  describe(`differential over ${scheme}: the same script against sqld and edgelite`, { timeout: 120_000 }, () => {
    const transcripts = {};
    for (const kind of SERVER_KINDS) {
      it(`runs the script against ${kind}`, async () => {
        transcripts[kind] = await runScript(kind, scheme);
        const dir = process.env.E2E_TRANSCRIPT_DIR;
        if (dir) {
          mkdirSync(dir, { recursive: true });
          writeFileSync(join(dir, `${kind}-${scheme}.json`), `${JSON.stringify(transcripts[kind], null, 1)}\n`);
        }
      });
    }

    const both = SERVER_KINDS.includes('sqld') && SERVER_KINDS.includes('edgelite');
    it(
      'edgelite gives the same outcome as sqld for every step',
      { skip: both ? false : 'needs both servers in E2E_SERVERS' },
      () => {
        const { sqld, edgelite } = transcripts;
        assert.ok(sqld && edgelite, 'the script did not complete on both servers');
        const differing = sqld.map((_, k) => k).filter((k) => !isDeepStrictEqual(edgelite[k], sqld[k]));
        if (differing.length === 0) return;
        // Name every differing step, and show the diff of the first one.
        const labels = differing.map((k) => sqld[k].label).join('", "');
        assert.deepEqual(
          edgelite[differing[0]],
          sqld[differing[0]],
          `${differing.length} step(s) differ: "${labels}"; first:`,
        );
      },
    );
  });
}
