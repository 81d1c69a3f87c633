// Rows as the write-ahead log and the inserts carry them: JSONEachRow, one row a line.

export function encodeRows(rows: readonly object[]): Buffer {
  // Each line written straight into one buffer sized for the worst case (three UTF-8 bytes a
  // UTF-16 unit): half the cost of concatenating a string and encoding it afterwards.
  const lines: string[] = new Array(rows.length);
  let bound = 0;
  for (let i = 0; i < rows.length; i++) {
    const line = JSON.stringify(rows[i]);
    lines[i] = line;
    bound += line.length * 3 + 1;
  }
  const buffer = Buffer.allocUnsafe(bound);
  let at = 0;
  for (const line of lines) {
    at += buffer.write(line, at, "utf8");
    buffer[at++] = 10;
  }
  return buffer.subarray(0, at);
}
