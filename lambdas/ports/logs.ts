/** One log event. Multi-line events (stack traces) arrive as one message with embedded newlines. */
export interface LogEvent {
  /** ISO 8601. */
  readonly timestamp: string;
  readonly message: string;
  /** Log stream, file or host the event came from. */
  readonly stream?: string;
}

export interface LogQuery {
  /** The affected service, as the incident names it; the adapter maps it to log groups or files. */
  readonly service: string;
  readonly start: Date;
  readonly end: Date;
  /** Most events returned (the newest are kept when there are more). @default 10000 */
  readonly limit?: number;
}

export interface LogFetch {
  readonly events: LogEvent[];
  /** Where they came from (log group names, file paths), for the operator. */
  readonly sources: string[];
  /** True when `limit` cut the result. */
  readonly truncated: boolean;
}

/** Reads the logs of a service over a time window (CloudWatch Logs Insights in AWS, a folder of files locally). */
export interface LogSource {
  fetch(query: LogQuery): Promise<LogFetch>;
}

/** The service has no logs this source knows of. */
export class UnknownLogSourceError extends Error {
  override readonly name = 'UnknownLogSourceError';
}
