import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { functionCatalogue, substitutionKey, workflowSteps } from '../../lambdas/function-catalogue';
import { substitutions } from './workflow-doubles';

type AslValidator = (
  definition: unknown,
  options?: { checkPaths?: boolean; checkArn?: boolean },
) => { isValid: boolean; errorsText: (separator?: string) => string };
const aslValidator: AslValidator = require('asl-validator');

interface Catcher {
  ErrorEquals: string[];
  Next: string;
  ResultPath?: string;
}
interface State {
  Type: string;
  Resource?: string;
  Parameters?: { FunctionName?: string };
  Retry?: Array<{ ErrorEquals: string[] }>;
  Catch?: Catcher[];
  Branches?: Machine[];
  Next?: string;
  Default?: string;
}
interface Machine {
  StartAt: string;
  States: Record<string, State>;
}

const text = readFileSync(join(__dirname, '../../statemachines/incident.asl.json'), 'utf8');
const definition = JSON.parse(text) as Machine;

/** Every state, branches included, with the machine that holds it. */
function allStates(machine: Machine): Array<{ name: string; state: State; machine: Machine }> {
  return Object.entries(machine.States).flatMap(([name, state]) => [
    { name, state, machine },
    ...(state.Branches ?? []).flatMap(allStates),
  ]);
}

const tasks = allStates(definition).filter(({ state }) => state.Type === 'Task');

/**
 * The Retry every Task but FlagForHuman carries. ASL has no way to share a block, so each Task repeats it and this
 * file is the one copy to edit; the test below fails when a Task's copy differs.
 */
const transientRetry = JSON.parse(readFileSync(join(__dirname, '../../statemachines/transient-retry.json'), 'utf8'));

describe('statemachines/incident.asl.json', () => {
  test('passes asl-validator as written and with its substitutions applied', () => {
    const raw = aslValidator(JSON.parse(text), { checkPaths: true, checkArn: true });
    expect(raw.errorsText('\n')).toBe('');
    expect(raw.isValid).toBe(true);

    const substituted = text.replace(/\$\{(\w+)\}/g, (_placeholder, key: string) => substitutions()[key] ?? 'missing');
    const resolved = aslValidator(JSON.parse(substituted), { checkPaths: true, checkArn: true });
    expect(resolved.errorsText('\n')).toBe('');
    expect(resolved.isValid).toBe(true);
  });

  // biome-ignore lint/suspicious/noTemplateCurlyInString: names the ASL placeholder syntax
  test('every ${...} placeholder names a workflow function of the catalogue, and every workflow function is used', () => {
    const placeholders = new Set([...text.matchAll(/\$\{([^}]+)\}/g)].map((match) => match[1]));
    const workflowKeys = new Set(functionCatalogue.filter((spec) => spec.role === 'workflow').map(substitutionKey));

    expect([...placeholders].filter((key) => !workflowKeys.has(key!))).toEqual([]);
    expect([...workflowKeys].filter((key) => !placeholders.has(key))).toEqual([]);
  });

  test('every Task state is the state of a catalogue step and invokes that step, and every step is a Task', () => {
    const steps = workflowSteps();
    const byState = new Map(steps.map((spec) => [spec.step.state, spec]));
    const invoked = tasks.map(({ name, state }) => ({
      state: name,
      step: byState.get(name)?.id ?? 'no catalogue step names this state',
      functionName: state.Parameters?.FunctionName,
    }));
    expect(invoked).toEqual(
      invoked.map(({ state, step }) => ({
        state,
        step,
        functionName: `\${${substitutionKey({ id: step })}}`,
      })),
    );
    const tasked = new Set(tasks.map(({ name }) => name));
    expect(steps.filter((spec) => !tasked.has(spec.step.state)).map((spec) => spec.id)).toEqual([]);
    expect(functionCatalogue.filter((spec) => spec.role === 'workflow' && !spec.step).map((spec) => spec.id)).toEqual(
      [],
    );
  });

  test('every Task but FlagForHuman carries the shared Retry of statemachines/transient-retry.json', () => {
    for (const { name, state } of tasks.filter(({ name }) => name !== 'FlagForHuman')) {
      expect({ name, retry: state.Retry }).toEqual({ name, retry: transientRetry });
    }
  });

  test('every Task retries transient errors, Lumos.TransientError included', () => {
    expect(tasks.length).toBeGreaterThan(0);
    for (const { name, state } of tasks) {
      const retried = (state.Retry ?? []).flatMap((retrier) => retrier.ErrorEquals);
      expect({
        name,
        retriesTransient: retried.includes('Lumos.TransientError') || retried.includes('States.ALL'),
      }).toEqual({
        name,
        retriesTransient: true,
      });
    }
  });

  test('every Task catches all errors into a path a person sees; FlagForHuman alone ends in a Fail state', () => {
    for (const { name, state, machine } of tasks) {
      const catchAll = (state.Catch ?? []).find((catcher) => catcher.ErrorEquals.includes('States.ALL'));
      expect({ name, hasCatchAll: catchAll !== undefined }).toEqual({ name, hasCatchAll: true });
      const target = catchAll!.Next;
      if (name === 'Postmortem') {
        // After the outcome is recorded: a failed draft must not reopen a resolved incident; the error stays in
        // the execution's output and the ticket simply has no draft.
        expect(machine.States[target]).toMatchObject({ Type: 'Pass', End: true });
      } else if (name === 'FlagForHuman') {
        expect(machine.States[target]?.Type).toBe('Fail');
      } else if (machine !== definition || target === `${name}Degraded`) {
        // Inside a Parallel branch a failure degrades that branch; a degradable step (Diagnose) degrades likewise.
        // Either way the incident goes on to the plan, which hands it to a person when evidence is missing.
        expect({ name, target, type: machine.States[target]?.Type }).toEqual({
          name,
          target: `${name}Degraded`,
          type: 'Pass',
        });
      } else {
        expect({ name, target }).toEqual({ name, target: 'FlagForHuman' });
      }
    }
  });

  test('the human gate is a callback task with a timeout and a heartbeat, and both timeouts escalate', () => {
    const gate = definition.States.HumanGate as State & Record<string, unknown>;
    expect(gate.Resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
    expect(gate.TimeoutSecondsPath ?? gate.TimeoutSeconds).toBeDefined();
    expect(gate.HeartbeatSecondsPath ?? gate.HeartbeatSeconds).toBeDefined();
    expect(JSON.stringify(gate.Parameters)).toContain('$$.Task.Token');
    const timeoutCatcher = gate.Catch?.find((catcher) => catcher.ErrorEquals.includes('States.Timeout'));
    expect(timeoutCatcher?.ErrorEquals).toContain('States.HeartbeatTimeout');
    expect(timeoutCatcher?.Next).toBe('Escalate');
  });

  test('state names are stable PascalCase identifiers', () => {
    for (const { name } of allStates(definition)) expect(name).toMatch(/^[A-Z][A-Za-z0-9]*$/);
  });
});
