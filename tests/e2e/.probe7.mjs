import { createClient } from '@libsql/client';
const A = { Authorization: 'Basic KEY' };
const admin = (m, p, body) => fetch(`http://127.0.0.1:18081${p}`, { method: m, headers: A, body }).then(async (r) => [r.status, await r.text()]);
const q = (ns, sql) => fetch(`http://127.0.0.1:18080/db/${ns}/v3/pipeline`, { method: 'POST', body: JSON.stringify({ requests: [{ type: 'execute', stmt: { sql } }, { type: 'close' }] }) }).then(async (r) => [r.status, (await r.text()).slice(0, 120)]);
console.log(await admin('POST', '/v1/namespaces/d3/create', '{}'));
console.log(await q('d3', 'create table t(x)'));
console.log('delete', await admin('DELETE', '/v1/namespaces/d3'));
console.log('recreate', await admin('POST', '/v1/namespaces/d3/create', '{}'));
const t0 = Date.now();
for (;;) { const r = await q('d3', 'select count(*) from sqlite_schema'); if (r[0] === 200 || Date.now() - t0 > 90000) { console.log((Date.now() - t0) / 1000, r); break; } await new Promise((r) => setTimeout(r, 500)); }
