import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DrainMiner } from '../../lambdas/agents/log-analysis/drain';
import { groupingAccuracy, LOGHUB_SYSTEMS, type LoghubSystem, loadLoghubSystem } from './loghub';
import { table } from './metrics';

/** One line of the overall evaluation table. */
export interface EvalRow {
  benchmark: string;
  metric: string;
  /** The measured figure; null when the data set is absent. */
  value: number | null;
  /** The published or reference figure it is compared with; null when there is none. */
  baseline: number | null;
  /** What the project aims for; null when it sets none. */
  target: number | null;
}

/** Options shared by the evaluation modules. */
export interface EvalOptions {
  /** Folder holding `loghub/` and `tickets/`. @default ../shared/datasets beside the project */
  dataDir?: string;
  /** Print the detailed table to stdout. @default true */
  print?: boolean;
}

/** The per-system figures behind the rows. */
export interface LogsEvalDetails {
  dataDir: string;
  systems: {
    name: string;
    drain: number | null;
    contentGa: number;
    rawGa: number;
    templates: number;
    linesPerSecond: number;
  }[];
  missing?: string;
}

/** Where the public data sets live unless told otherwise: `../shared/datasets` beside the project root. */
export const defaultDataDir = () => resolve(__dirname, '..', '..', '..', 'shared', 'datasets');

const CONTENT_TARGET = 0.93;
const RAW_TARGET = 0.9;
const WORST_TARGET = 0.7;

/** Groups every line with a fresh miner and returns each line's final template id, timing the run. */
function mine(lines: readonly string[], parseHeaders: boolean): { ids: string[]; templates: number; ms: number } {
  const started = performance.now();
  const miner = new DrainMiner({ parseHeaders });
  const assigned = lines.map((line) => miner.add(line));
  const ids = assigned.map((template) => miner.resolve(template).id);
  return { ids, templates: miner.templates.length, ms: performance.now() - started };
}

/**
 * `eval logs`: grouping accuracy of the log miner on the 16 LogHub-2k systems, on the Content column (the message as
 * the benchmark's per-system header regexes cut it) and on whole raw lines (what the agent actually reads, header
 * detection included), beside the published Drain figures. The miner runs with its defaults on every system.
 */
export async function runLogsEval(opts: EvalOptions = {}): Promise<{ rows: EvalRow[]; details: LogsEvalDetails }> {
  const dataDir = resolve(opts.dataDir ?? defaultDataDir());
  const dir = join(dataDir, 'loghub');
  const print = opts.print ?? true;
  const published = existsSync(join(dir, 'published.json'))
    ? (JSON.parse(await readFile(join(dir, 'published.json'), 'utf8')) as {
        drain_loghub2k: { mean: number; ga: Record<string, number> };
      })
    : undefined;
  const systems: LogsEvalDetails['systems'] = [];
  for (const name of LOGHUB_SYSTEMS) {
    const system: LoghubSystem | undefined = await loadLoghubSystem(dir, name);
    if (!system) continue;
    const content = mine(system.content, false);
    const raw = mine(system.raw, true);
    systems.push({
      name,
      drain: published?.drain_loghub2k.ga[name] ?? null,
      contentGa: groupingAccuracy(system.events, content.ids),
      rawGa: groupingAccuracy(system.events, raw.ids),
      templates: raw.templates,
      linesPerSecond: system.raw.length / (raw.ms / 1000),
    });
  }
  const benchmark = 'LogHub-2k log parsing (16 systems)';
  if (systems.length === 0) {
    const missing = `LogHub-2k not found in ${dir} (expected <System>/<System>_2k.log and _structured.csv; pass --data-dir)`;
    if (print) console.log(missing);
    const empty = (metric: string, baseline: number | null, target: number | null): EvalRow => ({
      benchmark,
      metric,
      value: null,
      baseline,
      target,
    });
    return {
      rows: [
        empty('GA on Content, mean', published?.drain_loghub2k.mean ?? 0.8654, CONTENT_TARGET),
        empty('GA on raw lines, mean', null, RAW_TARGET),
      ],
      details: { dataDir, systems, missing },
    };
  }
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const contentMean = mean(systems.map((s) => s.contentGa));
  const rawMean = mean(systems.map((s) => s.rawGa));
  const worst = Math.min(...systems.flatMap((s) => [s.contentGa, s.rawGa]));
  const drains = systems.map((s) => s.drain).filter((d): d is number => d !== null);
  const drainMean = drains.length === systems.length ? mean(drains) : null;
  const totalLines = systems.length * 2000;
  const throughput = totalLines / systems.reduce((sum, s) => sum + 2000 / s.linesPerSecond, 0);
  if (print) {
    const f = (value: number | null) => (value === null ? '-' : value.toFixed(3));
    console.log(
      table([
        ['system', 'Drain (published)', 'Lumos, Content', 'Lumos, raw lines', 'templates', 'lines/s'],
        ...systems.map((s) => [
          s.name,
          f(s.drain),
          f(s.contentGa),
          f(s.rawGa),
          s.templates,
          Math.round(s.linesPerSecond),
        ]),
        ['mean', f(drainMean), f(contentMean), f(rawMean), '', Math.round(throughput)],
      ]),
    );
    console.log(
      `\nGrouping accuracy as logpai/logparser computes it (a line is right when its group is exactly its event's lines).` +
        `\nDrain's published figures use per-system masks and thresholds on Content; Lumos runs one configuration everywhere.` +
        `\nTargets: mean >= ${CONTENT_TARGET} on Content, >= ${RAW_TARGET} on raw lines, no system below ${WORST_TARGET}.`,
    );
  }
  return {
    rows: [
      { benchmark, metric: 'GA on Content, mean', value: contentMean, baseline: drainMean, target: CONTENT_TARGET },
      { benchmark, metric: 'GA on raw lines, mean', value: rawMean, baseline: null, target: RAW_TARGET },
      {
        benchmark,
        metric: 'GA, worst system',
        value: worst,
        baseline: drains.length ? Math.min(...drains) : null,
        target: WORST_TARGET,
      },
      { benchmark, metric: 'raw lines per second', value: Math.round(throughput), baseline: null, target: null },
    ],
    details: { dataDir, systems },
  };
}
