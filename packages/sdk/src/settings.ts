// Process-wide SDK settings. The wrappers read them on every call, so `init()` (or a test)
// can change them after the wrappers were imported.

export interface SdkSettings {
  /**
   * Record prompts, completions, tool arguments and results, retrieval queries.
   * Fingerprints are recorded either way.
   * @default false, or `LEANTRACE_CAPTURE_CONTENT=true`
   */
  captureContent: boolean;
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
