import { CrashHookConfigError, crashHookFromEnv, parseCrashPoint } from '../../../local/stepfunctions/crash-hook';

const allowed = (at: string) => ({ LUMOS_CRASH_AT: at, LUMOS_ALLOW_CRASH_HOOK: '1' });
const point = (stateName: string, phase: 'enter' | 'exit', executionStartDate: string) => ({
  executionArn: `arn:aws:states:us-east-1:000000000000:execution:m:${executionStartDate}`,
  executionStartDate,
  stateName,
  phase,
});

describe('the test-only crash hook', () => {
  it('reads a state, a phase, an occurrence and the new-executions-only flag', () => {
    expect(parseCrashPoint('Triage:enter')).toEqual({
      stateName: 'Triage',
      phase: 'enter',
      occurrence: 1,
      onlyNew: false,
    });
    expect(parseCrashPoint('HumanGate:exit:2:new')).toEqual({
      stateName: 'HumanGate',
      phase: 'exit',
      occurrence: 2,
      onlyNew: true,
    });
    expect(() => parseCrashPoint('Triage:during')).toThrow(CrashHookConfigError);
    expect(() => parseCrashPoint('Triage:enter:0')).toThrow(CrashHookConfigError);
  });

  it('refuses to start without the explicit allow variable', () => {
    expect(() => crashHookFromEnv({ LUMOS_CRASH_AT: 'Triage:enter' }, () => undefined)).toThrow(
      /LUMOS_ALLOW_CRASH_HOOK/,
    );
    expect(crashHookFromEnv({}, () => undefined)).toBeUndefined();
  });

  it('dies at the n-th time any execution reaches the point', () => {
    const deaths: number[] = [];
    const hook = crashHookFromEnv(allowed('Route:exit:2'), () => deaths.push(1))!;
    const old = new Date(Date.now() - 60_000).toISOString();
    hook(point('Route', 'enter', old));
    hook(point('Route', 'exit', old));
    expect(deaths).toHaveLength(0);
    hook(point('Route', 'exit', old));
    expect(deaths).toHaveLength(1);
  });

  it('with :new, lets executions started before the process resume past the point', () => {
    const deaths: number[] = [];
    const hook = crashHookFromEnv(allowed('Triage:enter:new'), () => deaths.push(1))!;
    hook(point('Triage', 'enter', new Date(Date.now() - 60_000).toISOString()));
    expect(deaths).toHaveLength(0);
    hook(point('Triage', 'enter', new Date(Date.now() + 1).toISOString()));
    expect(deaths).toHaveLength(1);
  });
});
