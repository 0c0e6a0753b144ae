import type { RenderedAction, StepRunResult } from '../../ports/runbook-executor';

/** Runs an HTTP action with fetch (the same in AWS and locally); a network error is a failed result, not a throw. */
export async function runHttpAction(
  action: Extract<RenderedAction, { kind: 'http' }>,
  timeoutMs: number,
): Promise<StepRunResult> {
  const started = Date.now();
  try {
    const response = await fetch(action.url, {
      method: action.method,
      headers: {
        ...(action.body !== undefined ? { 'content-type': 'application/json' } : {}),
        'user-agent': 'lumos-runbook-executor',
        ...action.headers,
      },
      body:
        action.body === undefined
          ? undefined
          : typeof action.body === 'string'
            ? action.body
            : JSON.stringify(action.body),
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'manual',
    });
    const output = (await response.text()).slice(0, 8192);
    let json: unknown;
    try {
      json = JSON.parse(output);
    } catch {
      json = undefined;
    }
    return {
      ok: response.status >= 200 && response.status < 300,
      status: response.status,
      output,
      ...(json !== undefined ? { json } : {}),
      durationMs: Date.now() - started,
    };
  } catch (error) {
    const err = error as Error;
    return {
      ok: false,
      output: '',
      error:
        err.name === 'TimeoutError'
          ? `no answer within ${timeoutMs} ms`
          : `${err.message}${err.cause ? ` (${String((err.cause as Error).message ?? err.cause)})` : ''}`,
      durationMs: Date.now() - started,
    };
  }
}
