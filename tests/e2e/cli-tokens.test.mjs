// Tokens from the `edgelite` CLI used by @libsql/client unchanged: `edgelite keys generate DIR` makes the key
// pair, the server loads DIR/jwt_public.pem with `--auth-jwt-key-file`, and `edgelite db tokens create NAME`
// prints a token that the client passes as `authToken`. Against edgelite (namespaces on, the database URL
// `http://host:port/db/<name>/`): the token reads and writes its database, a `--read-only` one gets HTTP 403 for
// writes, and another database answers 404. Against the real sqld (one database, `default`): the same tokens are
// accepted with the same meaning, so a user can swap servers and keep their tokens.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createClient } from '@libsql/client';
import { E2E_DIR, SERVER_KINDS, freePort, makeTempDir, removeTempDir, startServer } from './lib/server.mjs';
import { rejection } from './lib/util.mjs';

const EDGELITE_BIN = process.env.EDGELITE_BIN
  ? resolve(process.env.EDGELITE_BIN)
  : resolve(E2E_DIR, '..', '..', 'build', 'src', 'edgelite');
const FORBIDDEN = 'SERVER_ERROR: Server returned HTTP status 403';

for (const kind of SERVER_KINDS) {
  describe(`${kind}: tokens from \`edgelite db tokens create\`:`, { timeout: 60_000 }, () => {
    let dir;
    let server;
    const clients = [];
    // edgelite serves many databases and names one in the URL path; sqld here serves only `default`.
    const database = kind === 'edgelite' ? 'my-app' : 'default';
    const url = () => (kind === 'edgelite' ? `${server.url}/db/${database}/` : server.url);

    /** Runs the CLI with its own config directory; returns its stdout. */
    const edgelite = (...args) =>
      execFileSync(EDGELITE_BIN, args, {
        encoding: 'utf8',
        env: { ...process.env, XDG_CONFIG_HOME: join(dir, 'config'), EDGELITE_SIGNING_KEY_FILE: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    const token = (...args) => {
      const out = edgelite('--signing-key', join(dir, 'keys', 'jwt_private.pem'), 'db', 'tokens', 'create', ...args);
      assert.match(out, /^[\w-]+\.[\w-]+\.[\w-]+\n$/, 'the token alone on one line');
      return out.trimEnd();
    };
    const open = (config) => {
      const client = createClient(config);
      clients.push(client);
      return client;
    };

    before(async () => {
      dir = makeTempDir('cli-tokens');
      edgelite('keys', 'generate', join(dir, 'keys'));
      const jwtKeyFile = join(dir, 'keys', 'jwt_public.pem');
      if (kind === 'edgelite') {
        const adminPort = await freePort();
        server = await startServer(kind, {
          jwtKeyFile,
          extraArgs: ['--enable-namespaces', '--admin-listen-addr', `127.0.0.1:${adminPort}`],
        });
        const adminListening = `listening for admin HTTP connections on 127.0.0.1:${adminPort}`;
        await server.waitForOutput((line) => line.includes(adminListening), { what: 'the admin listener' });
        for (const name of [database, 'other']) {
          const res = await fetch(`http://127.0.0.1:${adminPort}/v1/namespaces/${name}/create`, {
            method: 'POST',
            body: '{}',
          });
          assert.equal(res.status, 200, await res.text());
        }
      } else {
        server = await startServer(kind, { jwtKeyFile });
      }
    });
    after(async () => {
      for (const client of clients) client.close();
      await server?.stop();
      if (dir) removeTempDir(dir);
    });

    it('a token reads and writes its database', async () => {
      const client = open({ url: url(), authToken: token(database) });
      await client.execute('CREATE TABLE t (x TEXT)');
      await client.execute({ sql: 'INSERT INTO t VALUES (?)', args: ['hello'] });
      const rs = await client.execute('SELECT x FROM t');
      assert.deepEqual(rs.rows.map((row) => row.x), ['hello']);
    });

    it('a token with --expiration works while it is valid', async () => {
      const client = open({ url: url(), authToken: token(database, '--expiration', '1h') });
      const rs = await client.execute('SELECT count(*) AS n FROM t');
      assert.equal(rs.rows[0].n, 1);
    });

    it('a --read-only token reads but gets HTTP 403 for writes', async () => {
      const client = open({ url: url(), authToken: token(database, '--read-only') });
      const rs = await client.execute('SELECT count(*) AS n FROM t');
      assert.equal(rs.rows[0].n, 1);
      const e = await rejection(client.execute("INSERT INTO t VALUES ('nope')"));
      assert.equal(e.message, FORBIDDEN);
    });

    it('a token without a key to sign with is refused with what to do', () => {
      const e = (() => {
        try {
          edgelite('db', 'tokens', 'create', database);
        } catch (error) {
          return error;
        }
        assert.fail('tokens create succeeded without a signing key');
      })();
      assert.equal(e.status, 1);
      assert.equal(e.stdout, '');
      assert.match(e.stderr, /edgelite keys generate DIR/);
    });

    if (kind === 'edgelite') {
      it('a token reaches no other database (HTTP 404)', async () => {
        const client = open({ url: `${server.url}/db/other/`, authToken: token(database) });
        const e = await rejection(client.execute('SELECT 1'));
        assert.equal(e.message, 'SERVER_ERROR: Server returned HTTP status 404');
      });
    }
  });
}
