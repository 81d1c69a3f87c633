// Process-wide SDK settings. The wrappers read them on every call, so `init()` (or a test)
// can change them after the wrappers were imported.

export interface SdkSettings {
  /**
   * Record prompts, completions, tool arguments and results, retrieval queries.
   * Fingerprints are recorded either way.
   * @default false, or `LEANTRACE_CAPTURE_CONTENT=true`
   */
  captureContent: boolean;
  /**
   * Runs on every captured content value before it is put on a span (so before export): mask
   * card numbers, e-mail addresses, secrets. Receives the text and the attribute name.
   * @default none
   */
  redact?: (text: string, attribute: string) => string;
}

const settings: SdkSettings = {
  captureContent: process.env.LEANTRACE_CAPTURE_CONTENT === "true",
};

export function sdkSettings(): Readonly<SdkSettings> {
  return settings;
}

export function configure(changes: Partial<SdkSettings>): void {
  Object.assign(settings, changes);
}
