// Requests that must run as the client wrote them, with several clients at once, against sqld and edgelite:
// - the legacy `POST /` with {"statements": [...]}, strings and {"q", "params"} objects mixed, answers 200 with
//   one result per statement (a plain list of statements, not an interactive transaction);
// - a statement is one statement however many `;` its quoted parts hold: `SELECT "a;b"` is an error because no
//   column a;b exists (double-quoted strings are identifiers, as in libSQL's build), not a string literal nor two
//   statements.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient } from '@libsql/client';
import { SERVER_KINDS, useServer } from './lib/server.mjs';
import { CLIENT_SCHEMES, clientUrl, rejection } from './lib/util.mjs';
import { execute, parallel, pipeline, underWriteLoad } from './lib/hrana-http.mjs';

const CLIENTS = 6;
const ROUNDS = 3;

/** POST / with a legacy body; resolves with the status and, for 200, each statement's { columns, rows }. */
async function legacy(server, statements) {
  const res = await fetch(`${server.url}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ statements }),
  });
  const text = await res.text();
  if (res.status !== 200) return { status: res.status, body: text };
  return {
    status: 200,
    results: JSON.parse(text).map((r) => (r.results ? { columns: r.results.columns, rows: r.results.rows } : r)),
  };
}

for (const kind of SERVER_KINDS) {
  describe(`${kind}: isolation, requests as written:`, { timeout: 30_000 }, () => {
    const server = useServer(kind);
    // SQLite 3.53 (edgelite's) words this error more helpfully than 3.45 (sqld's).
    const noSuchColumn =
      kind === 'sqld' ? 'no such column: a;b' : 'no such column: "a;b" - should this be a string literal in single-quotes?';
    let client;
    before(async () => {
      client = createClient({ url: server.url });
      await client.executeMultiple(`
        CREATE TABLE log (x);
        CREATE TABLE load (tag TEXT PRIMARY KEY);
      `);
    });
    after(() => client.close());
    const load = (prefix) => ({ table: 'load', prefix, clients: 2 });

    it('legacy POST / with one INSERT answers 200 with one result', async () => {
      assert.deepEqual(await legacy(server, ['INSERT INTO log VALUES(42)']), {
        status: 200,
        results: [{ columns: [], rows: [] }],
      });
      assert.deepEqual((await client.execute('SELECT x FROM log WHERE x = 42')).rows.map((r) => r.x), [42]);
    });

    it('legacy POST / with strings and {q, params} mixed answers 200 with one result per statement', async () => {
      const answers = await underWriteLoad(server, load('legacy'), () =>
        parallel(CLIENTS, async (c) => {
          const seen = [];
          for (let r = 0; r < ROUNDS; r++) {
            const x = 1000 + 100 * c + 10 * r;
            seen.push(
              await legacy(server, [
                `INSERT INTO log VALUES(${x})`,
                { q: 'INSERT INTO log VALUES(?)', params: [x + 1] },
                { q: 'SELECT x FROM log WHERE x BETWEEN ? AND ? ORDER BY x', params: [x, x + 9] },
                { q: 'SELECT :a AS a', params: { ':a': x } },
              ]),
            );
          }
          return seen;
        }),
      );
      answers.flat().forEach((answer, i) => {
        const c = Math.floor(i / ROUNDS);
        const x = 1000 + 100 * c + 10 * (i % ROUNDS);
        assert.deepEqual(answer, {
          status: 200,
          results: [
            { columns: [], rows: [] },
            { columns: [], rows: [] },
            { columns: ['x'], rows: [[x], [x + 1]] },
            { columns: ['a'], rows: [[x]] },
          ],
        });
      });
      const rs = await client.execute('SELECT count(*) AS n FROM log WHERE x >= 1000');
      assert.equal(rs.rows[0].n, 2 * CLIENTS * ROUNDS);
    });

    for (const scheme of CLIENT_SCHEMES) {
      it(`SELECT "a;b" is an error (no such column a;b) over ${scheme}, and ';' inside quotes splits nothing`, async () => {
        const c = createClient({ url: clientUrl(server, scheme) });
        try {
          const outcomes = await parallel(CLIENTS, async () => {
            const e = await rejection(c.execute('SELECT "a;b"'));
            const quoted = await c.execute(`SELECT 'a;b' AS s, "x;y" FROM (SELECT 1 AS "x;y")`);
            return { code: e.code, message: e.message, rows: quoted.rows.map((r) => Array.from(r)) };
          });
          assert.deepEqual(
            outcomes,
            new Array(CLIENTS).fill({
              code: 'SQL_INPUT_ERROR',
              message: `SQL_INPUT_ERROR: SQL input error: ${noSuchColumn} (at offset 7)`,
              rows: [['a;b', 1]],
            }),
          );
        } finally {
          c.close();
        }
      });
    }

    it('SELECT "a;b" in a /v3/pipeline fails that statement only', async () => {
      const answer = await pipeline(server, [
        execute('SELECT "a;b"'),
        execute('SELECT 1 AS one'),
        { type: 'close' },
      ]);
      assert.equal(answer.status, 200, answer.body);
      assert.deepEqual(answer.results[0], {
        type: 'error',
        error: { message: `SQL input error: ${noSuchColumn} (at offset 7)`, code: 'SQL_INPUT_ERROR' },
      });
      assert.equal(answer.results[1].type, 'ok');
    });
  });
}
