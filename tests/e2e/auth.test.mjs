// JWT authentication against sqld and edgelite started with --auth-jwt-key-file (an Ed25519 SPKI PEM key):
// valid read-write tokens, missing/garbage/foreign-key/expired tokens (HTTP 401), read-only tokens via the
// legacy "a" claim and the "p" claim (reads work, writes get 403), a token scoped to another namespace (404),
// seen through @libsql/client over HTTP and the native libsql remote client, whose errors include the body.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient, LibsqlError } from '@libsql/client';
import Database from 'libsql';
import { SERVER_KINDS, makeJwtKey, makeTempDir, mintJwt, nowSeconds, removeTempDir, useServer } from './lib/server.mjs';
import { clientUrl, rejection, thrown } from './lib/util.mjs';

const UNAUTHORIZED = 'SERVER_ERROR: Server returned HTTP status 401';
const FORBIDDEN = 'SERVER_ERROR: Server returned HTTP status 403';
const WRITE_FORBIDDEN_BODY =
  '{"error":"Authorization forbidden: Current session doesn\'t not have Write permission to namespace default"}';

for (const kind of SERVER_KINDS) {
  describe(`${kind}: JWT auth:`, { timeout: 60_000 }, () => {
    const keyDir = makeTempDir('jwt');
    const key = makeJwtKey(keyDir);
    const foreignKey = makeJwtKey(keyDir, 'foreign_pub.pem');
    const server = useServer(kind, { jwtKeyFile: key.publicKeyFile });
    const now = nowSeconds();
    const tokens = {
      rw: mintJwt(key.privateKey, { a: 'rw', iat: now, exp: now + 3600 }),
      noClaims: mintJwt(key.privateKey, {}),
      ro: mintJwt(key.privateKey, { a: 'ro', iat: now, exp: now + 3600 }),
      pRo: mintJwt(key.privateKey, { p: { ro: { ns: ['default'] } } }),
      pRw: mintJwt(key.privateKey, { p: { rw: { ns: ['default'] } } }),
      // Two hours past exp, far beyond the 60 s leeway of the validation.
      expired: mintJwt(key.privateKey, { a: 'rw', iat: now - 7200, exp: now - 3600 }),
      foreign: mintJwt(foreignKey.privateKey, { a: 'rw' }),
      otherNamespace: mintJwt(key.privateKey, { a: 'rw', id: 'other' }),
      garbage: 'not-a-jwt',
    };
    const clients = [];
    const client = (authToken) => {
      const c = createClient({ url: clientUrl(server, 'http'), authToken });
      clients.push(c);
      return c;
    };
    before(async () => {
      await client(tokens.rw).executeMultiple('CREATE TABLE t (x); INSERT INTO t VALUES (1);');
    });
    after(() => {
      clients.forEach((c) => c.close());
      removeTempDir(keyDir);
    });

    it('GET /health needs no token', async () => {
      const res = await fetch(`${server.url}/health`);
      assert.equal(res.status, 200);
    });

    for (const name of ['rw', 'noClaims', 'pRw']) {
      it(`a "${name}" token can read and write`, async () => {
        const c = client(tokens[name]);
        const ins = await c.execute({ sql: 'INSERT INTO t VALUES (?)', args: [name] });
        assert.equal(ins.rowsAffected, 1);
        const rs = await c.execute({ sql: 'SELECT count(*) AS n FROM t WHERE x = ?', args: [name] });
        assert.equal(rs.rows[0].n, 1);
      });
    }

    for (const name of ['missing', 'garbage', 'foreign', 'expired']) {
      it(`a request with a ${name} token gets HTTP 401`, async () => {
        const c = client(tokens[name]);
        const e = await rejection(c.execute('SELECT 1'));
        assert.ok(e instanceof LibsqlError, String(e));
        assert.equal(e.code, 'SERVER_ERROR');
        assert.equal(e.message, UNAUTHORIZED);
        assert.equal(e.cause?.status, 401);
        const eb = await rejection(c.batch(['SELECT 1'], 'read'));
        assert.equal(eb.message, UNAUTHORIZED);
      });
    }

    for (const name of ['ro', 'pRo']) {
      it(`a read-only "${name}" token can read but gets HTTP 403 for writes`, async () => {
        const c = client(tokens[name]);
        const rs = await c.execute('SELECT count(*) AS n FROM t');
        assert.ok(rs.rows[0].n >= 1);
        const [batchRead] = await c.batch(['SELECT x FROM t LIMIT 1'], 'read');
        assert.equal(batchRead.rows.length, 1);
        for (const write of [
          () => c.execute("INSERT INTO t VALUES ('ro')"),
          () => c.execute('CREATE TABLE ro_table (y)'),
          () => c.batch(['SELECT 1', "INSERT INTO t VALUES ('ro')"], 'write'),
          () => c.executeMultiple("INSERT INTO t VALUES ('ro')"),
        ]) {
          const e = await rejection(write());
          assert.equal(e.code, 'SERVER_ERROR');
          assert.equal(e.message, FORBIDDEN);
        }
        const tx = await c.transaction('read');
        try {
          const inTx = await tx.execute('SELECT count(*) AS n FROM t');
          assert.ok(inTx.rows[0].n >= 1);
        } finally {
          tx.close();
        }
        const check = await client(tokens.rw).execute("SELECT count(*) AS n FROM t WHERE x = 'ro'");
        assert.equal(check.rows[0].n, 0);
      });
    }

    it('a token scoped to another namespace gets HTTP 404 (existence is not leaked)', async () => {
      const e = await rejection(client(tokens.otherNamespace).execute('SELECT 1'));
      assert.equal(e.message, 'SERVER_ERROR: Server returned HTTP status 404');
    });

    it('the native libsql remote client authenticates, and shows the status and body of failures', () => {
      const ok = new Database(server.url, { authToken: tokens.rw });
      assert.equal(ok.prepare('SELECT count(*) AS n FROM t WHERE x = ?').get([1n]).n, 1);
      ok.close();
      const bad = new Database(server.url, { authToken: tokens.garbage });
      assert.equal(
        thrown(() => bad.prepare('SELECT 1').get()).message,
        'Hrana(Api("status=401 Unauthorized, body={\\"error\\":\\"Unauthorized: `The JWT is invalid`\\"}"))',
      );
      bad.close();
      const expired = new Database(server.url, { authToken: tokens.expired });
      assert.equal(
        thrown(() => expired.prepare('SELECT 1').get()).message,
        'Hrana(Api("status=401 Unauthorized, body={\\"error\\":\\"Unauthorized: `The JWT has expired`\\"}"))',
      );
      expired.close();
      // Without a token the native client still sends "Authorization: Bearer" with nothing after it.
      const none = new Database(server.url);
      assert.equal(
        thrown(() => none.prepare('SELECT 1').get()).message,
        'Hrana(Api("status=401 Unauthorized, body={\\"error\\":\\"Unauthorized: `Auth string does not conform to \'<scheme> <token>\' form`\\"}"))',
      );
      none.close();
      const ro = new Database(server.url, { authToken: tokens.ro });
      assert.equal(ro.prepare('SELECT x FROM t WHERE x = 1').get().x, 1);
      assert.equal(
        thrown(() => ro.exec("INSERT INTO t VALUES ('native-ro')")).message,
        `Hrana(Api("status=403 Forbidden, body=${WRITE_FORBIDDEN_BODY.replaceAll('"', '\\"')}"))`,
      );
      ro.close();
    });
  });
}
