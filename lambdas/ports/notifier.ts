/** A message for a person: chat, e-mail, page, approval request or ITSM work note. */
export interface Notification {
  channel: 'slack' | 'teams' | 'email' | 'sns' | 'page' | 'itsm' | 'approval';
  recipient: string;
  subject?: string;
  text: string;
  links?: { rel: string; href: string; method?: string }[];
  incidentId?: string;
  data?: Record<string, unknown>;
}

/** Everything that leaves the system for a person goes through here. */
export interface Notifier {
  send(notification: Notification): Promise<{ notificationId: string }>;
}
