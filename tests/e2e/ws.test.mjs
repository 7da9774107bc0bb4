// Hrana over WebSocket specifics against sqld and edgelite: subprotocol negotiation on GET / of the HTTP port,
// JWT auth through the `hello` message as seen by @libsql/client over `ws://`, the close codes of protocol
// violations (raw frames), and what happens to a transaction whose client disconnects. The client API itself
// over `ws://` is covered by the client-*.test.mjs, hrana-v3 and drizzle files.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient, LibsqlError } from '@libsql/client';
import { WebSocket } from '@libsql/hrana-client';
import { SERVER_KINDS, makeJwtKey, makeTempDir, mintJwt, nowSeconds, removeTempDir, useServer } from './lib/server.mjs';
import { clientUrl, rejection } from './lib/util.mjs';

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

/**
 * A raw Hrana connection: `send(msg)` sends a JSON text frame (or a Buffer as a binary frame), `next()` resolves
 * with the next message from the server (JSON-decoded), `closed` with the close code and reason.
 */
function rawConnection(server, protocols) {
  const ws = new WebSocket(clientUrl(server, 'ws'), protocols);
  const inbox = [];
  const waiting = [];
  ws.on('message', (data, isBinary) => {
    const msg = isBinary ? data : JSON.parse(data.toString());
    if (waiting.length > 0) waiting.shift()(msg);
    else inbox.push(msg);
  });
  const closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  const opened = new Promise((resolve, reject) => {
    ws.on('open', resolve);
    ws.on('error', reject);
  });
  return {
    ws,
    closed,
    async send(msg) {
      await opened;
      ws.send(Buffer.isBuffer(msg) || typeof msg === 'string' ? msg : JSON.stringify(msg));
    },
    next: () => (inbox.length > 0 ? Promise.resolve(inbox.shift()) : new Promise((r) => waiting.push(r))),
  };
}

const request = (id, req) => ({ type: 'request', request_id: id, request: req });
const execute = (id, streamId, sql) => request(id, { type: 'execute', stream_id: streamId, stmt: { sql } });

for (const kind of SERVER_KINDS) {
  describe(`${kind}: WebSocket subprotocols:`, { timeout: 30_000 }, () => {
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

  describe(`${kind}: JWT auth over WebSocket:`, { timeout: 30_000 }, () => {
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

  describe(`${kind}: WebSocket protocol violations and disconnects:`, { timeout: 30_000 }, () => {
    const server = useServer(kind);

    for (const [name, protocols, frames, code] of [
      ['a frame that is not JSON', ['hrana2'], ['{"type":'], 1007],
      ['a binary frame on a JSON subprotocol', ['hrana2'], [Buffer.from([1, 2, 3])], 1003],
      ['a text frame on hrana3-protobuf', ['hrana3-protobuf'], ['{"type":"hello","jwt":null}'], 1003],
      ['an unknown message type', ['hrana2'], ['{"type":"goodbye"}'], 1007],
      ['a request before hello', ['hrana2'], [execute(1, 1, 'SELECT 1')], 1008],
      ['a second hello on hrana1', ['hrana1'], [{ type: 'hello', jwt: null }, { type: 'hello', jwt: null }], 1008],
    ]) {
      it(`closes the connection with ${code} on ${name}`, async () => {
        const conn = rawConnection(server, protocols);
        for (const frame of frames) await conn.send(frame);
        assert.equal((await conn.closed).code, code);
      });
    }

    it('closes with 1009 on a message over the size limit, even while the client is still sending it', async () => {
      const conn = rawConnection(server, ['hrana3']);
      await conn.send({ type: 'hello', jwt: null });
      await conn.send('x'.repeat(70 * 1024 * 1024));
      // sqld drops the connection (1006); RFC 6455 §7.4.1 has 1009 for it, which edgelite sends, and it
      // reads what the client still sends until it closes, so that no reset destroys the close frame.
      assert.equal((await conn.closed).code, kind === 'sqld' ? 1006 : 1009);
    });

    it('answers a failing statement with response_error and keeps the connection', async () => {
      const conn = rawConnection(server, ['hrana2']);
      await conn.send({ type: 'hello', jwt: null });
      assert.deepEqual(await conn.next(), { type: 'hello_ok' });
      await conn.send(request(1, { type: 'open_stream', stream_id: 7 }));
      await conn.send(execute(2, 7, 'SELECT * FROM nope'));
      await conn.send(execute(3, 7, 'SELECT 1 AS one'));
      const answers = [await conn.next(), await conn.next(), await conn.next()];
      assert.deepEqual(answers[0], { type: 'response_ok', request_id: 1, response: { type: 'open_stream' } });
      assert.deepEqual(answers[1], {
        type: 'response_error',
        request_id: 2,
        error: { message: 'SQLite error: no such table: nope', code: 'SQLITE_UNKNOWN' },
      });
      assert.equal(answers[2].request_id, 3);
      assert.deepEqual(answers[2].response.result.rows, [[{ type: 'integer', value: '1' }]]);
      conn.ws.close();
    });

    it('closes the connection on a request the negotiated version lacks', async () => {
      const conn = rawConnection(server, ['hrana2']);
      await conn.send({ type: 'hello', jwt: null });
      await conn.send(request(1, { type: 'open_stream', stream_id: 1 }));
      await conn.send(request(2, { type: 'open_cursor', stream_id: 1, cursor_id: 1, batch: { steps: [] } }));
      // sqld drops the TCP connection without a close frame (1006) on protocol errors inside requests;
      // the spec asks for a close code, which edgelite sends.
      assert.equal((await conn.closed).code, kind === 'sqld' ? 1006 : 1008);
    });

    it('rolls back the transaction of a client that vanishes, so others can write', async () => {
      const setup = createClient({ url: clientUrl(server, 'ws') });
      await setup.execute('CREATE TABLE lock_t (x)');
      const conn = rawConnection(server, ['hrana2']);
      await conn.send({ type: 'hello', jwt: null });
      await conn.send(request(1, { type: 'open_stream', stream_id: 1 }));
      await conn.send(execute(2, 1, 'BEGIN IMMEDIATE'));
      await conn.send(execute(3, 1, 'INSERT INTO lock_t VALUES (1)'));
      for (let i = 0; i < 4; i++) assert.equal((await conn.next()).type, i === 0 ? 'hello_ok' : 'response_ok');
      // No close frame, no COMMIT: the socket just goes away while the stream holds the write lock.
      conn.ws.terminate();
      await setup.execute('INSERT INTO lock_t VALUES (2)');
      assert.deepEqual(
        (await setup.execute('SELECT x FROM lock_t')).rows.map((r) => r.x),
        [2],
      );
      setup.close();
    });
  });
}
