import { agentResult } from '../../../lambdas/agents/agent-results';
import { agentName } from '../../../lambdas/function-catalogue';

const routing = { group: 'Network Operations', reason: 'owning team', summary: 'VPN down', extra: 1 };

describe('agentResult', () => {
  it('reads a step under the result key its catalogue entry names (Route stores agents.routing)', () => {
    expect(agentName('EscalationRouting')).toBe('routing');
    expect(agentResult({ agents: { routing } }, 'EscalationRouting')).toEqual(routing);
    expect(agentResult({ agents: { EscalationRouting: routing } }, 'EscalationRouting')).toBeUndefined();
  });

  it('is undefined for an agent that did not run, was skipped, failed, or left another shape', () => {
    expect(agentResult({ agents: {} }, 'Sentiment')).toBeUndefined();
    expect(agentResult({ agents: { fulfilment: { status: 'skipped' } } }, 'Fulfilment')).toBeUndefined();
    expect(
      agentResult({ agents: { dependency: { status: 'failed', error: 'Boom', message: 'no graph' } } }, 'Dependency'),
    ).toBeUndefined();
    expect(agentResult({ agents: { routing: { group: 42 } } }, 'EscalationRouting')).toBeUndefined();
  });

  it('keeps the fields it does not declare and fills declared defaults', () => {
    const stored = {
      current: -0.4,
      trendLabel: 'worsening',
      summary: 's',
      escalation: { raised: true },
      scoredBy: 'x',
    };
    expect(agentResult({ agents: { sentiment: stored } }, 'Sentiment')).toEqual({
      ...stored,
      escalation: { raised: true, reasons: [] },
    });
  });
});
