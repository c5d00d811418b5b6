/**
 * Checks llhttp leaves to us (it already refuses CL+TE, duplicate or malformed lengths,
 * obs-fold, bad chunk sizes and oversized headers). Pure; each returns why a request must
 * be refused with 400, or null.
 */
export function framingProblem(rawHeaders: readonly string[], httpVersionMajor: number): string | null {
  if (httpVersionMajor < 1) return 'HTTP/0.9 is not supported';
  let te = 0;
  let host = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] ?? '';
    if (name.length === 4 && name.toLowerCase() === 'host') host++;
    else if (name.length === 17 && name.toLowerCase() === 'transfer-encoding') {
      te++;
      // Anything but exactly `chunked` (e.g. `gzip` + `chunked` on two lines) would be
      // re-framed by us and could change what the upstream thinks the body is.
      if ((rawHeaders[i + 1] ?? '').trim().toLowerCase() !== 'chunked') {
        return 'Transfer-Encoding other than chunked';
      }
    }
  }
  if (te > 1) return 'more than one Transfer-Encoding header';
  if (host > 1) return 'more than one Host header';
  return null;
}
