export type { LogAnalysisResult } from '../agent-results';

import * as z from 'zod';
import type { Incident } from '../../core/incident';
import { agentName } from '../../function-catalogue';
import type { Clock } from '../../ports/clock';
import type { LanguageModel } from '../../ports/llm';
import { type LogSource, UnknownLogSourceError } from '../../ports/logs';
import { serviceCandidates } from '../affected-service';
import type { LogAnalysisResult } from '../agent-results';
import { type AnomalyOptions, findLogAnomalies, type LogAnomaly, type LogAnomalyReport } from './anomalies';

/** Time window of a log analysis. */
export interface LogAnalysisOptions extends AnomalyOptions {
  /** Minutes before the incident opened that belong to the incident window. @default 30 */
  readonly lookbackMinutes?: number;
  /** Minutes after the incident opened still read (capped at now). @default 15 */
  readonly afterMinutes?: number;
  /** Minutes before the window used as the normal to compare with. @default 120 */
  readonly baselineMinutes?: number;
  /** Events read at most. @default 10000 */
  readonly maxEvents?: number;
}

export interface LogAnalysisDeps {
  readonly logs: LogSource;
  readonly clock: Clock;
  /** Optional: explains the anomalies in words. Without it (or when it fails) the summary is built from the rules. */
  readonly llm?: LanguageModel;
}

const MINUTE = 60_000;

/** The model's explanation; cited keys must be anomaly keys Lumos found. */
export const LogExplanation = z.object({
  summary: z.string().min(1).max(800),
  citedKeys: z.array(z.string()).max(10),
});

function rulesSummary(service: string, report: LogAnomalyReport): string {
  if (report.eventCount === 0) return `No log events for ${service} in the incident window.`;
  if (report.anomalies.length === 0) {
    return `${report.eventCount} log events for ${service} in the window; nothing new or spiking compared with the ${report.baselineEventCount} events before it.`;
  }
  const describe = (a: LogAnomaly) => {
    const what =
      a.kind === 'new-template'
        ? 'new'
        : a.kind === 'spiking-template'
          ? `x${a.ratio ?? '?'}`
          : a.kind === 'error-burst'
            ? 'repeated errors, no baseline'
            : a.kind === 'stack-trace'
              ? 'stack trace'
              : a.baselineCount === 0
                ? 'new code'
                : 'code';
    return `${a.description.slice(0, 120)} (${what}, ${a.count} in window)`;
  };
  const top = report.anomalies.slice(0, 3).map(describe);
  return `${report.anomalies.length} anomalies in ${service} logs; strongest: ${top.join('; ')}.`;
}

/**
 * Log analysis of an incident: reads the affected service's logs from the baseline start to the end of the incident
 * window, mines templates, and reports what is new or spiking against the baseline (templates, error codes, stack
 * traces) with counts and confidences. Skipped, not failed, when the incident names no service with logs.
 */
export async function analyseIncidentLogs(
  incident: Incident,
  deps: LogAnalysisDeps,
  options: LogAnalysisOptions = {},
): Promise<LogAnalysisResult> {
  const candidates = serviceCandidates(incident);
  if (candidates.length === 0) {
    return {
      status: 'skipped',
      reason: 'the incident names no service',
      summary: 'No service to read logs for.',
      summaryBy: 'rules',
      confidence: 0,
    };
  }
  const opened = Date.parse(incident.createdAt);
  const now = deps.clock.now().getTime();
  const windowStart = new Date(opened - (options.lookbackMinutes ?? 30) * MINUTE);
  const windowEnd = new Date(Math.min(now, opened + (options.afterMinutes ?? 15) * MINUTE));
  const baselineMinutes = options.baselineMinutes ?? 120;
  const baselineStart = new Date(windowStart.getTime() - baselineMinutes * MINUTE);

  for (const service of candidates) {
    let fetched: Awaited<ReturnType<LogSource['fetch']>>;
    try {
      fetched = await deps.logs.fetch({ service, start: baselineStart, end: windowEnd, limit: options.maxEvents });
    } catch (error) {
      if (error instanceof UnknownLogSourceError) continue;
      throw error;
    }
    const windowMinutes = Math.max(1, (windowEnd.getTime() - windowStart.getTime()) / MINUTE);
    // A truncated fetch keeps the newest events: the baseline is then only the part actually read.
    const firstEvent = fetched.events[0] ? Date.parse(fetched.events[0].timestamp) : baselineStart.getTime();
    const effectiveBaseline = fetched.truncated
      ? Math.max(0, (windowStart.getTime() - firstEvent) / MINUTE)
      : baselineMinutes;
    const report = findLogAnomalies(
      fetched.events,
      windowStart,
      { baselineMinutes: effectiveBaseline, windowMinutes },
      options,
    );
    const strongest = report.anomalies[0]?.confidence ?? 0;
    const volume = Math.min(1, report.eventCount / 20);
    const result: LogAnalysisResult = {
      status: 'analysed',
      service,
      window: { start: windowStart.toISOString(), end: windowEnd.toISOString() },
      baseline: { start: baselineStart.toISOString(), end: windowStart.toISOString() },
      sources: fetched.sources,
      truncated: fetched.truncated,
      ...report,
      summary: rulesSummary(service, report),
      summaryBy: 'rules',
      confidence: Math.round(strongest * (0.5 + 0.5 * volume) * 100) / 100,
    };
    if (deps.llm && report.anomalies.length > 0) await explainWithModel(incident, result, report, deps.llm);
    return result;
  }
  return {
    status: 'skipped',
    reason: `no logs known for ${candidates.map((c) => `'${c}'`).join(', ')}`,
    summary: 'No logs found for the affected service.',
    summaryBy: 'rules',
    confidence: 0,
  };
}

/** Asks the model for a short explanation; keeps the rules' summary when the model is unavailable or cites nonsense. */
async function explainWithModel(
  incident: Incident,
  result: LogAnalysisResult,
  report: LogAnomalyReport,
  llm: LanguageModel,
) {
  const keys = new Set(report.anomalies.map((a) => a.key));
  try {
    const answer = await llm.generate({
      agent: agentName('LogAnalysis'),
      incidentId: incident.incidentId,
      task: 'explain_log_anomalies',
      taskDescription: 'Records a short explanation of the log anomalies, citing anomaly keys.',
      instructions:
        'Explain in at most three sentences what these log anomalies suggest went wrong in the service and what a ' +
        'responder should check first. Cite the anomaly keys you rely on in citedKeys.',
      facts: {
        service: result.service,
        window: result.window,
        anomalies: report.anomalies.map(({ kind, key, count, baselineCount, ratio, level, confidence }) => ({
          kind,
          key,
          count,
          baselineCount,
          ratio,
          level,
          confidence,
        })),
      },
      untrusted: [
        { label: 'incident.title', text: incident.title },
        ...report.anomalies
          .slice(0, 8)
          .map((a) => ({ label: `anomaly.${a.key}`, text: `${a.description}\n${a.example}` })),
      ],
      schema: LogExplanation,
    });
    const cited = answer.output.citedKeys.filter((key) => keys.has(key));
    if (cited.length === 0) return;
    result.summary = answer.output.summary;
    result.summaryBy = answer.modelId;
  } catch {
    // The rules' summary stands; the model is a nicety here, never a dependency.
  }
}
