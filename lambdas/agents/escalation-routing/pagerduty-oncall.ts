import type { OnCallLookup } from './core';

type Fetch = typeof fetch;

/**
 * On-call from PagerDuty's REST API v2 (`GET /oncalls?schedule_ids[]=...&include[]=users`), for teams whose
 * schedule lives there. Optional: without an API token the configured rotation decides. Failures yield undefined
 * (the rotation then decides), so an outage at PagerDuty never stops routing.
 */
export class PagerDutyOnCall implements OnCallLookup {
  constructor(
    private readonly token: string,
    private readonly baseUrl = 'https://api.pagerduty.com',
    private readonly fetchImpl: Fetch = fetch,
  ) {}

  async onCall(scheduleId: string, at: Date): Promise<{ email?: string; name: string; until?: string } | undefined> {
    const query = new URLSearchParams();
    query.append('schedule_ids[]', scheduleId);
    query.append('include[]', 'users');
    query.set('since', at.toISOString());
    query.set('until', new Date(at.getTime() + 60_000).toISOString());
    const response = await this.fetchImpl(`${this.baseUrl.replace(/\/$/, '')}/oncalls?${query}`, {
      headers: { authorization: `Token token=${this.token}`, accept: 'application/vnd.pagerduty+json;version=2' },
      signal: AbortSignal.timeout(5000),
    });
    if (!response.ok) return undefined;
    const body = (await response.json()) as {
      oncalls?: Array<{
        escalation_level?: number;
        end?: string | null;
        user?: { summary?: string; name?: string; email?: string };
      }>;
    };
    const first = [...(body.oncalls ?? [])].sort((a, b) => (a.escalation_level ?? 9) - (b.escalation_level ?? 9))[0];
    const name = first?.user?.name ?? first?.user?.summary;
    if (!name) return undefined;
    return {
      name,
      ...(first.user?.email ? { email: first.user.email } : {}),
      ...(first.end ? { until: first.end } : {}),
    };
  }
}
