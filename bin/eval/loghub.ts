import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** One LogHub-2k system: its raw lines, the Content column and the ground-truth event of each line, in file order. */
export interface LoghubSystem {
  readonly name: string;
  readonly raw: string[];
  readonly content: string[];
  readonly events: string[];
}

/** The 16 systems of LogHub-2k, in the order of the benchmark paper's table. */
export const LOGHUB_SYSTEMS = [
  'HDFS',
  'Hadoop',
  'Spark',
  'Zookeeper',
  'BGL',
  'HPC',
  'Thunderbird',
  'Windows',
  'Linux',
  'Android',
  'HealthApp',
  'Apache',
  'Proxifier',
  'OpenSSH',
  'OpenStack',
  'Mac',
] as const;

/** Rows of a CSV file (RFC 4180: quoted fields may hold commas, doubled quotes and line breaks). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    let field: string;
    if (text[i] === '"') {
      // Quoted: copy slices between doubled quotes rather than character by character.
      const parts: string[] = [];
      let from = i + 1;
      for (;;) {
        const quote = text.indexOf('"', from);
        if (quote < 0) {
          parts.push(text.slice(from));
          i = n;
          break;
        }
        parts.push(text.slice(from, quote));
        if (text[quote + 1] === '"') {
          parts.push('"');
          from = quote + 2;
        } else {
          i = quote + 1;
          break;
        }
      }
      field = parts.join('');
    } else {
      let end = i;
      while (end < n && text[end] !== ',' && text[end] !== '\n' && text[end] !== '\r') end++;
      field = text.slice(i, end);
      i = end;
    }
    row.push(field);
    if (text[i] === ',') i++;
    else {
      if (text[i] === '\r') i++;
      if (text[i] === '\n') i++;
      rows.push(row);
      row = [];
    }
  }
  if (row.length > 0) rows.push(row);
  return rows;
}

/** Reads one system; undefined when its files are missing. */
export async function loadLoghubSystem(dir: string, name: string): Promise<LoghubSystem | undefined> {
  const rawFile = join(dir, name, `${name}_2k.log`);
  const structuredFile = join(dir, name, `${name}_2k.log_structured.csv`);
  if (!existsSync(rawFile) || !existsSync(structuredFile)) return undefined;
  const [header, ...rows] = parseCsv(await readFile(structuredFile, 'utf8')).filter((r) => r.length > 1);
  const contentAt = header!.indexOf('Content');
  const eventAt = header!.indexOf('EventId');
  const raw = (await readFile(rawFile, 'utf8')).split(/\r?\n/);
  while (raw.length > rows.length && raw[raw.length - 1] === '') raw.pop();
  if (raw.length !== rows.length)
    throw new Error(`${name}: ${raw.length} raw lines but ${rows.length} structured rows`);
  return { name, raw, content: rows.map((r) => r[contentAt]!), events: rows.map((r) => r[eventAt]!) };
}

/**
 * Grouping accuracy as logpai/logparser's evaluator computes it: a line counts as correctly parsed when the set of
 * lines in its predicted group equals the set of lines of its ground-truth event. Lines without a ground-truth event
 * are left out, as the evaluator drops them.
 */
export function groupingAccuracy(truth: readonly string[], predicted: readonly string[]): number {
  const kept = truth.map((_t, i) => i).filter((i) => truth[i] !== '');
  const truthSize = new Map<string, number>();
  for (const i of kept) truthSize.set(truth[i]!, (truthSize.get(truth[i]!) ?? 0) + 1);
  const groups = new Map<string, number[]>();
  for (const i of kept) {
    const members = groups.get(predicted[i]!);
    if (members) members.push(i);
    else groups.set(predicted[i]!, [i]);
  }
  let correct = 0;
  for (const members of groups.values()) {
    const events = new Set(members.map((i) => truth[i]!));
    if (events.size === 1 && truthSize.get(truth[members[0]!]!) === members.length) correct += members.length;
  }
  return kept.length === 0 ? 0 : correct / kept.length;
}
