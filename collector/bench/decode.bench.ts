/**
 * Throughput of the OTLP trace decoders on realistic GenAI batches.
 *
 *   node --import tsx collector/bench/decode.bench.ts
 *
 * Builds batches of 512 GenAI spans with the official OTel JS SDK (~1.2 KB each in protobuf:
 * gen_ai.* attributes, a JSON prompt, two message events, agent parents) and encodes them with
 * the official otlp-transformer serializers. Each contender then runs in a fresh child process
 * (same command line), so no contender inherits another's JIT feedback or garbage: sharing one
 * process swung protobufjs's numbers by 3x depending on what ran before it. Runs rotate over
 * distinct batches, so per-batch unique values do not all sit in the decoder's string cache.
 *
 * Reports medians of spans per CPU-second (user + system time, which includes V8's helper
 * threads; robust when other processes compete for the cores) and per wall-clock second.
 *
 * Environment: BENCH_RUNS (default 15) timed runs, BENCH_BATCHES (default 8) distinct batches.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { decodeJsonTraces } from '../src/otlp/decode-json.ts';
import { decodeProtobufTraces } from '../src/otlp/decode-protobuf.ts';
import { loadOtlpTraceTypes } from '../test/support/otlp/otlp-trace-proto.ts';
import { recordGenAiSpans } from '../test/support/otlp/sdk-spans.ts';

const SPANS_PER_BATCH = 512;
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const BATCHES = Number(process.env.BENCH_BATCHES ?? 8);
// Batches decoded per timed run: enough for a run to last tens of milliseconds.
const BATCHES_PER_RUN = 16;
// Untimed batches first: protobufjs needs ~100 to reach its steady state.
const WARM_UP_BATCHES = 160;

type Batches = { protobuf: Buffer[]; json: Buffer[]; jsonText: string[] };
type Contender = {
  name: string;
  encoding: 'protobuf' | 'json';
  decode: (batch: number) => unknown;
};
type Rates = { wall: number[]; cpu: number[] };

function buildBatches(): Batches {
  const batches: Batches = { protobuf: [], json: [], jsonText: [] };
  for (let i = 0; i < BATCHES; i++) {
    const spans = recordGenAiSpans(SPANS_PER_BATCH, 1000 + i);
    const p = ProtobufTraceSerializer.serializeRequest(spans);
    const j = JsonTraceSerializer.serializeRequest(spans);
    if (p === undefined || j === undefined) throw new Error('serializer returned nothing');
    batches.protobuf.push(Buffer.from(p));
    batches.json.push(Buffer.from(j));
    batches.jsonText.push(Buffer.from(j).toString('utf8'));
  }
  return batches;
}

function contenders(batches: Batches): Contender[] {
  const { request } = loadOtlpTraceTypes();
  const { protobuf, json, jsonText } = batches;
  return [
    {
      name: 'decodeProtobufTraces (this package)',
      encoding: 'protobuf',
      decode: (i) => decodeProtobufTraces(protobuf[i]!),
    },
    {
      name: 'protobufjs reflection decode',
      encoding: 'protobuf',
      decode: (i) => request.decode(protobuf[i]!),
    },
    {
      name: 'JSON.parse of the OTLP/JSON body',
      encoding: 'json',
      decode: (i) => JSON.parse(jsonText[i]!),
    },
    {
      name: 'decodeJsonTraces (parse + map)',
      encoding: 'json',
      decode: (i) => decodeJsonTraces(json[i]!),
    },
  ];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Child process: times one contender and prints its rates as JSON. */
function runContender(index: number): void {
  const contender = contenders(buildBatches())[index];
  if (contender === undefined) throw new Error(`no contender ${index}`);
  let sink = 0;
  for (let i = 0; i < WARM_UP_BATCHES; i++) sink ^= contender.decode(i % BATCHES) ? 1 : 0;
  const rates: Rates = { wall: [], cpu: [] };
  const spans = BATCHES_PER_RUN * SPANS_PER_BATCH;
  for (let run = 0; run < RUNS; run++) {
    const cpuStart = process.cpuUsage();
    const start = process.hrtime.bigint();
    for (let i = 0; i < BATCHES_PER_RUN; i++) sink ^= contender.decode(i % BATCHES) ? 1 : 0;
    const wall = Number(process.hrtime.bigint() - start) / 1e9;
    const cpu = process.cpuUsage(cpuStart);
    rates.wall.push(spans / wall);
    rates.cpu.push(spans / ((cpu.user + cpu.system) / 1e6));
  }
  process.stdout.write(JSON.stringify({ rates, sink }));
}

function measureInChild(index: number): Rates {
  const child = spawnSync(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), '--contender', String(index)],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  if (child.status !== 0) throw new Error(`contender ${index} exited with ${child.status}`);
  return (JSON.parse(child.stdout) as { rates: Rates }).rates;
}

function main(): void {
  const batches = buildBatches();
  // Both decoders must agree before their speed means anything.
  for (let i = 0; i < BATCHES; i++) {
    const fromProtobuf = decodeProtobufTraces(batches.protobuf[i]!);
    if (!isDeepStrictEqual(fromProtobuf, decodeJsonTraces(batches.json[i]!))) {
      throw new Error(`protobuf and JSON decoders disagree on batch ${i}`);
    }
  }
  const average = (list: Buffer[]) => list.reduce((n, b) => n + b.length, 0) / list.length;
  const bytesPerBatch = { protobuf: average(batches.protobuf), json: average(batches.json) };

  console.log(
    `Node ${process.version}, ${BATCHES} batches x ${SPANS_PER_BATCH} spans, ` +
      `${RUNS} timed runs x ${BATCHES_PER_RUN} batches per contender, one process each`,
  );
  console.log(
    `span size: ${Math.round(bytesPerBatch.protobuf / SPANS_PER_BATCH)} B protobuf, ` +
      `${Math.round(bytesPerBatch.json / SPANS_PER_BATCH)} B JSON`,
  );
  const list = contenders(batches);
  const rates = list.map((_, index) => measureInChild(index));
  const baseline = median(rates[1]!.cpu);
  console.table(
    list.map((contender, index) => {
      const { wall, cpu } = rates[index]!;
      const perCpuSecond = median(cpu);
      const megabytes = (perCpuSecond / SPANS_PER_BATCH) * bytesPerBatch[contender.encoding];
      return {
        decoder: contender.name,
        'spans/CPU-s': Math.round(perCpuSecond).toLocaleString('en-US'),
        'spans/s wall': Math.round(median(wall)).toLocaleString('en-US'),
        'wall min-max': `${Math.round(Math.min(...wall) / 1000)}k-${Math.round(Math.max(...wall) / 1000)}k`,
        'MB/CPU-s': (megabytes / 1e6).toFixed(0),
        'vs protobufjs': `${(perCpuSecond / baseline).toFixed(2)}x`,
      };
    }),
  );
}

const contenderFlag = process.argv.indexOf('--contender');
if (contenderFlag >= 0) runContender(Number(process.argv[contenderFlag + 1]));
else main();
