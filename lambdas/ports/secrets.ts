/** Resolves named secrets (webhook signing keys, ITSM credentials, approval-link keys). */
export interface SecretProvider {
  /** The secret's value, or undefined when none is configured. */
  get(name: string): Promise<string | undefined>;
}
