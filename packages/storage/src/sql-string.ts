/** Text as a ClickHouse string literal: backslashes and quotes escaped. */
export function sqlString(text: string): string {
  return `'${text.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
}
