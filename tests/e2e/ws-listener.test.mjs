// The WebSocket-only Hrana listener (--hrana-listen-addr), against sqld and edgelite: the official clients use it
// like the HTTP port's upgrade, the handshake says it comes from that listener (`server: sqld-hrana-tcp`), and a
// plain HTTP request there gets no answer it could mistake for the HTTP API.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { createClient } from '@libsql/client';
import { WebSocket } from '@libsql/hrana-client';
import { SERVER_KINDS, freePort, startServer } from './lib/server.mjs';

/** Resolves with the handshake answer's `server` header and the negotiated subprotocol. */
function handshake(port, protocols) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}`, protocols);
    let server;
    ws.on('upgrade', (res) => (server = res.headers.server));
    ws.on('open', () => {
      resolve({ server, protocol: ws.protocol });
      ws.close();
    });
    ws.on('error', reject);
  });
}

/**
 * GET /health; resolves with the status code, or with the error when the connection ends without an answer
 * ("socket hang up" or a reset: the server closed it). A server that neither answers nor closes within 5 s gives
 * { error: 'timed out' }, which no test accepts: silence is not an answer.
 */
function plainGet(port) {
  return new Promise((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/health', timeout: 5000 }, (res) => {
      res.resume();
      resolve({ status: res.statusCode });
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (error) => resolve({ error: error.code === 'ECONNRESET' ? 'socket hang up' : error.message }));
    req.end();
  });
}

for (const kind of SERVER_KINDS) {
  describe(`${kind}: WebSocket-only Hrana listener:`, { timeout: 30_000 }, () => {
    let server;
    let hranaPort;
    before(async () => {
      hranaPort = await freePort();
      server = await startServer(kind, { extraArgs: ['--hrana-listen-addr', `127.0.0.1:${hranaPort}`] });
    });
    after(async () => {
      if (server) await server.stop();
    });

    it('serves @libsql/client over ws://, sharing the database with the HTTP port', async () => {
      const ws = createClient({ url: `ws://127.0.0.1:${hranaPort}` });
      const http = createClient({ url: server.url });
      try {
        await ws.execute('CREATE TABLE listener_t (id INTEGER PRIMARY KEY, v TEXT)');
        await ws.execute({ sql: 'INSERT INTO listener_t VALUES (?, ?)', args: [1, 'via ws'] });
        await http.execute({ sql: 'INSERT INTO listener_t VALUES (?, ?)', args: [2, 'via http'] });
        const rows = (await ws.execute('SELECT v FROM listener_t ORDER BY id')).rows.map((r) => r.v);
        assert.deepEqual(rows, ['via ws', 'via http']);
        const tx = await ws.transaction('write');
        await tx.execute("UPDATE listener_t SET v = 'changed' WHERE id = 1");
        await tx.commit();
        assert.equal((await http.execute('SELECT v FROM listener_t WHERE id = 1')).rows[0].v, 'changed');
      } finally {
        ws.close();
        http.close();
      }
    });

    it('answers the handshake as sqld-hrana-tcp, with the usual subprotocol choice', async () => {
      assert.deepEqual(await handshake(hranaPort, ['hrana2', 'hrana1']), { server: 'sqld-hrana-tcp', protocol: 'hrana2' });
      assert.deepEqual(await handshake(hranaPort, ['hrana3-protobuf', 'hrana3']), {
        server: 'sqld-hrana-tcp',
        protocol: 'hrana3-protobuf',
      });
      assert.equal((await handshake(server.port, ['hrana2'])).server, 'sqld-hrana-upgrade');
    });

    it('does not serve plain HTTP', async () => {
      const outcome = await plainGet(hranaPort);
      // sqld closes the connection without an answer; edgelite says why with a 400.
      assert.deepEqual(outcome, kind === 'edgelite' ? { status: 400 } : { error: 'socket hang up' });
      assert.deepEqual(await plainGet(server.port), { status: 200 });
    });
  });
}
