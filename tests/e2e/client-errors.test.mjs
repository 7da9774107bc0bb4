// Error objects that @libsql/client surfaces from sqld and edgelite over `http://`, `libsql://…?tls=0` and
// `ws://`: the Hrana error code (constraint violations, SQLite runtime errors, prepare errors with their
// offset, parse errors, empty and multi-statement SQL, argument mismatches), the exact message, the failed
// statement's index in a batch, and that the client stays usable.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient, LibsqlError } from '@libsql/client';
import { SERVER_KINDS, useServer } from './lib/server.mjs';
import { CLIENT_SCHEMES, clientUrl, rejection } from './lib/util.mjs';

const SCHEMA = `
  CREATE TABLE parent (id INTEGER PRIMARY KEY);
  CREATE TABLE t (id INTEGER PRIMARY KEY, x TEXT UNIQUE, y TEXT NOT NULL DEFAULT 'd', z INTEGER CHECK (z > 0),
                  pid INTEGER REFERENCES parent (id));
  CREATE TRIGGER no_boom BEFORE INSERT ON t WHEN new.x = 'boom' BEGIN SELECT RAISE(ABORT, 'trigger says no'); END;
  INSERT INTO t (x) VALUES ('taken');
`;

// [statement, expected code, expected message without the client's "CODE: " prefix]
// sqld reports a failed prepare as SQL_INPUT_ERROR with SQLite's error offset when SQLite knows it, and other
// SQLite errors as "SQLite error: …" with SQLITE_<primary code>, where plain SQLITE_ERROR becomes SQLITE_UNKNOWN.
const CASES = [
  ['SELECT * FROM nope', 'SQLITE_UNKNOWN', 'SQLite error: no such table: nope'],
  ["INSERT INTO t (x) VALUES ('taken')", 'SQLITE_CONSTRAINT', 'SQLite error: UNIQUE constraint failed: t.x'],
  ['INSERT INTO t (y) VALUES (NULL)', 'SQLITE_CONSTRAINT', 'SQLite error: NOT NULL constraint failed: t.y'],
  ['INSERT INTO t (z) VALUES (0)', 'SQLITE_CONSTRAINT', 'SQLite error: CHECK constraint failed: z > 0'],
  ['INSERT INTO t (pid) VALUES (42)', 'SQLITE_CONSTRAINT', 'SQLite error: FOREIGN KEY constraint failed'],
  ["INSERT INTO t (x) VALUES ('boom')", 'SQLITE_CONSTRAINT', 'SQLite error: trigger says no'],
  ["INSERT INTO t (id) VALUES ('abc')", 'SQLITE_MISMATCH', 'SQLite error: datatype mismatch'],
  ['SELECT abs(-9223372036854775808)', 'SQLITE_UNKNOWN', 'SQLite error: integer overflow'],
  ['COMMIT', 'SQLITE_UNKNOWN', 'SQLite error: cannot commit - no transaction is active'],
  ['SELECT nocol FROM t', 'SQL_INPUT_ERROR', 'SQL input error: no such column: nocol (at offset 7)'],
  ['SELECT no_such_fn()', 'SQL_INPUT_ERROR', 'SQL input error: no such function: no_such_fn (at offset 7)'],
  ['CREATE TABLE t (a)', 'SQL_INPUT_ERROR', 'SQL input error: table t already exists (at offset 13)'],
  ['', 'SQL_NO_STATEMENT', 'SQL string does not contain any statement'],
  ['  -- only a comment', 'SQL_NO_STATEMENT', 'SQL string does not contain any statement'],
  ['SELECT 1; SELECT 2', 'SQL_MANY_STATEMENTS', 'SQL string contains more than one statement'],
  [{ sql: 'SELECT ?' }, 'ARGS_INVALID', 'Arguments do not match SQL parameters: value for parameter 1 not found'],
  [
    { sql: 'SELECT ?1, ?2', args: ['a'] },
    'ARGS_INVALID',
    'Arguments do not match SQL parameters: value for parameter ?2 not found',
  ],
  [
    { sql: 'SELECT :a, :b', args: { a: 1 } },
    'ARGS_INVALID',
    'Arguments do not match SQL parameters: value for parameter :b not found',
  ],
  [
    { sql: 'SELECT ?', args: [1, 2] },
    'ARGS_INVALID',
    'Arguments do not match SQL parameters: too many parameters, expected 1 found 2',
  ],
  [
    { sql: 'SELECT :a', args: { a: 1, b: 2 } },
    'ARGS_INVALID',
    'Arguments do not match SQL parameters: too many parameters, expected 1 found 2',
  ],
];

// sqld parses SQL with its own parser first; the text after this prefix is that parser's wording, so only the
// code and the prefix are required to match.
const PARSE_CASES = ['SELEC 1', 'SELECT * FROM t WHERE', "SELECT 'unterminated"];
const PARSE_PREFIX = 'SQL string could not be parsed: ';

for (const kind of SERVER_KINDS) {
  for (const scheme of CLIENT_SCHEMES) {
    describe(`${kind}: errors over ${scheme}:`, { timeout: 60_000 }, () => {
      const server = useServer(kind);
      let db;
      before(async () => {
        db = createClient({ url: clientUrl(server, scheme) });
        await db.executeMultiple(SCHEMA);
      });
      after(() => db.close());

      for (const [stmt, code, message] of CASES) {
        it(`${JSON.stringify(stmt)} → ${code}`, async () => {
          const e = await rejection(db.execute(stmt));
          assert.ok(e instanceof LibsqlError, String(e));
          assert.equal(e.name, 'LibsqlError');
          assert.equal(e.code, code);
          assert.equal(e.message, `${code}: ${message}`);
          // Hrana errors carry no numeric SQLite codes.
          assert.equal(e.rawCode, undefined);
          assert.equal(e.cause?.code, code);
        });
      }

      for (const sql of PARSE_CASES) {
        it(`${JSON.stringify(sql)} → SQL_PARSE_ERROR`, async () => {
          const e = await rejection(db.execute(sql));
          assert.equal(e.code, 'SQL_PARSE_ERROR');
          assert.ok(e.message.startsWith(`SQL_PARSE_ERROR: ${PARSE_PREFIX}`), e.message);
        });
      }

      it('failed statements change nothing and the client keeps working', async () => {
        const rs = await db.execute('SELECT x, y FROM t');
        assert.deepEqual(
          rs.rows.map((r) => Array.from(r)),
          [['taken', 'd']],
        );
      });

      it('errors of a failed batch statement carry its index', async () => {
        const e = await rejection(db.batch(['SELECT 1', 'SELECT * FROM nope'], 'deferred'));
        assert.equal(e.name, 'LibsqlBatchError');
        assert.equal(e.statementIndex, 1);
        assert.equal(e.code, 'SQLITE_UNKNOWN');
        assert.equal(e.message, 'SQLITE_UNKNOWN: SQLITE_UNKNOWN: SQLite error: no such table: nope');
      });
    });
  }
}
