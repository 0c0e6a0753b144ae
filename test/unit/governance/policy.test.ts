import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GovernanceConfigError, loadGovernanceConfig } from '../../../lambdas/governance/governance-config';
import { CedarPolicyEngine, VALIDATED_POLICIES_FILE } from '../../../lambdas/governance/policy/cedar-engine';
import { activeFreeze, changeWindowOpen, withinWindow } from '../../../lambdas/governance/policy/change-calendar';
import { UnknownActionTypeError } from '../../../lambdas/governance/policy/governance-policy';
import { testPolicy } from './fakes';

const POLICY_DIR = join(__dirname, '../../../policies');
// Thursday 10:00 UTC = 11:00 in Berlin: inside the production change window. Saturday is outside it.
const IN_WINDOW = new Date('2026-11-19T10:00:00Z');
const OUT_OF_WINDOW = new Date('2026-11-21T10:00:00Z');
const IN_FREEZE = new Date('2026-12-22T10:00:00Z');
const plan = (at: Date) => ({ at, phase: 'plan' as const, approved: false });
const confident = { priority: 'P3' as const, confidence: 0.92 };

describe('the Cedar policy set', () => {
  it('loads, and validates against the schema in strict mode', () => {
    const engine = CedarPolicyEngine.fromDirectory(POLICY_DIR);
    expect(engine.version).toMatch(/^[0-9a-f]{16}$/);
    expect(engine.policyText('requester-cannot-approve')).toContain('forbid');
  });

  it('refuses to load a policy that does not match the schema, naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cedar-'));
    writeFileSync(join(dir, 'lumos.cedarschema'), readFileSync(join(POLICY_DIR, 'lumos.cedarschema')));
    writeFileSync(
      join(dir, 'broken.cedar'),
      '@id("typo")\npermit (principal, action == Lumos::Action::"execute", resource) when { resource.riskRnak == 0 };\n',
    );
    expect(() => CedarPolicyEngine.fromDirectory(dir)).toThrow(/typo/);
  });

  it('refuses a policy without an @id, so every decision can name its reason', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cedar-'));
    writeFileSync(join(dir, 'lumos.cedarschema'), readFileSync(join(POLICY_DIR, 'lumos.cedarschema')));
    writeFileSync(join(dir, 'anonymous.cedar'), 'permit (principal, action, resource);\n');
    expect(() => CedarPolicyEngine.fromDirectory(dir)).toThrow(GovernanceConfigError);
  });

  it('loads from the record of a validation done at build time, deciding as the validated set does', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cedar-'));
    cpSync(POLICY_DIR, dir, { recursive: true });
    CedarPolicyEngine.recordValidation(dir);
    expect(existsSync(join(dir, VALIDATED_POLICIES_FILE))).toBe(true);
    const fromRecord = CedarPolicyEngine.fromDirectory(dir);
    const validatedHere = CedarPolicyEngine.fromDirectory(POLICY_DIR);
    expect(fromRecord.version).toBe(validatedHere.version);
    expect(fromRecord.policyText('requester-cannot-approve')).toBe(
      validatedHere.policyText('requester-cannot-approve'),
    );
  });

  it('ignores a validation record once a policy file changed, so a broken policy still fails to load', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cedar-'));
    cpSync(POLICY_DIR, dir, { recursive: true });
    CedarPolicyEngine.recordValidation(dir);
    writeFileSync(
      join(dir, 'execution.cedar'),
      '@id("typo")\npermit (principal, action == Lumos::Action::"execute", resource) when { resource.riskRnak == 0 };\n',
    );
    expect(() => CedarPolicyEngine.fromDirectory(dir)).toThrow(/typo/);
  });

  it('refuses to record a validation for a policy set that does not validate', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cedar-'));
    writeFileSync(join(dir, 'lumos.cedarschema'), readFileSync(join(POLICY_DIR, 'lumos.cedarschema')));
    writeFileSync(join(dir, 'anonymous.cedar'), 'permit (principal, action, resource);\n');
    expect(() => CedarPolicyEngine.recordValidation(dir)).toThrow(GovernanceConfigError);
    expect(existsSync(join(dir, VALIDATED_POLICIES_FILE))).toBe(false);
  });
});

