// The official client's side of the point-read comparison in bench/run_sdk_bench.sh: point reads
// by primary key through the native `libsql` package (the Rust libSQL core behind
// @libsql/client's embedded replicas, installed here as its dependency and pinned by this
// directory's package-lock.json), on an embedded replica (`syncUrl`) or on a plain local file.
// Like the SDK side (bench/sdk/sdk_reads.cc): one prepared statement reused for every read
// (`raw()` rows, its cheapest form), a random id in 1..rows per read from a fixed-seed
// generator, a warm-up that is not counted, and the clock read once per block of 256 reads.
// Each read must return exactly its one row. Prints one flat JSON line.
//
// On an embedded replica reads use `all()`, not `get()`: there libsql 0.5.29's `get()` on a
// reused statement answers `undefined` every other call (the statement is apparently not reset
// after the row it returned), so half the reads would come back empty; `all()` steps to the end
// and is correct. On a plain local file `get()` is correct, and cheaper, so it is used there.
//
//   node point_read.mjs --path FILE [--sync-url URL] --rows N --seconds S [--warmup S] [--label L]
import Database from "libsql";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";

function parseArgs(argv) {
  const options = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith("--") || i + 1 >= argv.length) throw new Error(`bad argument ${argv[i]}`);
    options[argv[i].slice(2)] = argv[i + 1];
  }
  return options;
}

function required(options, name) {
  if (options[name] === undefined) throw new Error(`--${name} is required`);
  return options[name];
}

// xorshift64* on BigInt would cost more than the read; a 32-bit xorshift is plenty for ids.
function makeRandom(seed) {
  let state = seed >>> 0 || 1;
  return (upper) => {
    state ^= state << 13; state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5; state >>>= 0;
    return (state % upper) + 1;
  };
}

const options = parseArgs(process.argv.slice(2));
const path = required(options, "path");
const syncUrl = options["sync-url"];
const rows = Number(required(options, "rows"));
const seconds = Number(required(options, "seconds"));
const warmup = Number(options.warmup ?? 1);

try {
  mkdirSync(dirname(path), { recursive: true });
  const db = syncUrl ? new Database(path, { syncUrl }) : new Database(path);
  let framesSynced = 0;
  if (syncUrl) {
    for (;;) {
      const synced = db.sync();
      const frames = synced?.frames_synced ?? 0;
      if (frames === 0) break;
      framesSynced += frames;
    }
  }
  const statement = db.prepare("SELECT v FROM bench WHERE id = ?").raw();
  const random = makeRandom(0x5eedbe4c);
  const method = syncUrl ? "all" : "get";
  const readRow = syncUrl
    ? (id) => {
      const found = statement.all(id);
      return found.length === 1 && Array.isArray(found[0]) && typeof found[0][0] === "string";
    }
    : (id) => {
      const row = statement.get(id);
      return Array.isArray(row) && typeof row[0] === "string";
    };
  let reads = 0;
  let errors = 0;
  const runFor = (duration, counted) => {
    const started = performance.now();
    let now = started;
    while (now - started < duration * 1000) {
      for (let i = 0; i < 256; i++) {
        const ok = readRow(random(rows));
        if (counted) { if (ok) reads++; else errors++; }
      }
      now = performance.now();
    }
    return (now - started) / 1000;
  };
  runFor(warmup, false);
  const measured = runFor(seconds, true);
  db.close();
  process.stdout.write(JSON.stringify({
    workload: "point-read", label: options.label ?? (syncUrl ? "libsql-replica" : "libsql-local"),
    reads, reads_per_s: Math.round(reads / measured), ns_per_read: Number((measured * 1e9 / reads).toFixed(1)),
    errors, seconds: Number(measured.toFixed(3)), mode: syncUrl ? "replica" : "local", method,
    frames_synced_before: framesSynced,
  }) + "\n");
  process.exit(errors === 0 ? 0 : 1);
} catch (error) {
  process.stderr.write(`point_read.mjs: ${error?.stack ?? error}\n`);
  process.exit(1);
}
