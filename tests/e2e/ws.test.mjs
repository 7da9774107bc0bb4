// Hrana over WebSocket specifics against sqld and edgelite (skipped on edgelite until it implements it):
// subprotocol negotiation on GET / of the HTTP port, and JWT auth through the `hello` message as seen by
// @libsql/client over `ws://`. The client API itself over `ws://` is covered by the client-*.test.mjs files.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient, LibsqlError } from '@libsql/client';
import { WebSocket } from '@libsql/hrana-client';
import { SERVER_KINDS, makeJwtKey, makeTempDir, mintJwt, nowSeconds, removeTempDir, useServer } from './lib/server.mjs';
import { clientUrl, rejection, wsSkip } from './lib/util.mjs';

/** Opens a raw WebSocket offering `protocols`; resolves with the negotiated protocol or the HTTP refusal. */
function negotiate(server, protocols) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(clientUrl(server, 'ws'), protocols);
    ws.on('open', () => {
      resolve({ protocol: ws.protocol });
      ws.close();
    });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    ws.on('error', reject);
  });
}

for (const kind of SERVER_KINDS) {
  describe(`${kind}: WebSocket subprotocols:`, { skip: wsSkip(kind), timeout: 30_000 }, () => {
    const server = useServer(kind);

    for (const [offered, chosen] of [
      [['hrana2', 'hrana1'], 'hrana2'], // what @libsql/client offers
      [['hrana3-protobuf', 'hrana3', 'hrana2', 'hrana1'], 'hrana3-protobuf'], // hrana-client with version 3
      [['hrana1', 'hrana3'], 'hrana3'], // the server's preference wins, not the client's order
      [[], ''], // no header: Hrana 1 without an echoed subprotocol
    ]) {
      it(`offering [${offered}] selects "${chosen}"`, async () => {
        assert.deepEqual(await negotiate(server, offered), { protocol: chosen });
      });
    }

    it('refuses unknown subprotocols with HTTP 400', async () => {
      assert.deepEqual(await negotiate(server, ['bogus']), {
        status: 400,
        body: 'Only these WebSocket subprotocols are supported: hrana3-protobuf hrana3 hrana2 hrana1',
      });
    });
  });

  describe(`${kind}: JWT auth over WebSocket:`, { skip: wsSkip(kind), timeout: 30_000 }, () => {
    const keyDir = makeTempDir('jwt');
    const key = makeJwtKey(keyDir);
    const server = useServer(kind, { jwtKeyFile: key.publicKeyFile });
    const now = nowSeconds();
    const clients = [];
    const client = (authToken) => {
      const c = createClient({ url: clientUrl(server, 'ws'), authToken });
      clients.push(c);
      return c;
    };
    before(async () => {
      await client(mintJwt(key.privateKey, { a: 'rw' })).execute('CREATE TABLE t (x)');
    });
    after(() => {
      clients.forEach((c) => c.close());
      removeTempDir(keyDir);
    });

    it('a read-write token can write and read', async () => {
      const c = client(mintJwt(key.privateKey, { a: 'rw', iat: now, exp: now + 3600 }));
      await c.execute("INSERT INTO t VALUES ('rw')");
      assert.equal((await c.execute('SELECT count(*) AS n FROM t')).rows[0].n, 1);
    });

    it('a missing, invalid or expired token is refused', async () => {
      const refusals = {
        missing: [undefined, 'AUTH_HEADER_NOT_FOUND'],
        invalid: ['not-a-jwt', 'AUTH_JWT_INVALID'],
        expired: [mintJwt(key.privateKey, { a: 'rw', exp: now - 3600 }), 'AUTH_JWT_EXPIRED'],
      };
      for (const [name, [token, code]] of Object.entries(refusals)) {
        const e = await rejection(client(token).execute('SELECT 1'));
        assert.ok(e instanceof LibsqlError, `${name}: ${e}`);
        // sqld answers with hello_error and closes the socket at once; depending on timing the client reports
        // that error or only the close (code 1006).
        assert.ok([code, 'HRANA_WEBSOCKET_ERROR'].includes(e.code), `${name}: ${e.message}`);
      }
    });

    it('a read-only token can read but not write', async () => {
      const c = client(mintJwt(key.privateKey, { a: 'ro' }));
      assert.equal((await c.execute('SELECT count(*) AS n FROM t')).rows[0].n, 1);
      // sqld drops the whole connection on a permission error (the client sees close code 1006), so only
      // the refusal itself is required here.
      const e = await rejection(c.execute("INSERT INTO t VALUES ('ro')"));
      assert.ok(e instanceof LibsqlError, String(e));
      const check = client(mintJwt(key.privateKey, { a: 'rw' }));
      assert.equal((await check.execute("SELECT count(*) AS n FROM t WHERE x = 'ro'")).rows[0].n, 0);
    });
  });
}
