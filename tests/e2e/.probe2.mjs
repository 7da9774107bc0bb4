import { createClient } from '@libsql/client';
import http from 'node:http';
// logging proxy on 18090 -> 18080
const seen = [];
const proxy = http.createServer((req, res) => {
  seen.push(`${req.method} ${req.url} ns=${req.headers['x-namespace'] ?? ''} host=${req.headers.host}`);
  const up = http.request({ host: '127.0.0.1', port: 18080, path: req.url, method: req.method, headers: req.headers }, (r) => {
    res.writeHead(r.statusCode, r.headers); r.pipe(res);
  });
  req.pipe(up);
});
await new Promise((r) => proxy.listen(18090, '127.0.0.1', r));
for (const ns of ['beta', 'gamma']) {
  const c = createClient({ url: `file:/tmp/nsx/rep-${ns}-${Date.now()}.db`, syncUrl: `http://127.0.0.1:18090/db/${ns}/` });
  try {
    console.log(ns, 'sync', await c.sync());
    console.log(ns, (await c.execute('select x from t')).rows.map((r) => r.x));
    await c.execute({ sql: 'insert into t values (?)', args: ['replica-' + ns] });
    console.log(ns, (await c.execute('select x from t')).rows.map((r) => r.x));
  } catch (e) { console.log(ns, 'ERR', e.code, e.rawCode, e.message); }
  c.close();
}
console.log(seen.join('\n'));
proxy.close();
