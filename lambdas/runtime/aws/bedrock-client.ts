import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';

let bedrock: BedrockRuntimeClient | undefined;

/**
 * One Bedrock client per process, shared by the language model and the embedder; the SDK's own retries are off
 * because the adapters back off themselves.
 */
export function bedrockClient(): BedrockRuntimeClient {
  bedrock ??= new BedrockRuntimeClient({ maxAttempts: 1 });
  return bedrock;
}
