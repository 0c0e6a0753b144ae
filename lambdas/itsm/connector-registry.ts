import * as z from 'zod';
import type { Source } from '../core/incident';
import type { SecretProvider } from '../ports/secrets';
import { JiraConnector, type JiraSettings } from './connectors/jira';
import { ServiceNowConnector, type ServiceNowSettings } from './connectors/servicenow';
import { ZendeskConnector, type ZendeskSettings } from './connectors/zendesk';
import { Authorizer, type ItsmConnection, parseConnection } from './credentials';
import { type Itsm, type ItsmConnector, type ItsmSource, isItsmSource } from './ticket';
import { VendorHttp, type VendorHttpOptions } from './vendor-http';

/** Non-secret connector settings per tool (group ids, priority names, transition names, ...). */
export interface ItsmSettings {
  servicenow?: ServiceNowSettings;
  jira?: JiraSettings;
  zendesk?: ZendeskSettings;
}

const SettingsSchema = z.object({
  servicenow: z.record(z.string(), z.unknown()).optional(),
  jira: z.record(z.string(), z.unknown()).optional(),
  zendesk: z.record(z.string(), z.unknown()).optional(),
});

/**
 * Reads `LUMOS_ITSM_SETTINGS` (JSON: `{"servicenow": {...}, "jira": {...}, "zendesk": {...}}`); unreadable settings
 * are reported and the defaults used, so a typo never stops write-back.
 */
export function loadItsmSettings(env: NodeJS.ProcessEnv = process.env): { settings: ItsmSettings; problems: string[] } {
  const text = env.LUMOS_ITSM_SETTINGS?.trim();
  if (!text) return { settings: {}, problems: [] };
  try {
    const parsed = SettingsSchema.safeParse(JSON.parse(text));
    if (parsed.success) return { settings: parsed.data as ItsmSettings, problems: [] };
    return { settings: {}, problems: [`LUMOS_ITSM_SETTINGS ignored: ${parsed.error.issues[0]?.message}`] };
  } catch (error) {
    return { settings: {}, problems: [`LUMOS_ITSM_SETTINGS is not JSON: ${(error as Error).message}`] };
  }
}

export type HttpTuning = Omit<VendorHttpOptions, 'source' | 'baseUrl' | 'authorizer'>;

/** Builds the connector for one tool from its connection (where and how to sign in) and its settings. */
export function createConnector(
  source: ItsmSource,
  connection: ItsmConnection,
  settings: ItsmSettings = {},
  tuning: HttpTuning = {},
): ItsmConnector {
  const authorizer = new Authorizer(source, connection.credentials, tuning.fetchImpl);
  const http = new VendorHttp({ ...tuning, source, baseUrl: connection.baseUrl, authorizer });
  switch (source) {
    case 'servicenow':
      return new ServiceNowConnector(http, settings.servicenow);
    case 'jira':
      return new JiraConnector(http, settings.jira);
    case 'zendesk':
      return new ZendeskConnector(http, settings.zendesk);
  }
}

/**
 * The `itsm` port in AWS: each tool's connection is one value of the ITSM secret (`{"servicenow": {baseUrl,
 * credentials}, "jira": ..., "zendesk": ...}`, see {@link ItsmConnection}), read through the SecretProvider port.
 * A tool without a value has no connector: Lumos then records what it would have written but sends nothing.
 * Connectors are built once per container; a rotated secret takes effect with the next container.
 */
export class SecretBackedItsm implements Itsm {
  private readonly built = new Map<ItsmSource, Promise<ItsmConnector | undefined>>();

  constructor(
    private readonly secrets: SecretProvider,
    private readonly settings: ItsmSettings = loadItsmSettings().settings,
    private readonly tuning: HttpTuning = {},
  ) {}

  connector(source: Source): Promise<ItsmConnector | undefined> {
    if (!isItsmSource(source)) return Promise.resolve(undefined);
    let connector = this.built.get(source);
    if (!connector) {
      connector = this.secrets
        .get(source)
        .then((value) =>
          value === undefined || value === ''
            ? undefined
            : createConnector(source, parseConnection(source, value), this.settings, this.tuning),
        );
      // A failed secret read must not be cached: the next attempt reads again.
      connector.catch(() => this.built.delete(source));
      this.built.set(source, connector);
    }
    return connector;
  }
}
