import type { LogEvent } from '../../ports/logs';
import { DrainMiner, type DrainOptions, type LogTemplate, templateText } from './drain';
import { errorCodesOf, type LogLevel, levelOf, type StackSignature, stackSignatureOf } from './log-signals';

/** Thresholds of the anomaly rules. */
export interface AnomalyOptions {
  /** Occurrences in the window before a never-seen template counts as new. @default 2 */
  readonly minNewCount?: number;
  /** Window rate / baseline rate at or above which a template is spiking. @default 3 */
  readonly spikeRatio?: number;
  /** Occurrences in the window before a spike counts. @default 5 */
  readonly minSpikeCount?: number;
  /** Anomalies reported at most. @default 10 */
  readonly maxAnomalies?: number;
  readonly drain?: DrainOptions;
}

/** `error-burst`: repeated errors in the window when there is no baseline to call them new or spiking. */
export type AnomalyKind = 'new-template' | 'spiking-template' | 'error-burst' | 'error-code' | 'stack-trace';

export interface LogAnomaly {
  kind: AnomalyKind;
  /** Template id, error code or exception, depending on the kind. */
  key: string;
  /** The template text, code or `exception at frame`. */
  description: string;
  count: number;
  baselineCount: number;
  /** Window rate over baseline rate (per minute); absent when the baseline never saw it. */
  ratio?: number;
  level?: LogLevel;
  /** 0..1: how sure the rule is that this is unusual, from the counts and the severity. */
  confidence: number;
  example: string;
  /** When it last occurred in the window: a burst that stopped before the incident opened is an earlier problem. */
  lastSeen?: string;
}

export interface TemplateStat {
  id: string;
  template: string;
  count: number;
  baselineCount: number;
  level?: LogLevel;
}

export interface StackTraceStat extends StackSignature {
  count: number;
  baselineCount: number;
  firstSeen: string;
  lastSeen: string;
  example: string;
}

export interface LogAnomalyReport {
  eventCount: number;
  baselineEventCount: number;
  templateCount: number;
  anomalies: LogAnomaly[];
  topTemplates: TemplateStat[];
  errorCodes: { code: string; count: number; baselineCount: number }[];
  stackTraces: StackTraceStat[];
}

interface Tally {
  window: number;
  baseline: number;
  level?: LogLevel;
  example: string;
  lastSeen?: string;
}

const SEVERITY_WEIGHT: Record<LogLevel, number> = { fatal: 1, error: 0.9, warn: 0.6, info: 0.35, debug: 0.2 };

/**
 * Confidence that `window` occurrences are unusual when `expected` were expected: a Poisson-style z-score mapped to
 * 0..1 and weighted by severity, so a burst of INFO lines ranks below a handful of new errors.
 */
export function anomalyConfidence(window: number, expected: number, level: LogLevel | undefined): number {
  const z = (window - expected) / Math.sqrt(expected + 1);
  const surprise = 1 - Math.exp(-Math.max(0, z) / 2.5);
  const weight = level ? SEVERITY_WEIGHT[level] : 0.5;
  return Math.round(Math.min(0.99, surprise * (0.4 + 0.6 * weight)) * 100) / 100;
}

const clip = (text: string, max = 300) => (text.length > max ? `${text.slice(0, max)}...` : text);

/**
 * Clusters every event (baseline and window) into templates, then compares the window with the baseline: templates
 * never seen before, templates whose rate jumped, error codes and stack traces, each with counts and a confidence.
 * Rates are per minute of each period, so a short window and a long baseline compare fairly. Without a baseline
 * (no events before the window), nothing can be called new or spiking; errors still stand out by severity.
 */
