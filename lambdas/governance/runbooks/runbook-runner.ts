import type { RenderedAction, RunbookExecutor, StepRunResult } from '../../ports/runbook-executor';
import {
  type ActionSpec,
  type Expectation,
  type Runbook,
  type RunbookCheck,
  type RunbookStep,
  TEMPLATE,
} from './runbook-schema';

export type StepPhase = 'precondition' | 'step' | 'postCheck' | 'rollback';

export interface StepOutcome {
  phase: StepPhase;
  name: string;
  action: RenderedAction;
  ok: boolean;
  /** Not run (dry run, or an earlier failure). */
  skipped?: boolean;
  attempts?: number;
  status?: number | string;
  output?: string;
  error?: string;
  durationMs?: number;
}

/**
 * `succeeded`: steps ran and post-checks passed. `not_needed`: a precondition did not hold, nothing ran.
 * `planned`: dry run. `rolled_back`: a step or post-check failed and the rollback succeeded.
 * `rollback_failed`: and the rollback failed too (a person must look now).
 */
export type RunbookStatus = 'succeeded' | 'not_needed' | 'planned' | 'rolled_back' | 'rollback_failed';

export interface RunbookRun {
  runbookId: string;
  dryRun: boolean;
  executor: string;
  status: RunbookStatus;
  outcomes: StepOutcome[];
  startedAt: string;
  finishedAt: string;
  summary: string;
}

export interface RunOptions {
  dryRun: boolean;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
}

const render = (template: string, values: Record<string, string>): string =>
  template.replace(TEMPLATE, (_, name: string) => values[name] ?? '');

/** A string that is one typed template (`{{replicas|number}}`) becomes a number or boolean; others stay text. */
function renderValue(template: string, values: Record<string, string>): unknown {
  const typed = /^\{\{\s*([A-Za-z0-9_]+)\s*\|\s*(number|boolean)\s*\}\}$/.exec(template);
  if (typed) {
    const raw = values[typed[1]!] ?? '';
    if (typed[2] === 'number') return raw === '' ? null : Number(raw);
    return raw === 'true';
  }
  return render(template, values);
}

function renderDeep(value: unknown, values: Record<string, string>): unknown {
  if (typeof value === 'string') return renderValue(value, values);
  if (Array.isArray(value)) return value.map((v) => renderDeep(v, values));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderDeep(v, values)]));
  }
  return value;
}

/** Fills `{{parameter}}` templates into an expectation (a JSON path or value may name a parameter). */
export function renderExpectation(expect: Expectation, values: Record<string, string>): Expectation {
  return {
    ...expect,
    ...(expect.contains !== undefined ? { contains: render(expect.contains, values) } : {}),
    ...(expect.json
      ? {
          json: {
            ...expect.json,
            path: render(expect.json.path, values),
            ...(typeof expect.json.equals === 'string'
              ? { equals: renderValue(expect.json.equals, values) as string | number | boolean }
              : {}),
            ...(typeof expect.json.includes === 'string'
              ? { includes: renderValue(expect.json.includes, values) as string | number | boolean }
              : {}),
            ...(typeof expect.json.below === 'string'
              ? { below: renderValue(expect.json.below, values) as number }
              : {}),
            ...(typeof expect.json.atLeast === 'string'
              ? { atLeast: renderValue(expect.json.atLeast, values) as number }
              : {}),
          },
        }
      : {}),
  };
}

