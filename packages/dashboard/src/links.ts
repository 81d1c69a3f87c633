// Every view's state lives in its URL (filters, window, the finding shown), so that a view can
// be shared by link. These build those URLs; values are encoded, never pasted.

export type Params = Record<string, string | undefined>;

export function href(path: string, params: Params = {}): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== "") query.set(key, value);
  }
  const text = query.toString();
  return text === "" ? path : `${path}?${text}`;
}

export const workflowPath = (name: string) => `/workflows/${encodeURIComponent(name)}`;
export const runPath = (id: string) => `/runs/${encodeURIComponent(id)}`;

/** The window a page was opened with, to carry to the pages it links to. */
export interface Window {
  since?: string | undefined;
  until?: string | undefined;
}

export const windowParams = (window: Window): Params => ({ since: window.since, until: window.until });
