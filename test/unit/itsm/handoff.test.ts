import { buildHandoffPacket, handoffReason } from '../../../lambdas/agents/handoff/core';
import type { Incident } from '../../../lambdas/core/incident';
import { firstResponseText, firstResponseUpdate } from '../../../lambdas/workflow/first-response/core';
import { finalWrite } from '../../../lambdas/workflow/write-back/core';
import { incidentFrom } from './fixtures';

const AT = new Date('2026-11-18T10:05:00Z');

function enriched(): Incident {
  const base = incidentFrom('servicenow', { externalId: 'INC0010042', sysId: 'a'.repeat(32) });
  return {
    ...base,
    knowledge: { ...base.knowledge!, suggestedResolution: 'Raise the IKE keepalive to 20 s on the Berlin gateway.' },
    agents: {
      routing: { group: 'Network Operations', reason: 'Network Operations owns network incidents', summary: 'x' },
      sentiment: {
        status: 'scored',
        current: -0.7,
        trendLabel: 'worsening',
        summary: 'Two comments, getting angrier.',
        escalation: { raised: true, reasons: ['latest comment very negative'], recommendation: 'offer-callback' },
      },
      'log-analysis': {
        status: 'analysed',
        summary: 'IKE SA expired errors spiked at 09:12.',
        confidence: 0.7,
        service: 'corp-vpn',
        anomalies: [{ kind: 'spike', key: 't1', description: 'IKE SA <*> expired', count: 340, ratio: 12.5 }],
      },
      dependency: {
        status: 'mapped',
        summary: '3 components depend on corp-vpn.',
        confidence: 0.6,
        blastRadius: { components: 3, highCriticality: ['payroll-app'], owners: ['Finance IT'] },
        suspects: [{ component: 'berlin-gw', score: 0.8, reasons: ['changed 40 min before'], changeIds: ['CHG0042'] }],
      },
      plan: { actions: [{ type: 'human-review', target: 'Network Operations', reason: 'confidence 0.82 below 0.9' }] },
      execution: { done: ['assigned to Network Operations'], refused: [] },
    },
  };
}

