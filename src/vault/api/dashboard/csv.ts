/** CSV (RFC 4180) that spreadsheets cannot mistake for formulas. */

// Cells starting with these are run as formulas by Excel, LibreOffice and Sheets (CSV injection).
const FORMULA_START = /^[=+\-@\t\r\n|%]/;

/** One cell: formula-looking text gets a leading apostrophe, then the cell is quoted with quotes doubled. */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '""';
  let text = String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return `"${text.replace(/"/g, '""')}"`;
}

/** Rows joined with CRLF, ending with one. */
export function toCsv(rows: readonly (readonly (string | number | null | undefined)[])[]): string {
  return rows.map((row) => row.map(csvCell).join(',') + '\r\n').join('');
}
