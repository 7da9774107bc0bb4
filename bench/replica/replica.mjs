// The client side of bench/run_replication_bench.sh: fills a primary over its Hrana HTTP API and
// measures embedded replicas of it, all through the official @libsql/client (a `file:` URL with a
// `syncUrl` is the native libsql package's gRPC-web replicator, the same code path an application
// uses). Each subcommand prints one flat JSON line ("key":number, plus "workload", "label" and
// error strings) that the shell script collects and takes medians of; errors go to stderr.
//
//   node replica.mjs fill         --url URL --megabytes N [--row-bytes B] [--rows-per-statement K]
//   node replica.mjs initial-sync --sync-url URL --dir DIR [--label L]
//   node replica.mjs sustain      --sync-url URL --dir DIR --seconds S --loadgen PATH --port P
//                                 [--connections C] [--rate R] [--label L]
//                                 [--ack-log FILE] [--visible-log FILE]
//   node replica.mjs write        --url URL --rate R --seconds S [--label L] [--ack-log FILE]
//
// --ack-log (write; sustain passes it to its writer) writes one line per acknowledged insert,
// `id sent_at acked_at`, and --visible-log (sustain with --rate) one line per row the replica
// received, `id visible_at sent_at` (seconds since the epoch): bench/run_sdk_bench.sh joins them
// (edgelite_sdk_bench lag-report) into acknowledged → visible lag, the same way as for the SDK.
//
// The native client's sync() is synchronous underneath (it blocks node's event loop), so the
// sustained writer cannot live in this process: `sustain` spawns a separate writer process and
// syncs in a loop until it exits. The writer is edgelite_loadgen (closed loop, full speed over
// --connections) or, with --rate, `write` (this script, open loop at a fixed rate, so that both
// primaries replicate the same stream).
import { createClient } from "@libsql/client";
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";

function parseArgs(argv) {
  const options = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (!flag.startsWith("--") || i + 1 >= argv.length) throw new Error(`bad argument ${flag}`);
    options[flag.slice(2)] = argv[++i];
  }
  return options;
}

function required(options, name) {
  if (options[name] === undefined) throw new Error(`--${name} is required`);
  return options[name];
}

// Seconds since the epoch, with sub-millisecond resolution, comparable between processes.
const now = () => (performance.timeOrigin + performance.now()) / 1000;
const round = (x, digits = 3) => Number(x.toFixed(digits));