describe('human handoff agent', () => {
  it('builds a packet with every section a person needs to take over', () => {
    const incident = enriched();
    const packet = buildHandoffPacket(
      incident,
      'escalated',
      {
        group: 'Network Operations',
        assignee: { name: 'Gita Rao', email: 'gita.rao@example.com', source: 'rotation' },
        summary: '',
      },
      AT,
    );
    expect(packet).toMatchObject({
      needed: true,
      reason: 'nobody decided on the planned response in time',
      to: { group: 'Network Operations', assignee: { name: 'Gita Rao' } },
      sentiment: { trend: 'worsening', current: -0.7, escalation: 'latest comment very negative' },
      triage: { priority: 'P2', category: 'network', confidence: 0.82 },
      evidence: {
        summary: 'IKE SA expired errors spiked at 09:12.',
        anomalies: ['spike IKE SA <*> expired (340x, 12.5x baseline)'],
      },
      blastRadius: {
        components: 3,
        highCriticality: ['payroll-app'],
        owners: ['Finance IT'],
        suspects: ['berlin-gw: changed 40 min before [CHG0042]'],
      },
      knowledge: [{ articleId: 'network/vpn-access.md', title: 'VPN access problems', score: 0.91 }],
      actionsTried: ['Lumos: assigned to Network Operations'],
      builtAt: AT.toISOString(),
    });
    // Triage counts double; the evidence agents temper it: (0.82*2 + 0.7 + 0.6) / 4.
    expect(packet.confidence).toBe(0.73);
    expect(packet.nextSteps).toEqual([
      'Try the suggested resolution (under Knowledge): Raise the IKE keepalive to 20 s on the Berlin gateway.',
      'Review the most suspect recent change: berlin-gw: changed 40 min before [CHG0042].',
      'Look at the top log anomaly in corp-vpn: IKE SA <*> expired.',
      'Read "VPN access problems" (network/vpn-access.md).',
      'Offer the reporter a call: their messages are getting more frustrated.',
    ]);
    for (const heading of [
      'Triage reasoning',
      'Sentiment',
      'Evidence from logs',
      'Blast radius',
      'Knowledge',
      'Actions tried',
      'Suggested next steps',
      'History',
    ]) {
      expect(packet.text).toContain(`## ${heading}`);
    }
    expect(packet.text.split('\n').slice(0, 4)).toEqual([
      '## Lumos handoff: nobody decided on the planned response in time',
      '**Take over:** Network Operations, on call: Gita Rao',
      '**Incident:** P2 network incident INC0010042: VPN drops every few minutes for the Berlin office (service corp-vpn)',
      '**Lumos confidence:** 73%',
    ]);
  });

  it('leaves out sections whose agent was down', () => {
    const incident = { ...enriched(), agents: { 'log-analysis': { status: 'failed', error: 'TimeoutError' } } };
    const packet = buildHandoffPacket(incident, 'rejected', undefined, AT);
    expect(packet.evidence).toBeUndefined();
    expect(packet.sentiment).toBeUndefined();
    expect(packet.text).not.toContain('## Evidence from logs');
    expect(packet.confidence).toBe(0.82);
  });

  it('hands a proposed fix the policy kept from Lumos to the person as the first thing to do, never as done', () => {
    const why =
      'the policy does not let Lumos run rotate-certificate on corp-vpn (no execution policy lets Lumos change the network domain (autonomy assisted)); it is proposed to Network Operations, who carry it out';
    const incident = {
      ...enriched(),
      agents: {
        plan: {
          actions: [{ type: 'escalate-to-human', target: 'Network Operations', reason: `a person takes over: ${why}` }],
          remediation: { personTakesOver: true, why, runbookId: 'rotate-certificate' },
          proposal: {
            runbook: {
              id: 'rotate-certificate',
              title: 'Rotate a certificate',
              version: 'v1',
              parameters: { service: 'corp-vpn', baseUrl: 'http://127.0.0.1:4110', incidentId: 'inc-1' },
            },
            target: 'corp-vpn',
            risk: 'medium',
            proposedTo: 'Network Operations',
            because: ['no execution policy lets Lumos change the network domain (autonomy assisted)'],
          },
        },
        execution: { done: ['posted first response'], refused: [] },
      },
    };
    const packet = buildHandoffPacket(incident, 'executed', undefined, AT);
    expect(packet.personNeeded).toBe(true);
    expect(packet.reason).toBe(`a person takes over: ${why}`);
    const step = packet.nextSteps.find((s) => s.startsWith('Carry out the proposed fix'));
    expect(step).toBe(
      'Carry out the proposed fix, runbook rotate-certificate ("Rotate a certificate") on corp-vpn (service=corp-vpn, baseUrl=http://127.0.0.1:4110): Lumos may not run it itself (no execution policy lets Lumos change the network domain (autonomy assisted)).',
    );
    expect(packet.text).toContain(step);
    expect(packet.actionsTried.join(' ')).not.toContain('rotate-certificate');
  });

  it('needs no person only after a verified recovery or a fulfilled request, and one whenever a person is owed', () => {
    const done = { ...enriched(), agents: { execution: { done: ['posted first response'], refused: [] } } };
    // Notes posted, nothing verified: a person must still confirm the incident is handled.
    expect(handoffReason(done, 'executed')).toBe(
      'Lumos took no verified remedial action; a person must confirm the incident is handled',
    );
    const ran = { runbookId: 'restart-service', status: 'succeeded', summary: '1 step(s) ran' };
    const verified = (status: string) => ({
      ...done,
      agents: {
        execution: { done: [], refused: [], runbook: ran },
        verification: { status, summary: 'post-checks pass' },
      },
    });
    expect(handoffReason(verified('recovered'), 'executed')).toBeUndefined();
    expect(handoffReason(verified('self-recovered'), 'executed')).toBeUndefined();
    expect(handoffReason(verified('not-recovered'), 'executed')).toBe('recovery was not verified (post-checks pass)');
    expect(handoffReason(verified('pending'), 'executed')).toBe('recovery was not verified (post-checks pass)');
    const packet = buildHandoffPacket(verified('recovered'), 'executed', undefined, new Date());
    expect(packet).toMatchObject({ needed: false, personNeeded: false });
    expect(packet.reason).toBe('recovery verified; no person needs to take over');
    expect(buildHandoffPacket(verified('not-recovered'), 'executed', undefined, new Date()).personNeeded).toBe(true);
    expect(handoffReason({ ...done, agents: { fulfilment: { status: 'fulfilled' } } }, 'fulfilled')).toBeUndefined();
    expect(handoffReason(done, 'rejected')).toBe('the approver rejected the planned response');
    // Nobody answered the review, but the alarm cleared by itself before anything ran and the service is healthy.
    const untouched = (status: string) => ({
      ...done,
      agents: {
        plan: {
          actions: [{ type: 'escalate-to-human', target: 'Application Support', reason: 'a person takes over: 30%' }],
        },
        verification: { status, summary: 'the alarm resolved without a remediation' },
      },
    });
    expect(handoffReason(untouched('self-recovered'), 'escalated')).toBeUndefined();
    expect(handoffReason(untouched('skipped'), 'escalated')).toBe('nobody decided on the planned response in time');
    expect(handoffReason(untouched('self-recovered'), 'rejected')).toBe('the approver rejected the planned response');
    expect(handoffReason(untouched('self-recovered'), 'executed')).toBeUndefined();
    expect(handoffReason({ ...done, status: 'needs_human' }, undefined)).toBe(
      'an agent failed for good; a person must look',
    );
    expect(
      handoffReason(
        { ...done, agents: { fulfilment: { status: 'needs_approval', summary: 'change window closed' } } },
        'executed',
      ),
    ).toBe('the request could not be fulfilled automatically (change window closed)');
    expect(handoffReason(enriched(), 'executed')).toBe(
      "the reporter's sentiment calls for a person (latest comment very negative)",
    );
    const asked = {
      ...enriched(),
      agents: { plan: { actions: [{ type: 'escalate-to-human', target: 'Service Desk' }] } },
    };
    expect(handoffReason(asked, 'executed')).toBe('the user asked for a person');
    const takeOver = {
      ...enriched(),
      agents: {
        plan: {
          actions: [
            {
              type: 'escalate-to-human',
              target: 'Service Desk',
              reason: 'a person takes over: no runbook remediates network',
            },
          ],
        },
      },
    };
    expect(handoffReason(takeOver, 'executed')).toBe('a person takes over: no runbook remediates network');
  });

  it('puts the diagnosis first, says why the team changed, and claims no person is needed only after verified recovery', () => {
    const diagnosis = {
      status: 'ok',
      summary: 'Most likely bad-deployment on payments-api (80%)',
      confidence: 0.74,
      hypotheses: [
        {
          rank: 1,
          component: 'payments-api',
          failureMode: 'bad-deployment',
          confidence: 0.8,
          evidence: [{ kind: 'change', ref: 'change:CHG1', summary: 'deployment CHG1 40 min before' }],
          confirm: ['The new errors start right after CHG1.'],
          ruleOut: ['The same errors appear before CHG1.'],
        },
      ],
    };
    const incident = {
      ...enriched(),
      facts: { service: 'corp-vpn', owningTeam: 'Platform Engineering', basis: {} },
      agents: { ...enriched().agents, diagnosis },
    };
    const packet = buildHandoffPacket(
      incident,
      'rejected',
      { group: 'Network Operations', summary: '', reason: 'Platform Engineering is at capacity' },
      AT,
    );
    expect(packet).toMatchObject({ needed: true, personNeeded: true, confidence: 0.74 });
    expect(packet.reassigned).toEqual({
      from: 'Platform Engineering',
      to: 'Network Operations',
      because: 'Platform Engineering is at capacity',
    });
    expect(packet.text).toContain('## Diagnosis');
    expect(packet.text).toContain(
      '1. bad-deployment on payments-api (80%): deployment CHG1 40 min before [change:CHG1]',
    );
    expect(packet.nextSteps[0]).toBe(
      'Check the top hypothesis, bad-deployment on payments-api: The new errors start right after CHG1.',
    );
    const recovered = buildHandoffPacket(
      {
        ...incident,
        agents: { diagnosis, verification: { status: 'recovered', attempts: 1, checks: [] } },
      },
      'executed',
      undefined,
      AT,
    );
    expect(recovered).toMatchObject({ needed: false, personNeeded: false });
    expect(recovered.reason).toBe('recovery verified; no person needs to take over');
  });
});

