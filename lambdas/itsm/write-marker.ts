import { AmbiguousWriteError, ItsmUnavailableError } from './itsm-errors';

/**
 * The marker on everything Lumos writes to a ticket. Intake recognises it (with the integration user) and ignores
 * the webhook that echoes Lumos' own write back; `LUMOS_WRITEBACK_MARKER` overrides it, as it does for intake.
 */
export const writeBackMarker = (env: NodeJS.ProcessEnv = process.env): string =>
  env.LUMOS_WRITEBACK_MARKER?.trim() || '[lumos-writeback]';

/** Which note of a write: the internal work note or the reply to the requester. */
export type NoteKind = 'note' | 'reply';

/** The reference a note carries: the write's idempotency key and which note it is. */
export const noteRef = (idempotencyKey: string, kind: NoteKind): string => `ref:${idempotencyKey}.${kind}`;

/** The footer line every note ends with: the marker and the note's reference. */
export const noteFooter = (idempotencyKey: string, kind: NoteKind): string =>
  `${writeBackMarker()} ${noteRef(idempotencyKey, kind)}`;

/** The note as posted: its text and the footer. */
export const withFooter = (text: string, idempotencyKey: string, kind: NoteKind): string =>
  `${text.trimEnd()}\n\n${noteFooter(idempotencyKey, kind)}`;

/** Whether a text (a comment as the vendor returns it) carries a note's reference. */
export const carriesRef = (text: string, idempotencyKey: string, kind: NoteKind): boolean =>
  text.includes(noteRef(idempotencyKey, kind));

/**
 * Posts a note at most once. On a retried write it first looks for the note on the ticket; when a post fails in a
 * way that leaves its outcome unknown (timeout, reset, 5xx) it looks again before posting again. Returns whether
 * this call posted it or found it already there.
 */
export async function postNoteOnce(options: {
  what: string;
  reconcile: boolean;
  present: () => Promise<boolean>;
  post: () => Promise<unknown>;
  attempts?: number;
}): Promise<'posted' | 'already-there'> {
  if (options.reconcile && (await options.present())) return 'already-there';
  const attempts = options.attempts ?? 3;
  let last: AmbiguousWriteError | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      await options.post();
      return 'posted';
    } catch (error) {
      if (!(error instanceof AmbiguousWriteError)) throw error;
      last = error;
      if (await options.present()) return 'already-there';
    }
  }
  throw new ItsmUnavailableError(
    `${options.what}: ${last?.message ?? 'failed'}; nothing was posted twice`,
    last?.status,
  );
}