describe('execution policy', () => {
  const policy = testPolicy({
    freezes: [
      { name: 'Year-end', from: '2026-12-18T00:00:00Z', to: '2027-01-04T00:00:00Z', environments: ['production'] },
    ],
  });

  it('lets low-risk ticket actions run alone, even in an assisted domain', () => {
    const verdict = policy.evaluate({ actionType: 'assign', service: 'corp-vpn' }, confident, plan(OUT_OF_WINDOW));
    expect(verdict).toMatchObject({ riskTier: 'low', allowed: true, autonomous: true, autonomy: 'assisted' });
  });

  it('makes a medium-risk change in a supervised domain wait for approval, naming why', () => {
    const verdict = policy.evaluate(
      { actionType: 'run-runbook', declaredRisk: 'medium', service: 'checkout-api' },
      confident,
      plan(IN_WINDOW),
    );
    expect(verdict).toMatchObject({ riskTier: 'medium', allowed: true, autonomous: false });
    expect(verdict.because.execute.map((p) => p.id)).toEqual(['changes-above-assisted']);
  });

  it('lets a bounded-autonomous domain run a medium change alone inside its window, but not outside it', () => {
    const facts = { actionType: 'run-runbook', declaredRisk: 'medium' as const, service: 'device-fleet' };
    expect(policy.evaluate(facts, confident, plan(IN_WINDOW)).autonomous).toBe(true);
    const outside = policy.evaluate(facts, confident, plan(OUT_OF_WINDOW));
    expect(outside.autonomous).toBe(false);
    expect(outside.because.autonomously.map((p) => p.id)).toContain('outside-change-window');
  });

  it('never lets a change run alone below the confidence floor, which the P2 trigger raises to 0.8', () => {
    const facts = { actionType: 'run-runbook', declaredRisk: 'low' as const, service: 'device-fleet' };
    expect(policy.evaluate(facts, { priority: 'P3', confidence: 0.85 }, plan(IN_WINDOW)).autonomous).toBe(true);
    const unsure = policy.evaluate(facts, { priority: 'P2', confidence: 0.75 }, plan(IN_WINDOW));
    expect(unsure.autonomous).toBe(false);
    expect(unsure.because.autonomously.map((p) => p.id)).toContain('confidence-floor');
  });

  it('refuses changes in an assisted domain outright', () => {
    const verdict = policy.evaluate(
      { actionType: 'run-runbook', declaredRisk: 'low', service: 'corp-vpn' },
      confident,
      plan(IN_WINDOW),
    );
    expect(verdict.allowed).toBe(false);
  });

  it('refuses changes during a freeze, except an approved P1 emergency change', () => {
    const facts = { actionType: 'run-runbook', declaredRisk: 'medium' as const, service: 'checkout-api' };
    const frozen = policy.evaluate(facts, confident, plan(IN_FREEZE));
    expect(frozen).toMatchObject({ allowed: false, frozen: 'Year-end' });
    expect(frozen.because.execute.map((p) => p.id)).toEqual(['change-freeze']);
    const p1 = { priority: 'P1' as const, confidence: 0.95 };
    expect(policy.evaluate(facts, p1, { at: IN_FREEZE, phase: 'execute', approved: true }).allowed).toBe(true);
    expect(policy.evaluate(facts, p1, { at: IN_FREEZE, phase: 'execute', approved: false }).allowed).toBe(false);
  });

  it('keeps high-risk actions and reviews from ever running alone', () => {
    expect(
      policy.evaluate(
        { actionType: 'run-runbook', declaredRisk: 'high', service: 'device-fleet' },
        confident,
        plan(IN_WINDOW),
      ).autonomous,
    ).toBe(false);
    expect(policy.evaluate({ actionType: 'human-review' }, confident, plan(IN_WINDOW)).autonomous).toBe(false);
  });

  it('never lets a declared risk lower the risk of its action type', () => {
    expect(policy.riskOf({ actionType: 'human-review', declaredRisk: 'low' }).tier).toBe('medium');
    expect(policy.riskOf({ actionType: 'human-review', declaredRisk: 'high' }).tier).toBe('high');
  });

  it('names an action type it has no risk tier for', () => {
    expect(() => policy.riskOf({ actionType: 'reboot-everything' })).toThrow(UnknownActionTypeError);
  });
});

