/** A fixed-width text table for people (scripts use --json). Cells wider than `maxWidth` are cut, and end in "…" to say so. */
export function formatTable(header: string[], rows: string[][], maxWidth = 48): string {
  const widths = header.map((h, i) => Math.min(maxWidth, Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length))));
  const cut = (c: string, w: number) => (c.length > w ? `${c.slice(0, w - 1)}…` : c);
  const fmt = (row: string[]) => row.map((c, i) => cut(c, widths[i]!).padEnd(widths[i]!)).join('  ').trimEnd();
  return [fmt(header), ...rows.map(fmt)].join('\n') + '\n';
}
