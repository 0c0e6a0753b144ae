import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';

/** Percentile by nearest rank over a copy of the samples. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const fmt = (ms: number): string => `${ms.toFixed(1)} ms`;

/** Prints a small aligned table: one row per line, columns padded to the widest cell. */
export function table(rows: (string | number)[][]): string {
  const cells = rows.map((row) => row.map(String));
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  return cells.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')).join('\n');
}

/** The 1-minute load average and core count: on a shared machine, wall-clock figures are only comparable at similar load. */
export function machineLoad(): string {
  const [one] = loadavg();
  return `load average ${one!.toFixed(2)} on ${availableParallelism()} cores`;
}

const TICKS_PER_SECOND = 100;

/**
 * CPU time (user + system) used so far by a process and all its descendants (for the local runtime: Node and
 * DynamoDB Local's JVM), in milliseconds, from /proc. Unlike wall time it does not grow while other processes on a
 * shared machine hold the cores. Undefined where /proc is not available.
 */
export function processTreeCpuMs(rootPid: number): number | undefined {
  try {
    const stats = readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .flatMap((pid) => {
        try {
          // Fields after the command name (which may contain spaces), see proc(5): ppid is the 2nd, utime/stime the 12th/13th.
          const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
          const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
          return [{ pid: Number(pid), ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) }];
        } catch {
          return [];
        }
      });
    const tree = new Set([rootPid]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const s of stats) {
        if (!tree.has(s.pid) && tree.has(s.ppid)) {
          tree.add(s.pid);
          grew = true;
        }
      }
    }
    if (!stats.some((s) => s.pid === rootPid)) return undefined;
    const ticks = stats.filter((s) => tree.has(s.pid)).reduce((sum, s) => sum + s.ticks, 0);
    return (ticks * 1000) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** `met` or `NOT met` for a target, with the figure and the bound. */
export function verdict(label: string, value: number, bound: number, unit: string, below = true): string {
  const met = below ? value < bound : value >= bound;
  const shown = unit === 'ms' ? fmt(value) : `${value.toFixed(1)} ${unit}`;
  return `target ${label} ${below ? '<' : '>='} ${bound} ${unit}: ${shown} -> ${met ? 'met' : 'NOT met'}`;
}
