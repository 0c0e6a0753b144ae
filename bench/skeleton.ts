import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sign, startLocalLumos } from '../test/support/local-runtime';
import { fmt, percentile, table } from './stats';

const root = join(__dirname, '..');

/** Start-up time to healthy, and webhook -> triaged latency over N incidents sent one after another. */
export async function skeletonLatency(count = 100): Promise<void> {
  const secret = 'bench-secret';
  const started = Date.now();
  const lumos = await startLocalLumos({ LUMOS_WEBHOOK_SECRET: secret });
  const startupMs = Date.now() - started;
  try {
    const template = JSON.parse(
      readFileSync(join(root, 'test/fixtures/servicenow/incident-created.json'), 'utf8'),
    ).result;
    const latencies: number[] = [];
    const t0 = Date.now();
    for (let i = 0; i < count; i++) {
      const body = JSON.stringify({
        ...template,
        sys_id: `bench-${Date.now()}-${i}`,
        number: `INC9${String(i).padStart(6, '0')}`,
        impact: '2',
        urgency: '2',
      });
      const sent = performance.now();
      const response = await fetch(`${lumos.api}/webhooks/servicenow`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', 'X-Lumos-Signature': sign(secret, body) },
      });
      const { incidentId } = (await response.json()) as { incidentId: string };
      for (;;) {
        const incident = (await (await fetch(`${lumos.api}/incidents/${incidentId}`)).json()) as { triage?: unknown };
        if (incident.triage) break;
        await new Promise((r) => setTimeout(r, 5));
      }
      latencies.push(performance.now() - sent);
    }
    const elapsed = (Date.now() - t0) / 1000;
    console.log(
      `\n## Local runtime\n${table([
        ['metric', 'value'],
        ['start-up to healthy', fmt(startupMs)],
        [`webhook -> triaged p50 (n=${count})`, fmt(percentile(latencies, 50))],
        [`webhook -> triaged p95 (n=${count})`, fmt(percentile(latencies, 95))],
        ['sequential throughput', `${(count / elapsed).toFixed(1)} incidents/s`],
      ])}`,
    );
  } finally {
    await lumos.stop();
  }
}
