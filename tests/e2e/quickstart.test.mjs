// The README's "Quick start", command for command, as a newcomer types it: `edgelite keys generate` →
// `edgelite serve` with that key → `edgelite config set signing-key` → `edgelite db create my-app` →
// `edgelite db shell my-app < schema.sql` → `edgelite db tokens create my-app` and `edgelite db show my-app
// --url` → @libsql/client with that URL and token reads the rows (and refuses without the token) → `edgelite db
// create staging --from-db my-app` → a change in staging leaves production untouched. The only additions to the
// README's commands: free ports instead of 8080/9090 (given to the CLI through EDGELITE_SERVER and
// EDGELITE_ADMIN_URL) and a private config directory (XDG_CONFIG_HOME). edgelite only.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createClient } from '@libsql/client';
import { SERVER_KINDS, freePort, makeTempDir, removeTempDir } from './lib/server.mjs';

const EDGELITE_BIN = process.env.EDGELITE_BIN ?? join(import.meta.dirname, '..', '..', 'build', 'src', 'edgelite');

const SCHEMA = `CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);
INSERT INTO notes (body) VALUES ('hello'), ('from the quick start');
`;

describe('the README quick start', { timeout: 120_000, skip: !SERVER_KINDS.includes('edgelite') && 'E2E_SERVERS excludes edgelite' }, () => {
  let dir;
  let env;
  let server;
  let serverExited;
  let port;

  /** `edgelite ...args` in the quick start's directory; stdin from `input`; returns { status, stdout, stderr }. */
  function edgelite(args, input) {
    const run = spawnSync(EDGELITE_BIN, args, { cwd: dir, env, input, encoding: 'utf8', timeout: 60_000 });
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
  }
  function ok(args, input) {
    const run = edgelite(args, input);
    assert.equal(run.status, 0, `edgelite ${args.join(' ')} failed: ${run.stderr}`);
    return run.stdout;
  }

  before(async () => {
    dir = makeTempDir('quickstart');
    port = await freePort();
    const adminPort = await freePort();
    env = {
      PATH: process.env.PATH,
      HOME: dir,
      XDG_CONFIG_HOME: join(dir, 'config'),
      EDGELITE_SERVER: `http://127.0.0.1:${port}`,
      EDGELITE_ADMIN_URL: `http://127.0.0.1:${adminPort}`,
    };
    writeFileSync(join(dir, 'schema.sql'), SCHEMA);

    // 1. A key pair: the server verifies tokens with the public half, the CLI signs with the private one.
    ok(['keys', 'generate', './keys']);
    assert.equal(statSync(join(dir, 'keys', 'jwt_private.pem')).mode & 0o777, 0o600);

    // 2. The server, with namespaces and the admin API.
    server = spawn(
      EDGELITE_BIN,
      ['serve', '--db-path', './data', '--http-listen-addr', `127.0.0.1:${port}`, '--enable-namespaces',
        '--admin-listen-addr', `127.0.0.1:${adminPort}`, '--auth-jwt-key-file', './keys/jwt_public.pem'],
      { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    serverExited = new Promise((resolve) => server.on('exit', resolve));
    let output = '';
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the server did not start: ${output}`)), 15_000);
      const onData = (chunk) => {
        output += chunk;
        if (output.includes('listening for admin HTTP connections')) {
          clearTimeout(timer);
          resolve();
        }
      };
      server.stdout.on('data', onData);
      server.stderr.on('data', onData);
      server.on('exit', () => reject(new Error(`the server exited: ${output}`)));
    });
  });

  after(async () => {
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await serverExited;
    }
    if (dir) removeTempDir(dir);
  });

  it('keys, serve, create, shell < schema.sql, token, @libsql/client, branch', async () => {
    // 3. The CLI signs tokens with the private key from now on.
    ok(['config', 'set', 'signing-key', './keys/jwt_private.pem']);
    // 4. A database, and its schema from a file.
    assert.match(ok(['db', 'create', 'my-app']), /Created database my-app/);
    ok(['db', 'shell', 'my-app'], readFileSync(join(dir, 'schema.sql'), 'utf8'));
    // 5. A token and the URL for the app.
    const token = ok(['db', 'tokens', 'create', 'my-app']).trim();
    assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    const url = ok(['db', 'show', 'my-app', '--url']).trim();
    assert.equal(url, `http://127.0.0.1:${port}/db/my-app/`);

    // 6. The app: @libsql/client with that URL and token.
    const client = createClient({ url, authToken: token });
    try {
      const { rows } = await client.execute('SELECT body FROM notes ORDER BY id');
      assert.deepEqual(rows.map((row) => row.body), ['hello', 'from the quick start']);
      await client.execute({ sql: 'INSERT INTO notes (body) VALUES (?)', args: ['from the app'] });
    } finally {
      client.close();
    }
    const anonymous = createClient({ url });
    try {
      await assert.rejects(anonymous.execute('SELECT 1'), /401|Unauthorized|token/i);
    } finally {
      anonymous.close();
    }

    // 7. A branch for staging; changing it leaves production as it was.
    assert.match(ok(['db', 'create', 'staging', '--from-db', 'my-app']), /Created database staging/);
    ok(['db', 'shell', 'staging', "DELETE FROM notes WHERE body = 'hello'"]);
    assert.match(ok(['db', 'shell', 'staging', 'SELECT count(*) FROM notes']), /\b2\b/);
    assert.match(ok(['db', 'shell', 'my-app', 'SELECT count(*) FROM notes']), /\b3\b/);
  });
});
