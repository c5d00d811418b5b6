/** A fixed-width text table for people (scripts use --json). Cells wider than `maxWidth` are cut. */
export function formatTable(header: string[], rows: string[][], maxWidth = 48): string {
  const widths = header.map((h, i) => Math.min(maxWidth, Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length))));
  const fmt = (row: string[]) => row.map((c, i) => c.slice(0, widths[i]).padEnd(widths[i]!)).join('  ').trimEnd();
  return [fmt(header), ...rows.map(fmt)].join('\n') + '\n';
}