function percentile(values, p) {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function emit(fields) {
  process.stdout.write(JSON.stringify(fields) + "\n");
}

async function scalar(client, sql) {
  const result = await client.execute(sql);
  return Number(Object.values(result.rows[0])[0] ?? 0);
}

// Logical database size (main file plus committed WAL content), the same on both servers.
const SIZE_SQL = "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()";

// fill: random blobs generated on the server by a recursive CTE, one autocommit statement of
// --rows-per-statement rows per Hrana request, until the database reaches --megabytes. Random
// bytes so that nothing along the way (page compression, gzip) makes one server's bytes cheaper.
async function fill(options) {
  const url = required(options, "url");
  const targetBytes = Number(required(options, "megabytes")) * 1024 * 1024;
  const rowBytes = Number(options["row-bytes"] ?? 1024);
  const rowsPerStatement = Number(options["rows-per-statement"] ?? 1000);
  const primary = createClient({ url });
  await primary.execute("CREATE TABLE IF NOT EXISTS fill(id INTEGER PRIMARY KEY, v BLOB)");
  const insert =
    `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ${rowsPerStatement}) ` +
    `INSERT INTO fill(v) SELECT randomblob(${rowBytes}) FROM c`;
  const started = now();
  let statements = 0;
  let bytes = await scalar(primary, SIZE_SQL);
  while (bytes < targetBytes) {
    const result = await primary.execute(insert);
    if (result.rowsAffected !== rowsPerStatement) {
      throw new Error(`fill: a statement inserted ${result.rowsAffected} rows, not ${rowsPerStatement}`);
    }
    statements++;
    bytes = await scalar(primary, SIZE_SQL);
  }
  const seconds = now() - started;
  const rows = await scalar(primary, "SELECT count(*) FROM fill");
  primary.close();
  emit({
    workload: "fill", label: options.label ?? "", rows, statements, mb: round(bytes / 1048576, 1),
    seconds: round(seconds), mb_per_s: round(bytes / 1048576 / seconds, 1),
  });
}

function openReplica(options) {
  const dir = required(options, "dir");
  mkdirSync(dir, { recursive: true });
  return createClient({ url: `file:${dir}/replica.db`, syncUrl: required(options, "sync-url") });
}

// syncToHead: sync() until a call brings nothing new; returns the frames synced and the time at
// which the last call that brought frames returned.
async function syncToHead(replica) {
  let frames = 0;
  let lastFrameAt = now();
  let frameNo = 0;
  for (;;) {
    const replicated = await replica.sync();
    const synced = replicated?.frames_synced ?? 0;
    frameNo = replicated?.frame_no ?? frameNo;
    if (synced === 0) return { frames, lastFrameAt, frameNo };
    frames += synced;
    lastFrameAt = now();
  }
}

// initial-sync: a fresh replica directory, createClient + sync() until it holds everything the
// primary had, checked by comparing row counts of the filled table with the primary's.
async function initialSync(options) {
  const syncUrl = required(options, "sync-url");
  const started = now();
  const replica = openReplica(options);
  const opened = now();
  const { frames, lastFrameAt, frameNo } = await syncToHead(replica);
  const syncSeconds = lastFrameAt - opened;
  const bytes = await scalar(replica, SIZE_SQL);
  const replicaRows = await scalar(replica, "SELECT count(*) FROM fill");
  const primary = createClient({ url: syncUrl });
  const primaryRows = await scalar(primary, "SELECT count(*) FROM fill");
  primary.close();
  replica.close();
  if (replicaRows !== primaryRows) {
    throw new Error(`initial sync: the replica has ${replicaRows} rows in fill, the primary ${primaryRows}`);
  }
  emit({
    workload: "initial-sync", label: options.label ?? "", open_s: round(opened - started),
    sync_s: round(syncSeconds), seconds: round(lastFrameAt - started), frames, frame_no: frameNo,
    frames_per_s: round(frames / syncSeconds, 0), mb: round(bytes / 1048576, 1),
    mb_per_s: round(bytes / 1048576 / syncSeconds, 1), rows: replicaRows,
  });
}

// sustain: the replica starts at the primary's head; edgelite_loadgen then inserts single rows
// into bench_w for --seconds while this process calls sync() back to back. After each sync the
// replica's newest row is compared with the primary's (asked over HTTP right after): the rows it
// is behind. When the writer stops, sync() continues until the replica holds every row.
async function sustain(options) {
  const syncUrl = required(options, "sync-url");
  const seconds = Number(required(options, "seconds"));
  const replica = openReplica(options);
  const primary = createClient({ url: syncUrl });
  await syncToHead(replica);
  const maxIdSql = "SELECT coalesce(max(id), 0) FROM bench_w";
  const startRows = await scalar(replica, maxIdSql);

  const paced = options.rate !== undefined;
  const writer = paced
    ? spawn(process.execPath, [
      new URL(import.meta.url).pathname, "write", "--url", syncUrl, "--rate", options.rate,
      "--seconds", String(seconds),
      ...(options["ack-log"] !== undefined ? ["--ack-log", options["ack-log"]] : []),
    ], { stdio: ["ignore", "pipe", "inherit"] })
    : spawn(required(options, "loadgen"), [
      "run", "--workload", "insert", "--port", required(options, "port"),
      "--connections", options.connections ?? "64", "--seconds", String(seconds), "--warmup", "0",
      "--label", options.label ?? "",
    ], { stdio: ["ignore", "pipe", "inherit"] });
  let writerOutput = "";
  writer.stdout.on("data", (chunk) => { writerOutput += chunk; });
  let writerStatus = null;
  const writerDone = new Promise((resolve) => writer.on("close", (code) => { writerStatus = code; resolve(); }));
  const started = now();

  let frames = 0;
  let syncs = 0;
  let lastFramesAt = started;
  const syncMs = [];
  const behindRows = [];
  const visibleLagMs = [];
  const visibleLog = [];
  let seenId = startRows;
  // A failing sync() is retried, as an application would, and counted; the run fails only if
  // failures go on (sqld answers "snapshot not found" for a while when it compacts its log).
  let syncErrors = 0;
  let firstSyncError = "";
  const trySync = async () => {
    try {
      return await replica.sync();
    } catch (error) {
      syncErrors++;
      firstSyncError ||= String(error?.message ?? error).slice(0, 200);
      if (syncErrors > 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
      return { frames_synced: 0 };
    }
  };
  // `write` puts its send time in each row: the time from sending an insert to the end of the
  // sync() that made the row visible on the replica, for every row it wrote.
  const scanVisible = async (syncEnd) => {
    if (!paced) return;
    const rows = await replica.execute({ sql: "SELECT id, v FROM bench_w WHERE id > ?", args: [seenId] });
    for (const row of rows.rows) {
      const sentAt = Number(String(row.v).split(":")[0]);
      if (sentAt > 0) visibleLagMs.push((syncEnd - sentAt) * 1000);
      visibleLog.push(`${row.id} ${syncEnd.toFixed(6)} ${sentAt}`);
      seenId = Math.max(seenId, Number(row.id));
    }
  };
  // Let the event loop see the writer's exit between two syncs (sync() itself blocks it).
  const tick = () => new Promise((resolve) => setImmediate(resolve));
  while (writerStatus === null) {
    const before = now();
    const replicated = await trySync();
    const after = now();
    syncMs.push({ at: after, ms: (after - before) * 1000 });
    frames += replicated?.frames_synced ?? 0;
    if ((replicated?.frames_synced ?? 0) > 0) lastFramesAt = after;
    syncs++;
    const local = await scalar(replica, maxIdSql);
    const remote = await scalar(primary, maxIdSql);
    behindRows.push({ at: now(), rows: Math.max(0, remote - local) });
    await scanVisible(after);
    await tick();
  }
  const stopped = now();
  await writerDone;

  // Catch up: until a sync brings nothing and the replica holds as many rows as the primary had
  // just before (the replica is read second, so equal counts mean it has everything the primary
  // had then). The primary may still be committing requests the writer abandoned when its time
  // ran out (sqld can take seconds), so it is asked again each time; those rows count as part of
  // the catch-up.
  let finalRemote = 0;
  let rowCount = 0;
  for (;;) {
    const replicated = await trySync();
    const synced = replicated?.frames_synced ?? 0;
    frames += synced;
    if (synced > 0) {
      lastFramesAt = now();
      await scanVisible(lastFramesAt);
      continue;
    }
    finalRemote = await scalar(primary, maxIdSql);
    const primaryCount = await scalar(primary, "SELECT count(*) FROM bench_w");
    const replicaCount = await scalar(replica, "SELECT count(*) FROM bench_w");
    if (replicaCount === primaryCount) {
      rowCount = replicaCount;
      break;
    }
    if (replicaCount > primaryCount) {
      throw new Error(`sustain: the replica has ${replicaCount} rows in bench_w, more than the primary's ${primaryCount}`);
    }
    if (now() - stopped > 120) {
      throw new Error(`sustain: 120 s after the writes the replica has ${replicaCount} rows in bench_w, the primary ${primaryCount}`);
    }
  }
  replica.close();
  primary.close();
  if (options["visible-log"] !== undefined) {
    writeFileSync(options["visible-log"], visibleLog.map((line) => line + "\n").join(""));
  }

  const writerLine = writerOutput.trim().split("\n").pop() ?? "";
  let writerResult = {};
  try { writerResult = JSON.parse(writerLine); } catch { /* reported below */ }
  if (writerStatus !== 0 || writerResult.rps === undefined) {
    throw new Error(`sustain: the writer failed (status ${writerStatus}): ${writerLine}`);
  }
  // sync() blocks the event loop, so the writer's exit is noticed late. `write` says when it
  // started and stopped sending (node takes a few hundred ms to start); edgelite_loadgen starts
  // its clock once connected, a few ms after the spawn, and stops --seconds later. Replication
  // throughput is everything applied from the writer's start to the end of the sync that brought
  // the last frames.
  const writerStartedAt = writerResult.started_at ?? started;
  const writerStoppedAt = writerResult.stopped_at ?? started + seconds;
  const applying = lastFramesAt - writerStartedAt;
  // Samples count only while the writer was writing (not while it was starting or after it).
  const during = (samples, key) => samples
    .filter((sample) => sample.at >= writerStartedAt && sample.at <= writerStoppedAt)
    .map((sample) => sample[key]);
  const behind = during(behindRows, "rows");
  const syncCalls = during(syncMs, "ms");
  const rowsWritten = finalRemote - startRows;
  const writeRps = writerResult.rps;
  const behindP50 = percentile(behind, 50);
  const behindP95 = percentile(behind, 95);
  emit({
    workload: paced ? "sustain-paced" : "sustain", label: options.label ?? "", seconds: round(applying),
    write_rps: round(writeRps, 0), write_errors: writerResult.errors ?? 0,
    write_p99_us: writerResult.p99_us ?? 0, rows_written: rowsWritten, frames,
    frames_per_s: round(frames / applying, 0),
    frames_per_row: round(frames / Math.max(1, rowsWritten), 3),
    rows_applied_per_s: round(rowsWritten / applying, 0),
    catchup_s: round(Math.max(0, lastFramesAt - writerStoppedAt)),
    writer_exit_seen_s: round(stopped - started), syncs,
    sync_ms_p50: round(percentile(syncCalls, 50), 1), sync_ms_p95: round(percentile(syncCalls, 95), 1),
    behind_rows_p50: behindP50, behind_rows_p95: behindP95, behind_rows_max: Math.max(0, ...behind),
    lag_ms_p50: round(writeRps > 0 ? (behindP50 / writeRps) * 1000 : 0, 1),
    lag_ms_p95: round(writeRps > 0 ? (behindP95 / writeRps) * 1000 : 0, 1),
    rows: rowCount, sync_errors: syncErrors,
    ...(paced ? {
      visible_lag_ms_p50: round(percentile(visibleLagMs, 50), 1),
      visible_lag_ms_p95: round(percentile(visibleLagMs, 95), 1),
      visible_lag_ms_p99: round(percentile(visibleLagMs, 99), 1),
      visible_lag_ms_max: round(Math.max(0, ...visibleLagMs), 1),
      write_p50_us: writerResult.p50_us ?? 0,
    } : {}),
    first_sync_error: firstSyncError,
  });
}

// write: single-row inserts into bench_w (100 random letters, like edgelite_loadgen's insert)
// over HTTP at --rate per second for --seconds, open loop: a request is sent on schedule whether
// or not the earlier ones have been answered (at most 256 in flight). Prints loadgen's fields.
async function write(options) {
  const rate = Number(required(options, "rate"));
  const seconds = Number(required(options, "seconds"));
  const primary = createClient({ url: required(options, "url") });
  const letters = "abcdefghijklmnopqrstuvwxyz";
  // 100 characters like edgelite_loadgen's texts, starting with the send time (`sustain` reads it).
  const text = (at) => {
    const sentAt = `${at.toFixed(6)}:`;
    return sentAt + Array.from({ length: 100 - sentAt.length }, () => letters[Math.floor(Math.random() * 26)]).join("");
  };
  const latencies = [];
  const acks = [];
  let sent = 0;
  let ok = 0;
  let errors = 0;
  let inFlight = 0;
  let firstError = "";
  const started = now();
  const deadline = started + seconds;
  const pending = new Set();
  while (now() < deadline) {
    const due = Math.floor((now() - started) * rate);
    while (sent < due && inFlight < 256) {
      sent++;
      inFlight++;
      const at = now();
      const request = primary
        .execute({ sql: "INSERT INTO bench_w(v) VALUES (?)", args: [text(at)] })
        .then((result) => {
          if (result.rowsAffected === 1) {
            const ackedAt = now();
            ok++;
            latencies.push((ackedAt - at) * 1e6);
            acks.push(`${result.lastInsertRowid} ${at.toFixed(6)} ${ackedAt.toFixed(6)}`);
          } else errors++;
        }, (error) => { errors++; firstError ||= String(error?.message ?? error); })
        .finally(() => { inFlight--; pending.delete(request); });
      pending.add(request);
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  const stoppedAt = now();
  const elapsed = stoppedAt - started;
  await Promise.all(pending);
  primary.close();
  if (options["ack-log"] !== undefined) {
    writeFileSync(options["ack-log"], acks.map((line) => line + "\n").join(""));
  }
  emit({
    workload: "paced-insert", label: options.label ?? "", seconds: round(elapsed), requests_ok: ok,
    errors, rps: round(ok / elapsed, 1), target_rps: rate, p50_us: round(percentile(latencies, 50), 1),
    p99_us: round(percentile(latencies, 99), 1), started_at: round(started, 4),
    stopped_at: round(stoppedAt, 4),
    first_error: firstError,
  });
}

const [command, ...rest] = process.argv.slice(2);
const commands = { fill, "initial-sync": initialSync, sustain, write };
if (!commands[command]) {
  process.stderr.write("usage: node replica.mjs fill|initial-sync|sustain [--flag value]...\n");
  process.exit(2);
}
try {
  await commands[command](parseArgs(rest));
  process.exit(0);
} catch (error) {
  process.stderr.write(`replica.mjs ${command}: ${error?.stack ?? error}\n`);
  process.exit(1);
}
