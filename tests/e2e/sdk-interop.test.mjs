// The edgelite C++ SDK and the official Node SDK replicating one database side by side, against sqld and edgelite:
// an `@libsql/client` embedded replica (`file:` URL + `syncUrl`) and the SDK's examples (`replica_example`, C++, and
// `replica_example_c`, the C API; both link libedgelite.so), each with a replica file of its own, each writing
// through its replica, and each seeing the other's rows after a sync. The examples print every note and exit 0; with
// the server down they exit non-zero and say why; a replica file whose first sync found the server down syncs once
// it is back. The edgelite replica's file is also read by the Node SDK as a plain local database.
//
// The examples are found in EDGELITE_EXAMPLES_DIR (set by CTest), by default in `examples/` of the build directory
// that holds EDGELITE_BIN (`build/src/edgelite` -> `build/examples/`).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { accessSync, constants as fsConstants } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createClient } from '@libsql/client';
import { E2E_DIR, SERVER_KINDS, freePort, makeTempDir, removeTempDir, startServer, useServer } from './lib/server.mjs';

const EDGELITE_BIN = process.env.EDGELITE_BIN
  ? resolve(process.env.EDGELITE_BIN)
  : resolve(E2E_DIR, '..', '..', 'build', 'src', 'edgelite');
const EXAMPLES_DIR = process.env.EDGELITE_EXAMPLES_DIR
  ? resolve(process.env.EDGELITE_EXAMPLES_DIR)
  : resolve(dirname(EDGELITE_BIN), '..', 'examples');
const EXAMPLES = ['replica_example', 'replica_example_c'];
const EXAMPLE_TIMEOUT_MS = 60_000;
const NOTES = 'SELECT id, body FROM example_notes ORDER BY id';
// What each example writes: "written by replica_example at Tue Jun  3 ...", "written by replica_example_c at 1717...".
const writtenBy = (example) => new RegExp(`^written by ${example} at `);

/** The path of an example binary; throws at once with the path and a hint when it is missing. */
function exampleBinary(name) {
  const bin = join(EXAMPLES_DIR, name);
  try {
    accessSync(bin, fsConstants.X_OK);
  } catch {
    throw new Error(`example not found or not executable: ${bin} (build the ${name} target or set EDGELITE_EXAMPLES_DIR)`);
  }
  return bin;
}

/** Runs an example as a user would (`PROGRAM SYNC_URL LOCAL_PATH`); resolves with its exit code and output. */
function runExample(name, syncUrl, path) {
  const bin = exampleBinary(name);
  return new Promise((resolveRun) => {
    execFile(bin, [syncUrl, path], { timeout: EXAMPLE_TIMEOUT_MS }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : `${error.code ?? ''} ${error.signal ?? ''}`) : 0;
      resolveRun({ code, stdout, stderr, describe: `${name} ${syncUrl} ${path}: exit ${code}\nstdout:\n${stdout}\nstderr:\n${stderr}` });
    });
  });
}

/**
 * The notes an example printed ("id<TAB>body" lines) as [id, body] rows, and its last line, the sync status
 * ("sync: frame_no N, primary frame_no M, lag L frames, last error: ..." or "... last error code C").
 */
function parseExampleOutput(run) {
  const lines = run.stdout.split('\n').filter((line) => line !== '');
  const status = lines.pop() ?? '';
  assert.match(status, /^sync: frame_no \d+, primary frame_no \d+, lag 0 frames, last error(: none| code 0)$/, run.describe);
  const rows = lines.map((line) => {
    const tab = line.indexOf('\t');
    assert.ok(tab > 0, `not a note line: ${JSON.stringify(line)}\n${run.describe}`);
    return [Number(line.slice(0, tab)), line.slice(tab + 1)];
  });
  return rows;
}

async function clientRows(client) {
  return (await client.execute(NOTES)).rows.map((row) => [Number(row[0]), String(row[1])]);
}