describe('first response and write-back notes', () => {
  it('shows the affected service and the diagnosis in the first response', () => {
    const incident = {
      ...enriched(),
      facts: { service: 'corp-vpn', basis: { service: 'cmdb_ci' } },
      agents: {
        ...enriched().agents,
        diagnosis: {
          status: 'ok',
          summary: 'Most likely network on corp-vpn (70%)',
          confidence: 0.6,
          hypotheses: [
            {
              rank: 1,
              component: 'corp-vpn',
              failureMode: 'network',
              confidence: 0.7,
              evidence: [{ kind: 'log', ref: 'log:corp-vpn:T3', summary: 'corp-vpn logs: connection reset by peer' }],
              confirm: ['Connections to corp-vpn are reset.'],
              ruleOut: [],
            },
          ],
        },
      },
    };
    const text = firstResponseText(incident, undefined);
    expect(text).toContain('**Affected service:** corp-vpn (from cmdb_ci)');
    expect(text).toContain('## Diagnosis');
    expect(text).toContain('- 1. network on corp-vpn (70%): corp-vpn logs: connection reset by peer [log:corp-vpn:T3]');
    expect(text).toContain('- To confirm: Connections to corp-vpn are reset.');
  });

  it('puts triage, routing, the top knowledge and next steps in the first response', () => {
    const incident = enriched();
    const text = firstResponseText(incident, incident.agents.routing as { group: string; reason: string });
    expect(text).toContain('**Triage:** P2 network, 82% confident');
    expect(text).toContain('Why: Mentions VPN tunnel drops for a whole office.');
    expect(text).toContain('**Routed to:** Network Operations (Network Operations owns network incidents)');
    expect(text).toContain('- VPN access problems (network/vpn-access.md, score 0.91)');
    expect(text).toContain('- Suggested resolution: Raise the IKE keepalive to 20 s on the Berlin gateway.');
    expect(firstResponseUpdate(incident)).toMatchObject({
      state: 'in_progress',
      assignment: { group: 'Network Operations' },
    });
  });

  it('writes the handoff packet when one is needed, a fulfilled request as a resolution, otherwise progress', () => {
    const handedOff = {
      ...enriched(),
      agents: {
        handoff: { needed: true, text: 'PACKET', to: { group: 'Network Operations', assignee: { name: 'Gita Rao' } } },
      },
    };
    expect(finalWrite(handedOff)).toEqual({
      purpose: 'handoff',
      update: {
        workNote: 'PACKET',
        state: 'in_progress',
        assignment: { group: 'Network Operations', assignee: { name: 'Gita Rao' } },
      },
      resolves: false,
    });
    const fulfilled = {
      ...enriched(),
      agents: {
        fulfilment: {
          status: 'fulfilled',
          itemTitle: 'Password reset',
          runbookId: 'reset-password',
          reply: 'Done!',
          summary: 'ok',
        },
      },
    };
    expect(finalWrite(fulfilled)).toMatchObject({
      purpose: 'fulfilment',
      update: { reply: 'Done!', state: 'resolved' },
      resolves: true,
    });
    expect(finalWrite({ ...enriched(), agents: { execution: { done: ['assigned to X'] } } })).toEqual({
      purpose: 'progress',
      update: { workNote: '## Lumos progress\n- assigned to X' },
      resolves: false,
    });
  });
});
