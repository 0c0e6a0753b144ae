import { CfnOutput, Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { AgentAccess, FunctionAccess, ModelAgent } from '../lambdas/runtime/access';
import { type AgentsConfig, agentsConfigFor } from './config/agents-config';
import type { StageConfig } from './config/stage-config';
import { BedrockAccess } from './constructs/bedrock-access';
import { KnowledgeSearch } from './constructs/knowledge-search';
import { LogInsightsAccess } from './constructs/log-insights-access';
import type { LumosFunction } from './constructs/lumos-function';

/** What {@link Agents} wires. */
export interface AgentsProps {
  readonly config: StageConfig;
  /** Every deployed function, by catalogue id; agents missing from it are skipped. */
  readonly functions: Readonly<Record<string, LumosFunction>>;
  /** Where the knowledge articles bucket logs its access. @default no access logs */
  readonly accessLogsBucket?: s3.IBucket;
  readonly removalPolicy?: RemovalPolicy;
  /** Overrides of the stage's agent settings (tests, one-off deployments). */
  readonly overrides?: Partial<AgentsConfig>;
}

/**
 * Agent models, knowledge search, log access and the knowledge sync of one stage. {@link Agents.grant} wires the
 * agent access a catalogue entry lists; the knowledge sync function, when deployed, runs on a schedule.
 */
export class Agents extends Construct {
  public readonly settings: AgentsConfig;
  public readonly bedrock: BedrockAccess;
  public readonly knowledgeSearch: KnowledgeSearch;
  public readonly logInsights: LogInsightsAccess;
  private readonly config: StageConfig;

  constructor(scope: Construct, id: string, props: AgentsProps) {
    super(scope, id);
    const { config, functions } = props;
    this.config = config;
    this.settings = agentsConfigFor(config, props.overrides);
    const settings = this.settings;
    this.bedrock = new BedrockAccess(this, 'Bedrock', {
      agents: settings.llm.agents,
      budgetTokensPerIncident: settings.llm.budgetTokensPerIncident,
      guardrail: settings.llm.guardrail,
    });
    this.knowledgeSearch = new KnowledgeSearch(this, 'KnowledgeSearch', {
      dimensions: settings.knowledge.embeddingDimensions,
      standbyReplicas: settings.knowledge.standbyReplicas,
      removalPolicy: props.removalPolicy,
      accessLogsBucket: props.accessLogsBucket,
    });
    this.logInsights = new LogInsightsAccess(this, 'LogInsights', { logGroups: settings.logGroups });

    const sync = functions.KnowledgeSync;
    if (sync) {
      this.knowledgeSearch.scheduleSync(
        sync.function,
        events.Schedule.rate(Duration.hours(settings.knowledge.syncEveryHours)),
        sync.deadLetterQueue,
      );
    }

    new CfnOutput(this, 'KnowledgeArticlesBucketName', {
      value: this.knowledgeSearch.articlesBucket.bucketName,
      description: 'Markdown runbooks the knowledge sync indexes: aws s3 sync knowledge/ s3://<bucket>/',
    });
    new CfnOutput(this, 'KnowledgeCollectionEndpoint', { value: this.knowledgeSearch.endpoint });
  }

  /**
   * Grants `fn` one agent access and sets the variables that address it; `all` is everything its catalogue entry
   * lists (a model the stack already grants through `triageModel` is not granted twice).
   */
  public grant(fn: LumosFunction, access: AgentAccess, all: readonly FunctionAccess[]): void {
    const { settings, config } = this;
    const set = (environment: Record<string, string>) => {
      for (const [name, value] of Object.entries(environment)) fn.addEnvironment(name, value);
    };
    const dimensions = { KNOWLEDGE_EMBEDDING_DIMENSIONS: String(settings.knowledge.embeddingDimensions) };
    if (access.startsWith('model:')) {
      const agent = access.slice('model:'.length) as ModelAgent;
      const granted =
        all.includes('triageModel') && settings.llm.agents[agent].modelId === config.bedrock.models.triage;
      set(this.bedrock.grantAgent(fn.role, agent, granted));
      return;
    }
    switch (access as Exclude<AgentAccess, `model:${string}`>) {
      case 'knowledgeSearch':
        set(this.knowledgeSearch.grantRead(fn.role));
        set(dimensions);
        break;
      case 'writeKnowledge':
        set(this.knowledgeSearch.grantWrite(fn.role));
        set(dimensions);
        break;
      case 'readKnowledgeArticles':
        set(this.knowledgeSearch.grantReadArticles(fn.role));
        break;
      case 'knowledgeDrafts':
        set(this.knowledgeSearch.grantDrafts(fn.role));
        break;
      case 'servicenowKnowledge':
        if (settings.knowledge.servicenowSecretArn) {
          fn.role.addToPrincipalPolicy(
            new iam.PolicyStatement({
              actions: ['secretsmanager:GetSecretValue'],
              resources: [settings.knowledge.servicenowSecretArn],
            }),
          );
          set({ SERVICENOW_KB_SECRET_ARN: settings.knowledge.servicenowSecretArn });
        }
        break;
      case 'logsInsights':
        set(this.logInsights.grantQuery(fn.role));
        break;
      case 'sentimentSettings':
        set({ SENTIMENT_ESCALATION_THRESHOLD: String(settings.sentimentEscalationThreshold) });
        break;
      default: {
        const unhandled: never = access as never;
        throw new Error(`no wiring for agent access '${String(unhandled)}'`);
      }
    }
  }
}