export function findLogAnomalies(
  events: readonly LogEvent[],
  windowStart: Date,
  periods: { baselineMinutes: number; windowMinutes: number },
  options: AnomalyOptions = {},
): LogAnomalyReport {
  const minNew = options.minNewCount ?? 2;
  const spikeRatio = options.spikeRatio ?? 3;
  const minSpike = options.minSpikeCount ?? 5;
  const miner = new DrainMiner(options.drain);
  const start = windowStart.getTime();
  const templates = new Map<string, Tally>();
  const codes = new Map<string, Tally>();
  const traces = new Map<string, StackTraceStat>();
  let windowEvents = 0;
  let baselineEvents = 0;

  const bump = (
    map: Map<string, Tally>,
    key: string,
    inWindow: boolean,
    level: LogLevel | undefined,
    example: string,
    at: string,
  ) => {
    let tally = map.get(key);
    if (!tally) {
      tally = { window: 0, baseline: 0, level, example };
      map.set(key, tally);
    }
    if (inWindow) {
      tally.window++;
      // Keep the latest window example: it shows what is failing now, not an earlier burst the window also holds
      // (a masked template or an error code spans every message of its shape).
      if (!tally.lastSeen || Date.parse(at) >= Date.parse(tally.lastSeen)) {
        tally.lastSeen = at;
        tally.example = example;
      }
    } else tally.baseline++;
  };

  const mined: {
    template: LogTemplate;
    inWindow: boolean;
    level: LogLevel | undefined;
    firstLine: string;
    at: string;
  }[] = [];
  for (const event of events) {
    const inWindow = Date.parse(event.timestamp) >= start;
    if (inWindow) windowEvents++;
    else baselineEvents++;
    const level = levelOf(event.message);
    const template = miner.add(event.message);
    const firstLine = event.message.split('\n', 1)[0] ?? '';
    mined.push({ template, inWindow, level, firstLine, at: event.timestamp });
    for (const code of errorCodesOf(event.message)) bump(codes, code, inWindow, level, firstLine, event.timestamp);
    const signature = stackSignatureOf(event.message);
    if (signature) {
      const key = `${signature.exception}@${signature.topFrame}`;
      let stat = traces.get(key);
      if (!stat) {
        stat = {
          ...signature,
          count: 0,
          baselineCount: 0,
          firstSeen: event.timestamp,
          lastSeen: event.timestamp,
          example: clip(event.message, 800),
        };
        traces.set(key, stat);
      }
      if (inWindow) {
        // The latest occurrence in the window is the example, as for templates.
        if (stat.count === 0 || Date.parse(event.timestamp) >= Date.parse(stat.lastSeen))
          stat.example = clip(event.message, 800);
        stat.count++;
      } else stat.baselineCount++;
      if (Date.parse(event.timestamp) >= Date.parse(stat.lastSeen)) stat.lastSeen = event.timestamp;
    }
  }

  // Counted only now: the miner may merge templates as evidence accumulates, and a line counts for the merged one.
  for (const { template, inWindow, level, firstLine, at } of mined) {
    bump(templates, miner.resolve(template).id, inWindow, level, firstLine, at);
  }

  const hasBaseline = baselineEvents > 0 && periods.baselineMinutes > 0;
  const rate = (count: number, minutes: number) => count / Math.max(minutes, 1);
  const expectedInWindow = (baseline: number) =>
    hasBaseline ? (baseline / periods.baselineMinutes) * periods.windowMinutes : 0;
  const anomalies: LogAnomaly[] = [];

  const judge = (kindPrefix: 'template' | 'code', key: string, description: string, tally: Tally) => {
    if (tally.window === 0) return;
    const isBad = tally.level === 'error' || tally.level === 'fatal' || kindPrefix === 'code';
    if (hasBaseline && tally.baseline === 0 && tally.window >= minNew) {
      anomalies.push({
        kind: kindPrefix === 'code' ? 'error-code' : 'new-template',
        key,
        description,
        count: tally.window,
        baselineCount: 0,
        level: tally.level,
        confidence: anomalyConfidence(tally.window, 0, tally.level ?? (isBad ? 'error' : undefined)),
        example: clip(tally.example),
        ...(tally.lastSeen ? { lastSeen: tally.lastSeen } : {}),
      });
      return;
    }
    const ratio = hasBaseline
      ? rate(tally.window, periods.windowMinutes) / Math.max(rate(tally.baseline, periods.baselineMinutes), 1e-9)
      : undefined;
    const spiking = ratio !== undefined && tally.baseline > 0 && ratio >= spikeRatio && tally.window >= minSpike;
    // With no baseline to compare against, errors are still worth reporting; other lines are not.
    const unjudgedError = !hasBaseline && isBad && tally.window >= minNew;
    if (spiking || unjudgedError) {
      anomalies.push({
        kind: kindPrefix === 'code' ? 'error-code' : spiking ? 'spiking-template' : 'error-burst',
        key,
        description,
        count: tally.window,
        baselineCount: tally.baseline,
        ...(ratio !== undefined && Number.isFinite(ratio) ? { ratio: Math.round(ratio * 10) / 10 } : {}),
        level: tally.level,
        confidence:
          anomalyConfidence(
            tally.window,
            expectedInWindow(tally.baseline),
            tally.level ?? (isBad ? 'error' : undefined),
          ) * (unjudgedError ? 0.7 : 1),
        example: clip(tally.example),
        ...(tally.lastSeen ? { lastSeen: tally.lastSeen } : {}),
      });
    }
  };

  const byId = new Map(miner.templates.map((t) => [t.id, t]));
  for (const [id, tally] of templates) judge('template', id, templateText(byId.get(id)!), tally);
  for (const [code, tally] of codes) judge('code', code, code, tally);
  for (const [key, stat] of traces) {
    if (stat.count === 0) continue;
    const isNew = hasBaseline && stat.baselineCount === 0;
    const expected = expectedInWindow(stat.baselineCount);
    if (isNew || stat.count >= Math.max(2, expected * spikeRatio) || !hasBaseline) {
      anomalies.push({
        kind: 'stack-trace',
        key,
        description: `${stat.exception} at ${stat.topFrame}`,
        count: stat.count,
        baselineCount: stat.baselineCount,
        level: 'error',
        confidence:
          Math.round(Math.min(0.99, anomalyConfidence(stat.count, expected, 'error') + (isNew ? 0.1 : 0)) * 100) / 100,
        example: stat.example,
        lastSeen: stat.lastSeen,
      });
    }
  }

  anomalies.sort((a, b) => b.confidence - a.confidence || b.count - a.count || a.key.localeCompare(b.key));
  const topTemplates = [...templates.entries()]
    .map(([id, tally]) => ({
      id,
      template: templateText(byId.get(id)!),
      count: tally.window,
      baselineCount: tally.baseline,
      level: tally.level,
    }))
    .filter((t) => t.count > 0)
    .sort((a, b) => b.count - a.count)
    .slice(0, 10);
  return {
    eventCount: windowEvents,
    baselineEventCount: baselineEvents,
    templateCount: miner.templates.length,
    anomalies: anomalies.slice(0, options.maxAnomalies ?? 10),
    topTemplates,
    errorCodes: [...codes.entries()]
      .map(([code, tally]) => ({ code, count: tally.window, baselineCount: tally.baseline }))
      .filter((c) => c.count > 0)
      .sort((a, b) => b.count - a.count),
    stackTraces: [...traces.values()].filter((t) => t.count > 0).sort((a, b) => b.count - a.count),
  };
}
