/**
 * Where draft knowledge articles wait for review and where approved ones go: a folder under `LUMOS_HOME` locally,
 * the knowledge articles bucket in AWS (`drafts/` and `approved/`). Only the approved location is a knowledge source.
 */
export interface KnowledgeDraftStore {
  /** Saves a draft unless a draft or an approved article with this id exists; says whether it saved. */
  putDraft(draftId: string, markdown: string): Promise<boolean>;
  getDraft(draftId: string): Promise<string | undefined>;
  /** Ids of the drafts awaiting review. */
  listDrafts(): Promise<string[]>;
  /** Whether an approved article with this id exists. */
  isApproved(draftId: string): Promise<boolean>;
  /** Writes the approved article where the knowledge sync reads, then removes the draft. */
  approve(draftId: string, markdown: string): Promise<void>;
}