for (const kind of SERVER_KINDS) {
  describe(`${kind}: the edgelite SDK and @libsql/client replicate one database side by side`, () => {
    const server = useServer(kind);
    let dir;
    before(() => {
      dir = makeTempDir(`sdk-interop-${kind}`);
      for (const name of EXAMPLES) exampleBinary(name);
    });
    after(() => removeTempDir(dir));

    it('each SDK writes through its replica and sees the rows the other wrote after a sync', async () => {
      const node = createClient({ url: `file:${join(dir, 'node.db')}`, syncUrl: server.url });
      try {
        await node.sync();
        await node.execute('CREATE TABLE IF NOT EXISTS example_notes(id INTEGER PRIMARY KEY, body TEXT)');
        const fromNode = await node.execute({
          sql: 'INSERT INTO example_notes(body) VALUES (?)',
          args: ['written by @libsql/client'],
        });
        const nodeRow = [Number(fromNode.lastInsertRowid), 'written by @libsql/client'];
        assert.deepEqual(await clientRows(node), [nodeRow], 'read-your-writes in the node replica');

        // The C++ example, on a replica of its own: it sees the node row and adds its own.
        const cpp = await runExample('replica_example', server.url, join(dir, 'cpp.db'));
        assert.equal(cpp.code, 0, cpp.describe);
        const cppRows = parseExampleOutput(cpp);
        assert.equal(cppRows.length, 2, cpp.describe);
        assert.deepEqual(cppRows[0], nodeRow, cpp.describe);
        assert.match(cppRows[1][1], writtenBy('replica_example'), cpp.describe);

        // The node replica sees the C++ row once it syncs, not before.
        assert.deepEqual(await clientRows(node), [nodeRow], 'node reads are local until it syncs');
        await node.sync();
        assert.deepEqual(await clientRows(node), cppRows);

        // The C example, on another replica: all of the above, and its own row.
        const c = await runExample('replica_example_c', server.url, join(dir, 'c.db'));
        assert.equal(c.code, 0, c.describe);
        const cRows = parseExampleOutput(c);
        assert.deepEqual(cRows.slice(0, 2), cppRows, c.describe);
        assert.equal(cRows.length, 3, c.describe);
        assert.match(cRows[2][1], writtenBy('replica_example_c'), c.describe);

        // Node writes again; the C++ replica, reopened, resumes and sees it and the C row, then adds one more.
        const again = await node.execute({
          sql: 'INSERT INTO example_notes(body) VALUES (?)',
          args: ['written by @libsql/client again'],
        });
        const cppAgain = await runExample('replica_example', server.url, join(dir, 'cpp.db'));
        assert.equal(cppAgain.code, 0, cppAgain.describe);
        const allRows = parseExampleOutput(cppAgain);
        assert.deepEqual(allRows.slice(0, 4), [...cRows, [Number(again.lastInsertRowid), 'written by @libsql/client again']]);
        assert.equal(allRows.length, 5, cppAgain.describe);
        assert.match(allRows[4][1], writtenBy('replica_example'), cppAgain.describe);

        await node.sync();
        assert.deepEqual(await clientRows(node), allRows);

        // The edgelite replica's file is a plain SQLite database: the Node SDK reads it as a local file.
        const local = createClient({ url: `file:${join(dir, 'cpp.db')}` });
        try {
          assert.deepEqual(await clientRows(local), allRows);
          assert.deepEqual((await local.execute('PRAGMA integrity_check')).rows.map((r) => r[0]), ['ok']);
        } finally {
          local.close();
        }
      } finally {
        node.close();
      }
    });

    it('the examples exit non-zero and say why when the server is down', async () => {
      const downUrl = `http://127.0.0.1:${await freePort()}`; // nobody listens there
      for (const name of EXAMPLES) {
        const run = await runExample(name, downUrl, join(dir, `${name}-down.db`));
        assert.notEqual(run.code, 0, run.describe);
        assert.equal(run.stdout, '', run.describe);
        assert.match(run.stderr, new RegExp(`^${name}: cannot sync from the primary: `), run.describe);
        assert.ok(run.stderr.includes(downUrl.slice('http://'.length)), `the message names the server\n${run.describe}`);
      }
    });

    it('a replica file whose first sync found the server down syncs once the server is up', async () => {
      const downUrl = `http://127.0.0.1:${await freePort()}`;
      for (const name of EXAMPLES) {
        const path = join(dir, `${name}-late.db`);
        const down = await runExample(name, downUrl, path);
        assert.notEqual(down.code, 0, down.describe);
        const up = await runExample(name, server.url, path);
        assert.equal(up.code, 0, `the second run, with the server up, failed\n${up.describe}`);
        assert.match(parseExampleOutput(up).at(-1)[1], writtenBy(name), up.describe);
      }
    });

    it('the examples fail with a clear message when their server stops between two runs', async () => {
      // A server of its own, so that stopping it leaves the other tests' server alone.
      const own = await startServer(kind);
      const path = join(dir, 'stopped.db');
      try {
        const first = await runExample('replica_example', own.url, path);
        assert.equal(first.code, 0, first.describe);
      } finally {
        await own.stop();
      }
      for (const name of EXAMPLES) {
        const run = await runExample(name, own.url, path);
        assert.notEqual(run.code, 0, run.describe);
        assert.match(run.stderr, new RegExp(`^${name}: cannot sync from the primary: `), run.describe);
        assert.ok(run.stderr.includes(`127.0.0.1:${own.port}`), `the message names the server\n${run.describe}`);
      }
    });
  });
}
