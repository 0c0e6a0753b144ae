import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { cfnLint, synthAllStages } from '../../bin/validate-templates';

describe('CloudFormation templates', () => {
  it('pass cfn-lint, for every stage and nested stack, with no finding left', () => {
    const templates = synthAllStages(mkdtempSync(path.join(tmpdir(), 'lumos-cfn-lint-')));
    expect(templates.map((t) => path.basename(t)).sort()).toEqual(
      expect.arrayContaining(['Lumos-dev.template.json', 'Lumos-staging.template.json', 'Lumos-prod.template.json']),
    );
    const { status, output } = cfnLint(templates);
    expect(output).toBe('');
    expect(status).toBe(0);
  }, 300_000);
});
