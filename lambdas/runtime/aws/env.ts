/** Reads a required environment variable set by the stack; a missing one is a deployment bug worth a clear message. */
export function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}
