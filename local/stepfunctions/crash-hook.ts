import { writeSync } from 'node:fs';
import type { TransitionPoint } from './engine';

/** The environment variable that names the crash point, and the one that must explicitly allow it. */
export const CRASH_AT_VARIABLE = 'LUMOS_CRASH_AT';
export const CRASH_ALLOW_VARIABLE = 'LUMOS_ALLOW_CRASH_HOOK';

/**
 * Where a test wants the process to die: the `occurrence`-th time an execution reaches `stateName` at `phase`.
 * With `onlyNew`, only executions started since the process began count (not those it resumed or redrove), so a
 * test can make a fresh delivery's workflow the one that crashes while older workflows resume past the point.
 */
export interface CrashPoint {
  readonly stateName: string;
  readonly phase: TransitionPoint['phase'];
  readonly occurrence: number;
  readonly onlyNew: boolean;
}

/** The crash hook is on but not allowed, or its value cannot be read. */
export class CrashHookConfigError extends Error {
  override readonly name = 'CrashHookConfigError';
}

/** Reads `<state>:<enter|exit>[:n][:new]` (n counts from 1, default 1; `new`: see {@link CrashPoint}). */
export function parseCrashPoint(text: string): CrashPoint {
  const match = /^(.+):(enter|exit)(?::([1-9]\d*))?(:new)?$/.exec(text.trim());
  if (!match) {
    throw new CrashHookConfigError(`${CRASH_AT_VARIABLE} must be <state>:<enter|exit>[:n][:new], got '${text}'`);
  }
  return {
    stateName: match[1]!,
    phase: match[2] as CrashPoint['phase'],
    occurrence: Number(match[3] ?? '1'),
    onlyNew: match[4] !== undefined,
  };
}

/**
 * TEST-ONLY fault injection for the crash-recovery tests: with `LUMOS_CRASH_AT=<state>:<enter|exit>[:n][:new]` and
 * `LUMOS_ALLOW_CRASH_HOOK=1`, the process kills itself with SIGKILL (no clean-up, exactly like a crash) at that
 * point of the workflow. Without the allow variable a set LUMOS_CRASH_AT refuses to start, so the hook cannot be
 * switched on by accident. Returns undefined when no crash point is set.
 */
export function crashHookFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  die: () => void = () => process.kill(process.pid, 'SIGKILL'),
): ((point: TransitionPoint) => void) | undefined {
  const spec = env[CRASH_AT_VARIABLE]?.trim();
  if (!spec) return undefined;
  if (env[CRASH_ALLOW_VARIABLE] !== '1') {
    throw new CrashHookConfigError(
      `${CRASH_AT_VARIABLE} is a test-only fault hook that kills the process; set ${CRASH_ALLOW_VARIABLE}=1 to allow it`,
    );
  }
  const target = parseCrashPoint(spec);
  const since = Date.now();
  let seen = 0;
  return (point) => {
    if (point.stateName !== target.stateName || point.phase !== target.phase) return;
    if (target.onlyNew && Date.parse(point.executionStartDate) < since) return;
    seen += 1;
    if (seen !== target.occurrence) return;
    // Synchronous, so the line is out before the process dies.
    writeSync(
      1,
      `[lumos] ${CRASH_AT_VARIABLE}: crashing at ${point.stateName}:${point.phase} of ${point.executionArn}\n`,
    );
    die();
  };
}