describe('approval policy (segregation of duties)', () => {
  const policy = testPolicy({
    approverGroups: { Approvers: ['ana@example.com', 'ben@example.com', 'sam@example.com'] },
  });
  const request = {
    approvalId: 'apr-1',
    approverGroup: 'Approvers',
    riskTier: 'medium',
    requestedBy: 'sam@example.com',
    approvedBy: [] as string[],
  };

  it('lets a member of the approver group decide', () => {
    expect(policy.mayDecide('ana@example.com', request)).toMatchObject({
      allowed: true,
      because: [{ id: 'approver-in-group' }],
    });
  });

  it('forbids the requester, even as a member of the group', () => {
    expect(policy.mayDecide('sam@example.com', request)).toMatchObject({
      allowed: false,
      because: [{ id: 'requester-cannot-approve' }],
    });
  });

  it('forbids a person who proposed the action', () => {
    expect(policy.mayDecide('ben@example.com', { ...request, proposedBy: 'ben@example.com' }).because[0]?.id).toBe(
      'proposer-cannot-approve',
    );
  });

  it('denies anyone outside the group, and counts each person once', () => {
    expect(policy.mayDecide('eve@example.com', request).allowed).toBe(false);
    expect(policy.mayDecide('ana@example.com', { ...request, approvedBy: ['ana@example.com'] }).because[0]?.id).toBe(
      'one-vote-per-person',
    );
  });
});

describe('change calendar', () => {
  it('reads windows in their own time zone', () => {
    const window = { days: ['mon' as const], from: '09:00', to: '17:00', timezone: 'America/New_York' };
    expect(withinWindow(window, new Date('2026-11-23T14:30:00Z'))).toBe(true); // 09:30 in New York
    expect(withinWindow(window, new Date('2026-11-23T13:30:00Z'))).toBe(false); // 08:30 in New York
  });

  it('lets an overnight window run past midnight into the next day', () => {
    const window = { days: ['fri' as const], from: '22:00', to: '04:00', timezone: 'UTC' };
    expect(withinWindow(window, new Date('2026-11-20T23:00:00Z'))).toBe(true); // Friday night
    expect(withinWindow(window, new Date('2026-11-21T03:00:00Z'))).toBe(true); // early Saturday
    expect(withinWindow(window, new Date('2026-11-21T23:00:00Z'))).toBe(false); // Saturday night
  });

  it('finds freezes per environment and service', () => {
    const config = loadGovernanceConfig({
      dir: POLICY_DIR,
      overrides: {
        freezes: [
          {
            name: 'db',
            from: '2026-11-01T00:00:00Z',
            to: '2026-11-30T00:00:00Z',
            environments: ['production'],
            services: ['payments-db'],
          },
        ],
      },
    });
    const at = new Date('2026-11-15T00:00:00Z');
    expect(activeFreeze(config, 'payments-db', 'production', at)?.name).toBe('db');
    expect(activeFreeze(config, 'checkout-api', 'production', at)).toBeUndefined();
    expect(activeFreeze(config, 'payments-db', 'staging', at)).toBeUndefined();
    expect(changeWindowOpen(config, 'qa', at)).toBe(false);
  });
});

describe('governance configuration', () => {
  it('merges overrides over the file: objects by key, lists replaced', () => {
    const config = loadGovernanceConfig({
      dir: POLICY_DIR,
      overrides: { tiers: { medium: { timeoutSeconds: 30 } }, freezes: [] },
    });
    expect(config.tiers.medium).toMatchObject({ timeoutSeconds: 30, approval: 'async', requiredApprovals: 1 });
    expect(config.freezes).toEqual([]);
  });

  it('names the offending field of an invalid configuration', () => {
    expect(() =>
      loadGovernanceConfig({ dir: POLICY_DIR, overrides: { tiers: { medium: { requiredApprovals: 0 } } } }),
    ).toThrow(/tiers\.medium\.requiredApprovals/);
  });
});