/** Fills a step's parameters in. URLs get URL-encoded values, so a value cannot add a path or a query. */
export function renderAction(spec: ActionSpec, values: Record<string, string>): RenderedAction {
  if ('http' in spec) {
    const encoded = Object.fromEntries(
      Object.entries(values).map(([k, v]) => [k, /^https?:\/\//.test(v) ? v : encodeURIComponent(v)]),
    );
    return {
      kind: 'http',
      method: spec.http.method,
      url: render(spec.http.url, encoded),
      headers: renderDeep(spec.http.headers, values) as Record<string, string>,
      ...(spec.http.body !== undefined ? { body: renderDeep(spec.http.body, values) } : {}),
    };
  }
  if ('command' in spec) return { kind: 'command', argv: spec.command.argv.map((a) => render(a, values)) };
  if ('ssmAutomation' in spec) {
    const { documentName, parameters, local } = spec.ssmAutomation;
    return {
      kind: 'ssmAutomation',
      documentName: render(documentName, values),
      parameters: Object.fromEntries(
        Object.entries(parameters).map(([k, v]) => [k, (Array.isArray(v) ? v : [v]).map((x) => render(x, values))]),
      ),
      ...(local ? { local: renderAction(local, values) } : {}),
    };
  }
  const { functionName, payload, local } = spec.lambda;
  return {
    kind: 'lambda',
    functionName: render(functionName, values),
    payload: renderDeep(payload, values),
    ...(local ? { local: renderAction(local, values) } : {}),
  };
}

/** A dotted path into JSON; on a list, a non-numeric key collects that field of every element, flattened (`devices.software.package`). */
function valueAt(json: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => {
    if (Array.isArray(node) && !/^[0-9]+$/.test(key)) {
      const pick = (item: unknown): unknown[] =>
        Array.isArray(item)
          ? item.flatMap(pick)
          : [item && typeof item === 'object' ? (item as Record<string, unknown>)[key] : undefined];
      return node.flatMap(pick);
    }
    return node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  }, json);
}

/** Whether a result meets a step's expectation (by default: the executor's own notion of success). */
export function meets(result: StepRunResult, expect: Expectation): { ok: boolean; why?: string } {
  if (result.error && result.status === undefined) return { ok: false, why: result.error };
  if (expect.status && !expect.status.map(String).includes(String(result.status))) {
    return { ok: false, why: `status ${result.status}, expected ${expect.status.join(' or ')}` };
  }
  if (expect.statusNot?.map(String).includes(String(result.status))) {
    return { ok: false, why: `status ${result.status} is one of ${expect.statusNot.join(', ')}` };
  }
  if (!expect.status && !expect.statusNot && !result.ok)
    return { ok: false, why: result.error ?? `status ${result.status}` };
  if (expect.contains && !result.output.includes(expect.contains)) {
    return { ok: false, why: `output does not contain '${expect.contains}'` };
  }
  if (expect.json) {
    const { path, equals, exists, includes, below, atLeast } = expect.json;
    const actual = valueAt(result.json, path);
    if (equals !== undefined && actual !== equals) {
      return { ok: false, why: `${path} is ${JSON.stringify(actual)}, expected ${JSON.stringify(equals)}` };
    }
    if (exists !== undefined && (actual !== undefined && actual !== null) !== exists) {
      return { ok: false, why: `${path} is ${JSON.stringify(actual)}, expected it ${exists ? 'set' : 'absent'}` };
    }
    if (includes !== undefined && !(Array.isArray(actual) && actual.includes(includes))) {
      return {
        ok: false,
        why: `${path} is ${JSON.stringify(actual)}, expected it to include ${JSON.stringify(includes)}`,
      };
    }
    // A limit that is not a number (a template whose parameter is missing) never holds.
    if (below !== undefined && !(typeof actual === 'number' && typeof below === 'number' && actual < below)) {
      return { ok: false, why: `${path} is ${JSON.stringify(actual)}, expected below ${below}` };
    }
    if (atLeast !== undefined && !(typeof actual === 'number' && typeof atLeast === 'number' && actual >= atLeast)) {
      return { ok: false, why: `${path} is ${JSON.stringify(actual)}, expected at least ${atLeast}` };
    }
  }
  return { ok: true };
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs a runbook: preconditions (a failing one means "not needed", nothing runs), steps in order, post-checks
 * (polled), and on any failure after a step ran, the rollback. A dry run evaluates the read-only preconditions and
 * returns every rendered step without running it. Never throws for a failing step: the run says what happened.
 */
export async function runRunbook(
  runbook: Runbook,
  values: Record<string, string>,
  executor: RunbookExecutor,
  options: RunOptions,
): Promise<RunbookRun> {
  const now = options.now ?? (() => new Date());
  const sleep = options.sleep ?? defaultSleep;
  const startedAt = now().toISOString();
  const outcomes: StepOutcome[] = [];
  const finish = (status: RunbookStatus, summary: string): RunbookRun => ({
    runbookId: runbook.id,
    dryRun: options.dryRun,
    executor: executor.name,
    status,
    outcomes,
    startedAt,
    finishedAt: now().toISOString(),
    summary,
  });

  const check = async (phase: StepPhase, item: RunbookCheck | RunbookStep): Promise<StepOutcome> => {
    const action = renderAction(item, values);
    const attempts = 'attempts' in item ? item.attempts : 1;
    const interval = 'intervalSeconds' in item ? item.intervalSeconds : 0;
    let outcome: StepOutcome = { phase, name: item.name, action, ok: false };
    const expect = renderExpectation(item.expect, values);
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const result = await executor.run(action, { timeoutMs: item.timeoutSeconds * 1000 });
      const verdict = meets(result, expect);
      outcome = {
        phase,
        name: item.name,
        action,
        ok: verdict.ok,
        attempts: attempt,
        status: result.status,
        output: result.output.slice(0, 2000),
        durationMs: result.durationMs,
        ...(verdict.ok ? {} : { error: verdict.why }),
      };
      if (verdict.ok) break;
      if (attempt < attempts) await sleep(interval * 1000);
    }
    outcomes.push(outcome);
    return outcome;
  };

  const rollback = async (reason: string): Promise<RunbookRun> => {
    if (runbook.rollback.length === 0) return finish('rollback_failed', `${reason}; the runbook has no rollback`);
    let ok = true;
    for (const step of runbook.rollback) {
      const outcome = await check('rollback', step);
      ok &&= outcome.ok;
    }
    return ok
      ? finish('rolled_back', `${reason}; rolled back`)
      : finish('rollback_failed', `${reason}; rollback failed too`);
  };

  for (const precondition of runbook.preconditions) {
    const outcome = await check('precondition', precondition);
    if (!outcome.ok) {
      for (const step of runbook.steps) {
        outcomes.push({ phase: 'step', name: step.name, action: renderAction(step, values), ok: false, skipped: true });
      }
      return finish('not_needed', `precondition '${precondition.name}' does not hold (${outcome.error}); nothing ran`);
    }
  }
  if (options.dryRun) {
    for (const step of runbook.steps) {
      outcomes.push({ phase: 'step', name: step.name, action: renderAction(step, values), ok: true, skipped: true });
    }
    return finish('planned', `dry run: ${runbook.steps.length} step(s) would run`);
  }
  for (const step of runbook.steps) {
    const outcome = await check('step', step);
    if (!outcome.ok) return rollback(`step '${step.name}' failed (${outcome.error})`);
  }
  for (const postCheck of runbook.postChecks) {
    const outcome = await check('postCheck', postCheck);
    if (!outcome.ok) return rollback(`post-check '${postCheck.name}' failed (${outcome.error})`);
  }
  return finish('succeeded', `${runbook.steps.length} step(s) ran; ${runbook.postChecks.length} post-check(s) passed`);
}

/** One post-check's result at one moment, as verification records it. */
export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

/**
 * Runs a runbook's post-checks once each (no polling: the caller polls, e.g. the workflow's wait loop), and says
 * for each whether it holds now. Never throws: a check that cannot run is a failed check with the reason.
 */
export async function runPostChecksOnce(
  runbook: Runbook,
  values: Record<string, string>,
  executor: RunbookExecutor,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const check of runbook.postChecks) {
    const action = renderAction(check, values);
    try {
      const result = await executor.run(action, { timeoutMs: check.timeoutSeconds * 1000 });
      const verdict = meets(result, renderExpectation(check.expect, values));
      results.push({
        name: check.name,
        ok: verdict.ok,
        detail: verdict.ok ? `passed (status ${result.status ?? 'ok'})` : (verdict.why ?? 'failed'),
      });
    } catch (error) {
      results.push({ name: check.name, ok: false, detail: (error as Error).message });
    }
  }
  return results;
}

/** Runs a runbook's rollback steps (after a verified failure to recover); true when every step succeeded. */
export async function runRollback(
  runbook: Runbook,
  values: Record<string, string>,
  executor: RunbookExecutor,
): Promise<{ ok: boolean; steps: CheckResult[] }> {
  const steps: CheckResult[] = [];
  for (const step of runbook.rollback) {
    const action = renderAction(step, values);
    const result = await executor.run(action, { timeoutMs: step.timeoutSeconds * 1000 });
    const verdict = meets(result, renderExpectation(step.expect, values));
    steps.push({ name: step.name, ok: verdict.ok, detail: verdict.ok ? 'done' : (verdict.why ?? 'failed') });
    if (!verdict.ok) break;
  }
  return { ok: steps.length > 0 && steps.every((s) => s.ok), steps };
}
