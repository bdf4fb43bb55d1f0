/**
 * Reading sipp's `-trace_msg` file: each message it sent or received, in order, as the exact text
 * on the wire. The tests read what LiveKit SIP sent (a REFER's Refer-To, who hung up) from here
 * rather than from sipp's own variables, so nothing is reformatted on the way.
 */
export interface TracedMessage {
  dir: 'in' | 'out';
  /** When sipp sent or received it (epoch ms, from the trace's local time stamp). */
  at: number;
  /** The SIP message: start line, headers, body. */
  text: string;
}

const BLOCK =
  /^-{20,} (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+)\n\S+ (?:control )?message (received \[\d+\] bytes :|sent \(\d+ bytes\):)\n\n/gm;

export function traceMessages(trace: string): TracedMessage[] {
  const heads = [...trace.matchAll(BLOCK)];
  return heads.map((m, i) => {
    const from = m.index! + m[0].length;
    const to = heads[i + 1]?.index ?? trace.length;
    // sipp writes local time with microseconds; Date parses "YYYY-MM-DDTHH:MM:SS.mmm" as local time
    const at = new Date(m[1]!.replace(' ', 'T').slice(0, 23)).getTime();
    return { dir: m[2]!.startsWith('received') ? 'in' : 'out', at, text: trace.slice(from, to).trim() };
  });
}

/** The start line's method for requests ("REFER"), or the status code for responses. */
export function startLine(m: TracedMessage): { method?: string; status?: number } {
  const line = m.text.split(/\r?\n/, 1)[0] ?? '';
  const res = /^SIP\/2\.0 (\d{3})/.exec(line);
  if (res) return { status: Number(res[1]) };
  return { method: /^([A-Z]+) /.exec(line)?.[1] };
}

/** A header's value (first occurrence; the compact form too when given), or null. */
export function header(m: TracedMessage, name: string, compact?: string): string | null {
  const names = [name, compact].filter(Boolean).map((n) => n!.toLowerCase());
  for (const line of m.text.split(/\r?\n/)) {
    if (line === '') break; // end of headers
    const i = line.indexOf(':');
    if (i > 0 && names.includes(line.slice(0, i).trim().toLowerCase())) return line.slice(i + 1).trim();
  }
  return null;
}

/** The Refer-To of the first REFER the caller received, verbatim, or null if none came. */
export function receivedReferTo(msgs: TracedMessage[]): string | null {
  const refer = msgs.find((m) => m.dir === 'in' && startLine(m).method === 'REFER');
  return refer ? header(refer, 'Refer-To', 'r') : null;
}

/** Who ended the call with a BYE: the caller (sent one) or the far end (received one); null if no BYE. */
export function byeFrom(msgs: TracedMessage[]): 'caller' | 'remote' | null {
  const bye = msgs.find((m) => startLine(m).method === 'BYE');
  if (!bye) return null;
  return bye.dir === 'out' ? 'caller' : 'remote';
}

/** Final status codes received for the caller's INVITEs, in order (e.g. [200], or [401, 403]). */
export function inviteResponses(msgs: TracedMessage[]): number[] {
  return msgs
    .filter((m) => m.dir === 'in' && (startLine(m).status ?? 0) >= 200 && /\bINVITE$/.test(header(m, 'CSeq') ?? ''))
    .map((m) => startLine(m).status!);
}
