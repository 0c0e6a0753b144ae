import {
  InvalidStageConfigError,
  loadStageConfig,
  STAGE_NAMES,
  UnknownStageError,
} from '../../lib/config/stage-config';

describe('stage configuration', () => {
  it.each(STAGE_NAMES)('validates the %s stage', (stage) => {
    const config = loadStageConfig(stage);
    expect(config.stage).toBe(stage);
    expect(config.approval.timeoutSeconds).toEqual({ low: 0, medium: 3600, high: 600 });
    expect(config.incidentTable.pointInTimeRecovery).toBe(true);
  });

  it('keeps prod data when the stack is deleted and lets dev go', () => {
    expect(loadStageConfig('prod')).toMatchObject({
      removalPolicy: 'retain',
      incidentTable: { deletionProtection: true },
    });
    expect(loadStageConfig('dev')).toMatchObject({
      removalPolicy: 'destroy',
      incidentTable: { deletionProtection: false },
    });
  });

  it('names real Bedrock model ids per agent', () => {
    const { models } = loadStageConfig('prod').bedrock;
    expect(models.triage).toMatch(/^anthropic\.claude-3-5-sonnet-\d{8}-v\d:\d$/);
    expect(models.knowledgeEmbedding).toBe('amazon.titan-embed-text-v2:0');
  });

  it('rejects an unknown stage with the list of valid ones', () => {
    expect(() => loadStageConfig('qa')).toThrow(UnknownStageError);
    expect(() => loadStageConfig('qa')).toThrow(/Unknown stage 'qa'\. Choose one of: dev, staging, prod/);
  });

  it('rejects a heartbeat that could never fire before the high-risk timeout', () => {
    expect(() =>
      loadStageConfig('dev', {
        approval: { timeoutSeconds: { low: 0, medium: 3600, high: 600 }, heartbeatSeconds: 600 },
      }),
    ).toThrow(/high tier timeout[\s\S]*approval\.heartbeatSeconds/);
  });

  it('rejects a log retention CloudWatch Logs does not offer', () => {
    expect(() => loadStageConfig('dev', { logRetentionDays: 10 })).toThrow(InvalidStageConfigError);
  });

  it('rejects a Bedrock model given as an ARN instead of a model id', () => {
    expect(() =>
      loadStageConfig('dev', {
        bedrock: {
          models: {
            triage: 'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-sonnet-20240620-v1:0',
            plan: 'anthropic.claude-3-haiku-20240307-v1:0',
            knowledgeEmbedding: 'amazon.titan-embed-text-v2:0',
          },
        },
      }),
    ).toThrow(/bedrock\.models\.triage/);
  });

  it('requires a parameter path when the service map comes from SSM', () => {
    expect(() =>
      loadStageConfig('dev', { serviceMap: { source: 'ssm-parameter', parameterName: 'no-slash' } }),
    ).toThrow(InvalidStageConfigError);
    expect(
      loadStageConfig('dev', { serviceMap: { source: 'ssm-parameter', parameterName: '/lumos/dev/service-map' } })
        .serviceMap,
    ).toEqual({ source: 'ssm-parameter', parameterName: '/lumos/dev/service-map' });
  });
});
