import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { type Acknowledgment, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import type { StageName } from '../../lib/config/stage-config';
import { addLumosStage } from '../../lib/lumos-app';
import { newTestApp } from './support/synth-stage';

interface ValidationReport {
  pluginReports: Array<{ pluginName: string; conclusion: string; violations: unknown[] }>;
}

describe('cdk-nag gate (AwsSolutions + Serverless)', () => {
  it.each<StageName>(['dev', 'prod'])('Compliance: %s synthesizes with no unacknowledged finding', (stage) => {
    const app = newTestApp();
    addLumosStage(app, stage);
    const assembly = app.synth();
    const reportFile = path.join(assembly.directory, 'validation-report.json');
    let violations: unknown[] = [];
    try {
      const report = JSON.parse(readFileSync(reportFile, 'utf8')) as ValidationReport;
      violations = report.pluginReports.flatMap((plugin) => plugin.violations);
    } catch {
      // No report file: no plugin had anything to say.
    }
    expect(violations).toEqual([]);
  });

  it('Noncompliance 1: a queue without TLS enforcement or a dead-letter queue fails synthesis', () => {
    const app = newTestApp();
    const stack = addLumosStage(app, 'dev');
    new sqs.Queue(stack, 'CarelessQueue', { enforceSSL: false });
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS4/);
  });

  it('every acknowledgement answers a finding the packs really raise, with a specific reason', () => {
    const acknowledged: Array<{ path: string; id: string; reason: string }> = [];
    // Record the acknowledgements instead of applying them, so the packs report every finding they silence.
    const spy = jest.spyOn(Validations.prototype, 'acknowledge').mockImplementation(function (
      this: Validations,
      ...rules: Acknowledgment[]
    ) {
      const scope = (this as unknown as { scope: IConstruct }).scope;
      for (const rule of rules) acknowledged.push({ path: scope.node.path, id: rule.id, reason: rule.reason });
    });
    try {
      const stack = addLumosStage(newTestApp(), 'prod', { complianceGate: false });
      const findings = [new AwsSolutionsChecks(), new ServerlessChecks()].flatMap((pack) =>
        pack
          .validateScope(stack)
          .violations.flatMap((violation) =>
            violation.violatingResources.map((resource) => ({ id: violation.ruleName, path: resource.constructPath })),
          ),
      );
      expect(acknowledged.length).toBeGreaterThan(0);
      const stale = acknowledged.filter(
        (ack) => !findings.some((finding) => finding.id === ack.id && `${finding.path}/`.startsWith(`${ack.path}/`)),
      );
      expect(stale).toEqual([]);
      for (const ack of acknowledged) expect(ack.reason.length).toBeGreaterThanOrEqual(60);
    } finally {
      spy.mockRestore();
    }
  });
});
