import { Stack } from 'aws-cdk-lib';
import * as bedrock from 'aws-cdk-lib/aws-bedrock';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/** The model settings of one agent, as the LLM adapter reads them from `LUMOS_LLM_SETTINGS`. */
export interface AgentModelProps {
  /** Bedrock foundation model id. */
  readonly modelId: string;
  /** @default 0 */
  readonly temperature?: number;
  /** @default 1024 */
  readonly maxTokens?: number;
  /** Replaces the agent's built-in role prompt. @default the built-in prompt */
  readonly systemPrompt?: string;
}

/** Properties of {@link BedrockAccess}. */
export interface BedrockAccessProps {
  /** Model settings per agent name (`triage`, `knowledge`, `sentiment`, `log-analysis`). */
  readonly agents: Readonly<Record<string, AgentModelProps>>;
  /** Model tokens one incident may spend across all agents. @default 40000 */
  readonly budgetTokensPerIncident?: number;
  /**
   * A guardrail applied to every call: an existing one (`{ id, version }`), or `create` for one this construct
   * makes with the prompt-attack filter at high strength on inputs. @default no guardrail
   */
  readonly guardrail?: { readonly id: string; readonly version: string } | 'create';
}

/**
 * Language-model access for the agents: each agent function may invoke only its own model (InvokeModel also
 * authorises Converse) and apply only the stage's guardrail, and is told its settings, and nobody else's, in
 * `LUMOS_LLM_SETTINGS`.
 */
export class BedrockAccess extends Construct {
  /** The guardrail every call goes through, when the stage has one. */
  public readonly guardrail?: { readonly id: string; readonly version: string; readonly arn: string };
  private readonly props: BedrockAccessProps;

  constructor(scope: Construct, id: string, props: BedrockAccessProps) {
    super(scope, id);
    for (const [agent, settings] of Object.entries(props.agents)) {
      if (!/^[a-z0-9-]+\.[a-z0-9.-]+(:[0-9]+)?$/.test(settings.modelId)) {
        throw new Error(`BedrockAccess: agent '${agent}' has no valid foundation model id ('${settings.modelId}')`);
      }
      if (settings.temperature !== undefined && (settings.temperature < 0 || settings.temperature > 1)) {
        throw new Error(`BedrockAccess: agent '${agent}' temperature must be within 0..1`);
      }
    }
    this.props = props;
    if (props.guardrail === 'create') {
      const created = new bedrock.CfnGuardrail(this, 'Guardrail', {
        name: `${Stack.of(this).stackName}-agents`.slice(0, 50),
        description: 'Lumos agents: blocks prompt attacks hidden in ticket, alert and log text',
        blockedInputMessaging: 'This request was blocked by the Lumos guardrail.',
        blockedOutputsMessaging: 'This answer was blocked by the Lumos guardrail.',
        contentPolicyConfig: {
          filtersConfig: [{ type: 'PROMPT_ATTACK', inputStrength: 'HIGH', outputStrength: 'NONE' }],
        },
      });
      const version = new bedrock.CfnGuardrailVersion(this, 'GuardrailVersion', {
        guardrailIdentifier: created.attrGuardrailId,
      });
      this.guardrail = { id: created.attrGuardrailId, version: version.attrVersion, arn: created.attrGuardrailArn };
    } else if (props.guardrail) {
      this.guardrail = {
        ...props.guardrail,
        arn: Stack.of(this).formatArn({ service: 'bedrock', resource: 'guardrail', resourceName: props.guardrail.id }),
      };
    }
  }

  /** The foundation-model ARN of a model id in this stack's region. */
  public modelArn(modelId: string): string {
    return Stack.of(this).formatArn({
      service: 'bedrock',
      account: '',
      resource: 'foundation-model',
      resourceName: modelId,
    });
  }

  /** The settings JSON one agent's function receives. */
  public settingsFor(agent: string): string {
    const settings = this.props.agents[agent];
    if (!settings) throw new Error(`BedrockAccess: no model settings for agent '${agent}'`);
    return Stack.of(this).toJsonString({
      budgetTokensPerIncident: this.props.budgetTokensPerIncident ?? 40_000,
      ...(this.guardrail ? { guardrail: { id: this.guardrail.id, version: this.guardrail.version } } : {}),
      agents: { [agent]: settings },
    });
  }

  /**
   * Lets `role` call `agent`'s model (and the guardrail) and returns the environment to set. `alreadyGranted` skips
   * the model statement when the function was already given that exact model by the stack.
   */
  public grantAgent(role: iam.IRole, agent: string, alreadyGranted = false): Record<string, string> {
    const settings = this.props.agents[agent];
    if (!settings) throw new Error(`BedrockAccess: no model settings for agent '${agent}'`);
    if (!alreadyGranted) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['bedrock:InvokeModel'], resources: [this.modelArn(settings.modelId)] }),
      );
    }
    if (this.guardrail) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['bedrock:ApplyGuardrail'], resources: [this.guardrail.arn] }),
      );
    }
    return { LUMOS_LLM_SETTINGS: this.settingsFor(agent) };
  }
}
