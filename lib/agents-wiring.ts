import { CfnOutput, Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
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
 * The agents' access beyond the incident table, per function:
 *
 * | function      | grants                                                              | environment                                  |
 * |---------------|---------------------------------------------------------------------|----------------------------------------------|
 * | Triage        | its text model (the stack already grants it), the guardrail          | LUMOS_LLM_SETTINGS                           |
 * | Knowledge     | its text model, the guardrail, search on the knowledge collection    | LUMOS_LLM_SETTINGS, KNOWLEDGE_*              |
 * | Sentiment     | its text model, the guardrail                                        | LUMOS_LLM_SETTINGS, SENTIMENT_ESCALATION_THRESHOLD |
 * | LogAnalysis   | its text model, the guardrail, Logs Insights on the mapped groups    | LUMOS_LLM_SETTINGS, LUMOS_LOG_GROUPS         |
 * | Dependency    | nothing more (the service graph lives in the incident table)         |                                              |
 * | KnowledgeSync | write on the knowledge collection, the embedding model, the articles bucket, the ServiceNow secret if any; runs on a schedule | KNOWLEDGE_*, BEDROCK_EMBEDDING_MODEL_ID, KNOWLEDGE_S3_URI, SERVICENOW_KB_SECRET_ARN |
 */
export class Agents extends Construct {
  public readonly settings: AgentsConfig;
  public readonly bedrock: BedrockAccess;
  public readonly knowledgeSearch: KnowledgeSearch;
  public readonly logInsights: LogInsightsAccess;

  constructor(scope: Construct, id: string, props: AgentsProps) {
    super(scope, id);
    const { config, functions } = props;
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

    const set = (fn: LumosFunction, environment: Record<string, string>) => {
      for (const [name, value] of Object.entries(environment)) fn.addEnvironment(name, value);
    };
    const dimensions = { KNOWLEDGE_EMBEDDING_DIMENSIONS: String(settings.knowledge.embeddingDimensions) };

    const triage = functions.Triage;
    if (triage) {
      // The stack grants Triage the stage's triage model; a different agent model would need its own statement.
      set(
        triage,
        this.bedrock.grantAgent(
          triage.role,
          'triage',
          settings.llm.agents.triage.modelId === config.bedrock.models.triage,
        ),
      );
    }
    const knowledge = functions.Knowledge;
    if (knowledge) {
      set(knowledge, this.bedrock.grantAgent(knowledge.role, 'knowledge'));
      set(knowledge, this.knowledgeSearch.grantRead(knowledge.role));
      set(knowledge, dimensions);
    }
    const sentiment = functions.Sentiment;
    if (sentiment) {
      set(sentiment, this.bedrock.grantAgent(sentiment.role, 'sentiment'));
      set(sentiment, { SENTIMENT_ESCALATION_THRESHOLD: String(settings.sentimentEscalationThreshold) });
    }
    const logAnalysis = functions.LogAnalysis;
    if (logAnalysis) {
      set(logAnalysis, this.bedrock.grantAgent(logAnalysis.role, 'log-analysis'));
      set(logAnalysis, this.logInsights.grantQuery(logAnalysis.role));
    }
    const sync = functions.KnowledgeSync;
    if (sync) {
      set(sync, this.knowledgeSearch.grantWrite(sync.role));
      set(sync, this.knowledgeSearch.grantReadArticles(sync.role));
      set(sync, dimensions);
      sync.allowBedrockModel(config.bedrock.models.knowledgeEmbedding, 'BEDROCK_EMBEDDING_MODEL_ID');
      if (settings.knowledge.servicenowSecretArn) {
        sync.role.addToPrincipalPolicy(
          new iam.PolicyStatement({
            actions: ['secretsmanager:GetSecretValue'],
            resources: [settings.knowledge.servicenowSecretArn],
          }),
        );
        set(sync, { SERVICENOW_KB_SECRET_ARN: settings.knowledge.servicenowSecretArn });
      }
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
}
