import { readFileSync } from 'node:fs';
import type { SignalKind } from '../core/incident';
import { EMPTY_SERVICE_MAP, parseServiceMap, type ServiceMap } from './service-map';

/** How intake correlates, recognises its own write-back and waits; read from the environment once per process. */
export interface IntakeSettings {
  /** New signals for a service join its open incident for this long after the last one (0 disables). */
  correlationWindowSeconds: number;
  /** Signal kinds that coalesce by service; tickets are people's reports and keep their own incident by default. */
  correlationKinds: readonly SignalKind[];
  /**
   * A ticket and an alarm about the same service within the window are one outage: the later joins the earlier's
   * incident even when its kind does not coalesce with its own kind (two tickets still stay apart). Default on.
   */
  correlateAcrossKinds: boolean;
  /** A pending delivery claim older than this is presumed dead and may be taken over. */
  leaseSeconds: number;
  /** How long a concurrent duplicate waits for the first attempt to finish, to answer with its incident. */
  duplicateWaitMs: number;
  serviceMap: ServiceMap;
  /** Lower-cased ids, names and e-mails of the user(s) Lumos writes back to ITSM tools as. */
  integrationUsers: readonly string[];
  /** Text Lumos puts into every comment/work note it writes; a change carrying it is Lumos' own. */
  writeBackMarker: string;
  /** Configuration problems found while loading (logged by the handlers; intake carries on without the part). */
  problems: readonly string[];
}

export const DEFAULT_WRITE_BACK_MARKER = '[lumos-writeback]';
export const DEFAULT_INTEGRATION_USERS = ['lumos', 'lumos.integration', 'lumos-integration'];

function seconds(value: string | undefined, name: string, fallback: number, problems: string[]): number {
  if (value === undefined || value.trim() === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) {
    problems.push(`${name} must be a non-negative number of seconds, got '${value}'; using ${fallback}`);
    return fallback;
  }
  return n;
}

function loadServiceMap(env: NodeJS.ProcessEnv, problems: string[]): ServiceMap {
  const inline = env.LUMOS_SERVICE_MAP?.trim();
  const file = env.LUMOS_SERVICE_MAP_FILE?.trim() || (inline && !inline.startsWith('{') ? inline : undefined);
  const text = inline?.startsWith('{') ? inline : undefined;
  try {
    if (text) return parseServiceMap(JSON.parse(text));
    if (file) return parseServiceMap(JSON.parse(readFileSync(file, 'utf8')));
  } catch (error) {
    problems.push(`service map ignored: ${(error as Error).message}`);
  }
  return EMPTY_SERVICE_MAP;
}

/**
 * Reads intake settings: `LUMOS_CORRELATION_WINDOW_SECONDS` (600), `LUMOS_CORRELATION_KINDS` (`alert`),
 * `LUMOS_CORRELATE_ACROSS_KINDS` (on), `LUMOS_SERVICE_MAP` (inline JSON or a file path) / `LUMOS_SERVICE_MAP_FILE`, `LUMOS_INTEGRATION_USERS`
 * (comma-separated), `LUMOS_WRITEBACK_MARKER`, `LUMOS_DELIVERY_LEASE_SECONDS` (60),
 * `LUMOS_DUPLICATE_WAIT_MS` (2000). A bad value is reported in `problems` and replaced by its default.
 */
export function loadIntakeSettings(env: NodeJS.ProcessEnv = process.env): IntakeSettings {
  const problems: string[] = [];
  const kinds = (env.LUMOS_CORRELATION_KINDS ?? 'alert')
    .split(',')
    .map((k) => k.trim().toLowerCase())
    .filter(Boolean);
  const unknownKinds = kinds.filter((k) => k !== 'alert' && k !== 'ticket');
  if (unknownKinds.length) problems.push(`LUMOS_CORRELATION_KINDS: unknown kind(s) ${unknownKinds.join(', ')}`);
  const users = env.LUMOS_INTEGRATION_USERS ? env.LUMOS_INTEGRATION_USERS.split(',') : DEFAULT_INTEGRATION_USERS;
  return {
    correlationWindowSeconds: seconds(
      env.LUMOS_CORRELATION_WINDOW_SECONDS,
      'LUMOS_CORRELATION_WINDOW_SECONDS',
      600,
      problems,
    ),
    correlationKinds: kinds.filter((k): k is SignalKind => k === 'alert' || k === 'ticket'),
    correlateAcrossKinds: !/^(0|false|no|off)$/i.test(env.LUMOS_CORRELATE_ACROSS_KINDS?.trim() ?? ''),
    leaseSeconds: seconds(env.LUMOS_DELIVERY_LEASE_SECONDS, 'LUMOS_DELIVERY_LEASE_SECONDS', 60, problems),
    duplicateWaitMs: seconds(env.LUMOS_DUPLICATE_WAIT_MS, 'LUMOS_DUPLICATE_WAIT_MS', 2000, problems),
    serviceMap: loadServiceMap(env, problems),
    integrationUsers: users.map((u) => u.trim().toLowerCase()).filter(Boolean),
    writeBackMarker: env.LUMOS_WRITEBACK_MARKER?.trim() || DEFAULT_WRITE_BACK_MARKER,
    problems,
  };
}

let cached: IntakeSettings | undefined;

/** Settings of this process (Lambda container or local runtime), loaded on first use. */
export function intakeSettings(): IntakeSettings {
  cached ??= loadIntakeSettings();
  return cached;
}

/** Forgets the cached settings (tests that change the environment). */
export function resetIntakeSettings(): void {
  cached = undefined;
}

let reported = false;

/** Logs configuration problems once per process, so a bad service map is visible without failing deliveries. */
export function reportSettingsProblems(report: (problems: string[]) => void): void {
  if (reported) return;
  reported = true;
  const { problems } = intakeSettings();
  if (problems.length) report([...problems]);
}
