import type { Priority } from '../../core/incident';

/** One resolved incident as the classifier learns from it. */
export interface TrainingExample {
  id: string;
  title: string;
  description: string;
  category?: string;
  priority?: Priority;
  assignmentGroup?: string;
  service?: string;
  resolution?: string;
}

/** The file could not be read as training data. */
export class InvalidTrainingDataError extends Error {
  override readonly name = 'InvalidTrainingDataError';
}

/**
 * Parses RFC 4180 CSV: quoted fields may hold commas, newlines and doubled quotes. Returns rows of cells; a UTF-8
 * byte-order mark is dropped.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  const source = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < source.length; i++) {
    const char = source[i]!;
    if (quoted) {
      if (char === '"') {
        if (source[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else cell += char;
      continue;
    }
    if (char === '"' && cell === '') quoted = true;
    else if (char === ',') {
      row.push(cell);
      cell = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && source[i + 1] === '\n') i++;
      row.push(cell);
      cell = '';
      if (row.some((value) => value !== '')) rows.push(row);
      row = [];
    } else cell += char;
  }
  if (quoted) throw new InvalidTrainingDataError('CSV ends inside a quoted field');
  row.push(cell);
  if (row.some((value) => value !== '')) rows.push(row);
  return rows;
}

/** Column names ITSM exports use, per field (ServiceNow, Jira and Lumos' own). */
const ALIASES: Record<keyof TrainingExample, string[]> = {
  id: ['id', 'number', 'incidentid', 'key', 'sys_id', 'externalid'],
  title: ['title', 'short_description', 'shortdescription', 'summary', 'subject'],
  description: ['description', 'details', 'body'],
  category: ['category', 'u_category', 'type'],
  priority: ['priority', 'severity'],
  assignmentGroup: ['assignmentgroup', 'assignment_group', 'group', 'team', 'assigned_group'],
  service: ['service', 'cmdb_ci', 'business_service', 'component', 'ci'],
  resolution: ['resolution', 'close_notes', 'closenotes', 'resolution_notes', 'fix'],
};

/** `1`, `P1`, `1 - Critical`, `critical` -> `P1`; unknown -> undefined. */
export function normalizePriority(value: unknown): Priority | undefined {
  if (value === undefined || value === null) return undefined;
  const text = String(value).trim().toLowerCase();
  const digit = /^p?([1-5])\b/.exec(text)?.[1];
  if (digit) return `P${digit}` as Priority;
  const named: Record<string, Priority> = {
    critical: 'P1',
    highest: 'P1',
    high: 'P2',
    moderate: 'P3',
    medium: 'P3',
    low: 'P4',
    lowest: 'P5',
    planning: 'P5',
  };
  return named[text];
}

function pick(record: Record<string, unknown>, field: keyof TrainingExample): string | undefined {
  const keys = new Map(
    Object.keys(record).map((key) => [
      key
        .toLowerCase()
        .replace(/[\s.-]/g, '_')
        .replace(/_/g, ''),
      key,
    ]),
  );
  for (const alias of ALIASES[field]) {
    const key = keys.get(alias.replace(/_/g, ''));
    if (key === undefined) continue;
    const value = record[key];
    if (value && typeof value === 'object' && 'display_value' in value)
      return String((value as { display_value: unknown }).display_value ?? '').trim() || undefined;
    if (value !== undefined && value !== null && String(value).trim() !== '') return String(value).trim();
  }
  return undefined;
}

function toExample(record: Record<string, unknown>, position: number): TrainingExample | undefined {
  const title = pick(record, 'title');
  if (!title) return undefined;
  const category = pick(record, 'category')?.toLowerCase();
  return {
    id: pick(record, 'id') ?? `row-${position}`,
    title,
    description: pick(record, 'description') ?? '',
    category,
    priority: normalizePriority(pick(record, 'priority')),
    assignmentGroup: pick(record, 'assignmentGroup'),
    service: pick(record, 'service'),
    resolution: pick(record, 'resolution'),
  };
}

/**
 * Reads resolved incidents from CSV (a header row, then one incident per row) or JSON Lines (one object per line),
 * recognising the usual ITSM column names. Rows without a title are skipped; the count is returned.
 */
export function parseTrainingData(
  text: string,
  format: 'csv' | 'jsonl',
): { examples: TrainingExample[]; skipped: number } {
  const records: Record<string, unknown>[] = [];
  if (format === 'jsonl') {
    text.split(/\r?\n/).forEach((line, i) => {
      if (!line.trim()) return;
      try {
        const value: unknown = JSON.parse(line);
        if (value && typeof value === 'object' && !Array.isArray(value)) records.push(value as Record<string, unknown>);
        else throw new Error('not an object');
      } catch (error) {
        throw new InvalidTrainingDataError(`line ${i + 1} is not a JSON object: ${(error as Error).message}`);
      }
    });
  } else {
    const [header, ...rows] = parseCsv(text);
    if (!header) throw new InvalidTrainingDataError('the CSV file is empty');
    for (const row of rows) records.push(Object.fromEntries(header.map((name, i) => [name.trim(), row[i] ?? ''])));
  }
  const examples: TrainingExample[] = [];
  let skipped = 0;
  records.forEach((record, i) => {
    const example = toExample(record, i + 1);
    if (example) examples.push(example);
    else skipped++;
  });
  return { examples, skipped };
}

/** Picks the format from a file name. */
export function formatOf(fileName: string): 'csv' | 'jsonl' {
  if (/\.csv$/i.test(fileName)) return 'csv';
  if (/\.(jsonl|ndjson|json)$/i.test(fileName)) return 'jsonl';
  throw new InvalidTrainingDataError(`cannot tell the format of '${fileName}': use .csv or .jsonl`);
}
