import type { Api } from './api';
import type { Session } from './auth';
import type { ConsoleConfig } from './config';

/** What every view gets. */
export interface AppContext {
  api: Api;
  session: Session;
  config: ConsoleConfig;
  /** Query parameters of the current route (`#/approvals/apr-1?token=...`). */
  params: URLSearchParams;
  navigate(hash: string): void;
}

/** A mounted view: its element, and how it keeps itself current. */
export interface View {
  title: string;
  element: HTMLElement;
  /** Called every few seconds while the tab is visible, and on `r`. */
  refresh?(): Promise<void>;
  dispose?(): void;
}
