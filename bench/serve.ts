/**
 * Model server throughput and latency (`deno task bench serve`).
 *
 * A cnn digit archive is served by `cli/serve.ts` in a child process on
 * loopback; this process sends bounded numbers of PNG predictions (raw
 * bytes, as TorchServe clients send them) at concurrency 1, 8 and 64 over
 * keep-alive connections, with dynamic batching on and off. The load
 * generator speaks HTTP/1.1 on plain sockets so that it takes little of the
 * CPU the server is measured on.
 *
 * Baselines measured in the same run, over the same images in the same
 * batches: a bare onnxruntime-node loop (tensors prepared beforehand: the
 * model alone), and the same loop doing the server's per-image work without
 * HTTP (the handler's decode + preprocess, the run, softmax/top-k).
 * Each figure is the median of interleaved repetitions: the machine may be
 * shared. The HTTP ceiling (a bare `Deno.serve` answering a fixed JSON, no
 * model) and the CPU each request costs (server, load generator, model,
 * per-image work) give the best ratio any server could reach here, since the
 * load generator runs on the same cores. Also: errors, and the server's RSS after three rounds against
 * after the first. A second, shorter part serves squeezenet1_1 (224×224 RGB,
 * ~3 ms of CPU per image) the same way, to show the server's share when the
 * model, not the request, dominates.
 *
 * Env: BENCH_SERVE_REQUESTS (requests per measurement at concurrency 64, default 4000),
 * BENCH_SERVE_REPEATS (default 3), BENCH_SERVE_V8_FLAGS (V8 flags for the server, e.g.
 * `--prof,--logfile=/tmp/v8.log` for a tick profile readable by `node --prof-process`).
 *
 * @module
 */
import * as ort from "onnxruntime-node";
import sharp from "sharp";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { createManifest, type HandlerSpec, writeArchive } from "../lib/archive/mod.ts";
import { imageToTensor, topK } from "../lib/serve/mod.ts";
import { ROOT_DIR, sharedPath } from "../tests/_shared.ts";

const N64 = Number(Deno.env.get("BENCH_SERVE_REQUESTS") ?? 4000);
const REPEATS = Number(Deno.env.get("BENCH_SERVE_REPEATS") ?? 3);
const DELAY = 5;
const CORES = availableParallelism();

/** A model to serve, its images (PNG bytes and the tensors they decode to), its batch size. */
interface Suite {
  name: string;
  model: string;
  handler: HandlerSpec;
  labels: string[];
  /** Dims of one image's tensor (batch dimension excluded). */
  dims: number[];
  pngs: Uint8Array[];
  floats: Float32Array[];
  batch: number;
}

/** The cnn digit model over 256 distinct test digits. */
async function digitsSuite(): Promise<Suite> {
  const x = new Float32Array(
    (await Deno.readFile(sharedPath("data/models/mnist/test.x.f32.bin"))).buffer,
  );
  const pngs: Uint8Array[] = [];
  const floats: Float32Array[] = [];
  for (let i = 0; i < 256; i++) {
    const px = Uint8Array.from(x.subarray(i * 784, (i + 1) * 784), (v) => Math.round(v * 255));
    const img = sharp(px, { raw: { width: 28, height: 28, channels: 1 } }).toColourspace("b-w");
    pngs.push(new Uint8Array(await img.png().toBuffer()));
    floats.push(Float32Array.from(px, (v) => v / 255));
  }
  return {
    name: "digits",
    model: sharedPath("data/models/mnist/cnn.adam2ep.eval.onnx"),
    handler: {
      handler: "image_classifier",
      input: { name: "input", dims: ["batch", 1, 28, 28] },
      output: { name: "logits" },
      preprocess: { colorMode: "L", scale: 1 / 255 },
      postprocess: { softmax: true, topK: 5 },
    },
    labels: Array.from({ length: 10 }, (_, i) => String(i)),
    dims: [1, 28, 28],
    pngs,
    floats,
    batch: 16,
  };
}

/** squeezenet1_1 over 16 synthetic 224×224 RGB images, ImageNet normalization. */
async function squeezenetSuite(): Promise<Suite> {
  const handler: HandlerSpec = {
    handler: "image_classifier",
    input: { name: "input", dims: ["batch", 3, 224, 224] },
    output: { name: "logits" },
    preprocess: { colorMode: "RGB", mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
    postprocess: { softmax: true, topK: 5 },
  };
  const pngs: Uint8Array[] = [];
  const floats: Float32Array[] = [];
  for (let k = 0; k < 16; k++) {
    const px = new Uint8Array(224 * 224 * 3).map((_, i) => (i * (k + 3) + (i >> 9) * 7) % 256);
    const png = new Uint8Array(
      await sharp(px, { raw: { width: 224, height: 224, channels: 3 } }).png().toBuffer(),
    );
    pngs.push(png);
    floats.push((await imageToTensor(png, handler)).data as Float32Array);
  }
  return {
    name: "squeezenet",
    model: sharedPath("data/models/torchvision/squeezenet1_1.eval.onnx"),
    handler,
    labels: Array.from({ length: 1000 }, (_, i) => `class_${i}`),
    dims: [3, 224, 224],
    pngs,
    floats,
    batch: 4,
  };
}

/** Request bytes per path and body, made once: the load generator shares the server's cores. */
const REQUESTS = new Map<string, WeakMap<Uint8Array, Uint8Array>>();

function requestBytes(path: string, body: Uint8Array): Uint8Array {
  let byBody = REQUESTS.get(path);
  if (!byBody) REQUESTS.set(path, byBody = new WeakMap());
  let req = byBody.get(body);
  if (!req) {
    const head = new TextEncoder().encode(
      `POST ${path} HTTP/1.1\r\nHost: bench\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    req = new Uint8Array(head.length + body.length);
    req.set(head);
    req.set(body, head.length);
    byBody.set(body, req);
  }
  return req;
}

const CONTENT_LENGTH = new TextEncoder().encode("content-length:");

/** One keep-alive HTTP/1.1 connection sending POSTs one at a time (bytes parsed in place). */
class Connection {
  #conn: Deno.TcpConn;
  #path: string;
  #buf = new Uint8Array(1 << 16);
  #len = 0;

  private constructor(conn: Deno.TcpConn, path: string) {
    this.#conn = conn;
    this.#path = path;
  }

  static async open(port: number, path: string): Promise<Connection> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.setNoDelay(true);
    return new Connection(conn, path);
  }

  /** Sends one request; returns the status once the whole response is read. */
  async post(body: Uint8Array): Promise<number> {
    const req = requestBytes(this.#path, body);
    for (let off = 0; off < req.length;) off += await this.#conn.write(req.subarray(off));
    let end: number;
    let from = 3;
    while ((end = this.#headerEnd(from)) < 0) {
      from = Math.max(3, this.#len - 3);
      await this.#fill();
    }
    const b = this.#buf;
    const status = (b[9]! - 48) * 100 + (b[10]! - 48) * 10 + (b[11]! - 48);
    const total = end + 4 + this.#contentLength(end);
    while (this.#len < total) await this.#fill();
    this.#buf.copyWithin(0, total, this.#len);
    this.#len -= total;
    return status;
  }

  close(): void {
    this.#conn.close();
  }

  #headerEnd(from: number): number {
    const b = this.#buf;
    for (let i = from; i < this.#len; i++) {
      if (b[i] === 10 && b[i - 1] === 13 && b[i - 2] === 10 && b[i - 3] === 13) return i - 3;
    }
    return -1;
  }

  /** The Content-Length header's value (0 when absent), header names in any case. */
  #contentLength(end: number): number {
    const b = this.#buf;
    const n = CONTENT_LENGTH.length;
    outer: for (let i = 0; i + n < end; i++) {
      for (let j = 0; j < n; j++) if ((b[i + j]! | 0x20) !== CONTENT_LENGTH[j]) continue outer;
      let v = 0;
      let k = i + n;
      while (b[k] === 32) k++;
      while (b[k]! >= 48 && b[k]! <= 57) v = v * 10 + b[k++]! - 48;
      return v;
    }
    return 0;
  }

  async #fill(): Promise<void> {
    if (this.#len === this.#buf.length) {
      const bigger = new Uint8Array(this.#buf.length * 2);
      bigger.set(this.#buf);
      this.#buf = bigger;
    }
    const n = await this.#conn.read(this.#buf.subarray(this.#len));
    if (n === null) throw new Error("connection closed by the server");
    this.#len += n;
  }
}

interface Round {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

/** `total` predictions of `suite`'s images over `concurrency` connections. */
async function load(port: number, suite: Suite, concurrency: number, total: number) {
  const pngs = suite.pngs;
  const conns = await Promise.all(
    Array.from({ length: concurrency }, () => Connection.open(port, `/predictions/${suite.name}`)),
  );
  let next = 0;
  let errors = 0;
  const latencies: number[] = [];
  const t0 = performance.now();
  await Promise.all(conns.map(async (conn) => {
    while (next < total) {
      const body = pngs[next++ % pngs.length]!;
      const t = performance.now();
      const status = await conn.post(body);
      latencies.push(performance.now() - t);
      if (status !== 200) errors++;
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  for (const c of conns) c.close();
  latencies.sort((a, b) => a - b);
  return {
    rps: total / seconds,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    errors,
  };
}

/** The bare loop over batches of the suite's batch size: the model alone, or with the server's per-image work. */
async function bare(session: ort.InferenceSession, suite: Suite, total: number, pipeline: boolean) {
  const per = suite.dims.reduce((a, b) => a * b, 1);
  const classes = suite.labels.length;
  const n = suite.pngs.length;
  const t0 = performance.now();
  for (let done = 0; done < total; done += suite.batch) {
    const data = new Float32Array(suite.batch * per);
    for (let i = 0; i < suite.batch; i++) {
      const k = (done + i) % n;
      const x = pipeline
        ? (await imageToTensor(suite.pngs[k]!, suite.handler)).data
        : suite.floats[k]!;
      data.set(x as Float32Array, i * per);
    }
    const input = new ort.Tensor("float32", data, [suite.batch, ...suite.dims]);
    const logits = (await session.run({ input })).logits!.data as Float32Array;
    if (pipeline) {
      for (let i = 0; i < suite.batch; i++) {
        const row = logits.subarray(i * classes, (i + 1) * classes);
        JSON.stringify(topK(row, suite.labels, suite.handler));
      }
    }
  }
  return total / ((performance.now() - t0) / 1000);
}

/** Bare-loop rates (img/s, best thread setting) and single-thread CPU seconds per image. */
interface BareFigures {
  model: number;
  pipeline: number;
  /** The model alone, one intra-op thread. */
  modelCpu1: number;
  /** Decode + preprocess + top-k: what the server must do per image besides the model. */
  workCpu1: number;
}

/**
 * One bare-loop measurement of each kind over `total` images, the faster of one session with
 * `cores` intra-op threads and one with a single thread (the baseline gets its best setting:
 * on a busy machine a thread pool waits for its slowest thread).
 */
async function bareLoops(suite: Suite, total: number): Promise<BareFigures> {
  const best: BareFigures = { model: 0, pipeline: 0, modelCpu1: 0, workCpu1: 0 };
  for (const threads of new Set([CORES, 1])) {
    const session = await ort.InferenceSession.create(suite.model, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
    });
    await bare(session, suite, suite.batch * 4, false);
    const cpu0 = cpuSeconds("self");
    const model = await bare(session, suite, total, false);
    const cpu1 = cpuSeconds("self");
    const pipeline = await bare(session, suite, total, true);
    const cpu2 = cpuSeconds("self");
    await session.release();
    best.model = Math.max(best.model, model);
    best.pipeline = Math.max(best.pipeline, pipeline);
    if (threads === 1) {
      best.modelCpu1 = (cpu1 - cpu0) / total;
      best.workCpu1 = (cpu2 - cpu1 - (cpu1 - cpu0)) / total;
    }
  }
  return best;
}

/** CPU seconds (user + system, all threads) a process has used: /proc/<pid>/stat at 100 ticks/s. */
function cpuSeconds(pid: number | "self"): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function mid(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Waits (up to a minute) until GET /ping on the port answers 200. */
async function waitForPing(port: number): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/ping`).then(
      async (r) => (await r.body?.cancel(), r.ok),
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function startServer(dir: string) {
  const [inference, management, metrics] = [freePort(), freePort(), freePort()];
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      ...(Deno.env.get("BENCH_SERVE_V8_FLAGS")
        ? [`--v8-flags=${Deno.env.get("BENCH_SERVE_V8_FLAGS")}`]
        : []),
      join(ROOT_DIR, "cli/serve.ts"),
      "--start",
      "--foreground",
      "--ncs",
      "--model-store",
      dir,
      "--log-location",
      join(dir, "logs"),
      "--inference-address",
      `http://127.0.0.1:${inference}`,
      "--management-address",
      `http://127.0.0.1:${management}`,
      "--metrics-address",
      `http://127.0.0.1:${metrics}`,
    ],
    cwd: dir,
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  await waitForPing(inference);
  return { child, port: inference, management: `http://127.0.0.1:${management}` };
}

async function rssOf(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) * 1024;
}

/**
 * The HTTP ceiling: a bare `Deno.serve` in a child process that reads each
 * POST body and answers a fixed JSON of the server's size: no decode, no
 * model. No server can answer faster on this machine with this runtime.
 */
async function startCeiling() {
  const port = freePort();
  const answer = JSON.stringify({
    "1": 0.9921,
    "7": 0.0042,
    "4": 0.0017,
    "9": 0.0011,
    "2": 0.0004,
  });
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `Deno.serve({ hostname: "127.0.0.1", port: ${port}, onListen() {} }, async (req) => {
        if (req.method === "POST") await req.arrayBuffer();
        return new Response(${
        JSON.stringify(answer)
      }, { headers: { "content-type": "application/json" } });
      });`,
    ],
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  await waitForPing(port);
  return { child, port };
}

/** (Re-)registers a suite's archive with one worker per core and the given batch size. */
async function register(management: string, suite: Suite, batchSize: number): Promise<void> {
  await fetch(`${management}/models/${suite.name}`, { method: "DELETE" })
    .then((r) => r.body?.cancel());
  const q = `url=${suite.name}.mar&initial_workers=${CORES}&batch_size=${batchSize}` +
    `&max_batch_delay=${DELAY}&synchronous=true`;
  const res = await fetch(`${management}/models?${q}`, { method: "POST" });
  if (res.status !== 200) throw new Error(`register: ${res.status} ${await res.text()}`);
  await res.body?.cancel();
}

function median(rounds: Round[]): Round {
  const mid = <T>(xs: T[], f: (x: T) => number) => xs.map(f).sort((a, b) => a - b)[xs.length >> 1]!;
  return {
    rps: mid(rounds, (r) => r.rps),
    p50: mid(rounds, (r) => r.p50),
    p99: mid(rounds, (r) => r.p99),
    errors: rounds.reduce((n, r) => n + r.errors, 0),
  };
}

const row = (label: string, r: Round) =>
  `${label.padEnd(22)} ${r.rps.toFixed(0).padStart(6)} req/s   p50 ${
    r.p50.toFixed(2).padStart(6)
  } ms` +
  `   p99 ${r.p99.toFixed(2).padStart(6)} ms   errors ${r.errors}`;

/** Prints the bare loops and the server's ratios to them (medians of per-repetition ratios). */
function ratios(served: number[], bareModel: number[], barePipeline: number[], target: boolean) {
  const per = (a: number[], b: number[]) => mid(a.map((x, i) => x / b[i]!)).toFixed(3);
  console.log(`bare loop, model only (tensors ready):          ${mid(bareModel).toFixed(0)} img/s`);
  console.log(
    `bare loop, decode + preprocess + run + top-k:   ${mid(barePipeline).toFixed(0)} img/s`,
  );
  console.log(
    `server c=64 batching on / bare model-only loop:     ${per(served, bareModel)}` +
      (target ? " (target >= 0.90)" : ""),
  );
  console.log(`server c=64 batching on / bare loop with same work: ${per(served, barePipeline)}`);
}

/**
 * The digits part: c = 1, 8, 64 with batching on, the bare loops, c = 64 with batching off,
 * in that order in each repetition (ratios are taken within a repetition); then RSS.
 */
async function digitsPart(port: number, management: string, suite: Suite, pid: number) {
  console.log(
    `cnn digits (cnn.adam2ep.eval.onnx), ${CORES} cores, ${CORES} workers x 1 thread, ` +
      `batch_size ${suite.batch} (on) / 1 (off), max_batch_delay ${DELAY} ms, median of ${REPEATS}`,
  );
  const on: Record<number, Round[]> = { 1: [], 8: [], 64: [] };
  const off: Round[] = [];
  const bareModel: number[] = [];
  const barePipeline: number[] = [];
  const ceiling: number[] = [];
  /** CPU seconds per request (per image for the model-only loop), one entry per repetition. */
  const cpu = {
    server: [] as number[],
    load: [] as number[],
    ceilingServer: [] as number[],
    ceilingLoad: [] as number[],
    model: [] as number[],
    work: [] as number[],
  };
  const counts: Record<number, number> = { 1: Math.min(N64, 600), 8: Math.min(N64, 2000), 64: N64 };
  const bareHttp = await startCeiling();
  for (let rep = 0; rep < REPEATS; rep++) {
    await load(bareHttp.port, suite, 64, 500);
    let server0 = cpuSeconds(bareHttp.child.pid);
    let self0 = cpuSeconds("self");
    ceiling.push((await load(bareHttp.port, suite, 64, N64)).rps);
    cpu.ceilingServer.push((cpuSeconds(bareHttp.child.pid) - server0) / N64);
    cpu.ceilingLoad.push((cpuSeconds("self") - self0) / N64);
    await register(management, suite, suite.batch);
    await load(port, suite, 64, 500);
    for (const c of [1, 8]) on[c]!.push(await load(port, suite, c, counts[c]!));
    server0 = cpuSeconds(pid);
    self0 = cpuSeconds("self");
    on[64]!.push(await load(port, suite, 64, counts[64]!));
    cpu.server.push((cpuSeconds(pid) - server0) / N64);
    cpu.load.push((cpuSeconds("self") - self0) / N64);
    const b = await bareLoops(suite, N64);
    cpu.model.push(b.modelCpu1);
    cpu.work.push(b.workCpu1);
    bareModel.push(b.model);
    barePipeline.push(b.pipeline);
    await register(management, suite, 1);
    await load(port, suite, 64, 500);
    off.push(await load(port, suite, 64, N64));
  }
  bareHttp.child.kill("SIGTERM");
  await bareHttp.child.status;
  for (const c of [1, 8, 64]) console.log(row(`batching on   c=${c}`, median(on[c]!)));
  console.log(row("batching off  c=64", median(off)));
  const served = on[64]!.map((r) => r.rps);
  ratios(served, bareModel, barePipeline, true);
  const per = (a: number[], b: number[]) => mid(a.map((x, i) => x / b[i]!)).toFixed(3);
  console.log(
    `HTTP ceiling (Deno.serve reading the PNG, fixed JSON answer, no model), c=64: ${
      mid(ceiling).toFixed(0)
    } req/s`,
  );
  console.log(`server c=64 batching on / HTTP ceiling:           ${per(served, ceiling)}`);
  console.log(`HTTP ceiling / bare model-only loop:              ${per(ceiling, bareModel)}`);
  const us = (xs: number[]) => (mid(xs) * 1e6).toFixed(1);
  console.log(
    `CPU µs per request at c=64: server ${us(cpu.server)} (load generator ${us(cpu.load)}); ` +
      `HTTP-only server ${us(cpu.ceilingServer)} (load generator ${us(cpu.ceilingLoad)})`,
  );
  console.log(
    `CPU µs per image, one thread: model ${us(cpu.model)}, decode + preprocess + top-k ${
      us(cpu.work)
    }`,
  );
  // Every request needs the model, the per-image work, the HTTP exchange and the load
  // generator's share, all on the same cores: the best a server could do against the
  // model-only loop.
  const bound = mid(cpu.model.map((m, i) => {
    const perRequest = m + cpu.work[i]! + cpu.ceilingServer[i]! + cpu.ceilingLoad[i]!;
    return CORES / perRequest / bareModel[i]!;
  }));
  console.log(
    `best possible server / model-only loop on these ${CORES} shared cores ` +
      `(${CORES} cores / CPU per request of model + work + HTTP + load generator): ${
        bound.toFixed(3)
      }`,
  );
  const onOff = mid(served.map((x, i) => x / off[i]!.rps));
  console.log(`batching on / off at c=64: ${onOff.toFixed(3)}`);
  const errors = Object.values(on).flat().concat(off).reduce((n, r) => n + r.errors, 0);
  console.log(`errors: ${errors}`);
  await register(management, suite, suite.batch);
  const rss: number[] = [];
  for (let round = 0; round < 3; round++) {
    await load(port, suite, 64, N64);
    rss.push(await rssOf(pid));
  }
  console.log(
    `server RSS after rounds 1/2/3 of ${N64} requests: ${
      rss.map((b) => (b / 2 ** 20).toFixed(0)).join("/")
    } MiB; round 3 / round 1: ${(rss[2]! / rss[0]!).toFixed(3)} (target <= 1.10)`,
  );
}

/** The squeezenet part: c = 64 with batching on beside the bare loops, in each repetition. */
async function squeezenetPart(port: number, management: string, suite: Suite) {
  const n = Math.max(64, Math.round(N64 / 12));
  console.log(
    `\nsqueezenet1_1, 224x224 RGB PNGs, batch_size ${suite.batch}, ${n} requests, median of ${REPEATS}`,
  );
  await register(management, suite, suite.batch);
  await load(port, suite, 64, 64);
  const rounds: Round[] = [];
  const bareModel: number[] = [];
  const barePipeline: number[] = [];
  for (let rep = 0; rep < REPEATS; rep++) {
    rounds.push(await load(port, suite, 64, n));
    const b = await bareLoops(suite, n);
    bareModel.push(b.model);
    barePipeline.push(b.pipeline);
  }
  console.log(row("batching on   c=64", median(rounds)));
  ratios(rounds.map((r) => r.rps), bareModel, barePipeline, false);
  console.log(`errors: ${rounds.reduce((k, r) => k + r.errors, 0)}`);
  await fetch(`${management}/models/${suite.name}`, { method: "DELETE" })
    .then((r) => r.body?.cancel());
}

if (import.meta.main) {
  const dir = await Deno.makeTempDir({ prefix: "bench_serve_" });
  const suites = [await digitsSuite(), await squeezenetSuite()];
  for (const suite of suites) {
    await writeArchive(join(dir, `${suite.name}.mar`), {
      manifest: createManifest(suite.name),
      model: await Deno.readFile(suite.model),
      labels: suite.labels,
      handler: suite.handler,
    });
  }
  const server = await startServer(dir);
  try {
    await digitsPart(server.port, server.management, suites[0]!, server.child.pid);
    await fetch(`${server.management}/models/digits`, { method: "DELETE" })
      .then((r) => r.body?.cancel());
    await squeezenetPart(server.port, server.management, suites[1]!);
  } finally {
    server.child.kill("SIGTERM");
    await server.child.status;
    await Deno.remove(dir, { recursive: true });
  }
}
