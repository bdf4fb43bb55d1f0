/**
 * Just enough XML for the TwiML a Parley deployment answers with, read strictly: an element tree
 * (attributes, text, the five entities and numeric references), nothing else. A DOCTYPE, CDATA or
 * a processing instruction other than the XML declaration is refused, not skipped, so a malformed
 * answer fails the call where it is made instead of being half understood.
 */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** The element's own text (trimmed), its children's excluded. */
  text: string;
}

export class TwimlError extends Error {
  constructor(
    message: string,
    readonly twiml: string,
  ) {
    super(`${message} in TwiML: ${twiml.length > 300 ? `${twiml.slice(0, 300)}…` : twiml}`);
  }
}

const NAME = /[A-Za-z_][\w.-]*/y;
const ATTR = /\s+([A-Za-z_][\w.:-]*)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')/y;

function decodeEntities(s: string, doc: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos|[^;]*);?/g, (whole, ref: string) => {
    if (!whole.endsWith(';')) throw new TwimlError(`bare "&" (${JSON.stringify(whole)})`, doc);
    if (ref === 'amp') return '&';
    if (ref === 'lt') return '<';
    if (ref === 'gt') return '>';
    if (ref === 'quot') return '"';
    if (ref === 'apos') return "'";
    if (ref.startsWith('#x')) return String.fromCodePoint(Number.parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(Number.parseInt(ref.slice(1), 10));
    throw new TwimlError(`unknown entity &${ref};`, doc);
  });
}

/** The document's root element. */
export function parseXml(doc: string): XmlElement {
  let i = 0;
  const skipSpace = () => {
    while (i < doc.length && /\s/.test(doc[i]!)) i++;
  };
  const fail = (what: string): never => {
    throw new TwimlError(`${what} at offset ${i}`, doc);
  };
  const skipComments = () => {
    for (skipSpace(); doc.startsWith('<!--', i); skipSpace()) {
      const end = doc.indexOf('-->', i + 4);
      if (end < 0) fail('unterminated comment');
      i = end + 3;
    }
  };

  const element = (): XmlElement => {
    if (doc[i] !== '<') fail('expected an element');
    i++;
    NAME.lastIndex = i;
    const name = NAME.exec(doc)?.[0] ?? fail('expected an element name');
    i += name.length;
    const attrs: Record<string, string> = {};
    for (;;) {
      ATTR.lastIndex = i;
      const m = ATTR.exec(doc);
      if (!m) break;
      if (m[1]! in attrs) fail(`attribute ${m[1]} given twice on <${name}>`);
      attrs[m[1]!] = decodeEntities(m[2] ?? m[3]!, doc);
      i = ATTR.lastIndex;
    }
    skipSpace();
    const node: XmlElement = { name, attrs, children: [], text: '' };
    if (doc.startsWith('/>', i)) {
      i += 2;
      return node;
    }
    if (doc[i] !== '>') fail(`malformed start tag <${name}>`);
    i++;
    let text = '';
    for (;;) {
      const lt = doc.indexOf('<', i);
      if (lt < 0) fail(`<${name}> is not closed`);
      text += doc.slice(i, lt);
      i = lt;
      if (doc.startsWith('<!--', i)) {
        skipComments();
        continue;
      }
      if (doc.startsWith('<![CDATA[', i) || doc.startsWith('<!', i) || doc.startsWith('<?', i)) fail('CDATA, DOCTYPE or PI');
      if (doc.startsWith('</', i)) {
        i += 2;
        NAME.lastIndex = i;
        const close = NAME.exec(doc)?.[0];
        if (close !== name) fail(`</${close}> closes <${name}>`);
        i += name.length;
        skipSpace();
        if (doc[i] !== '>') fail(`malformed end tag </${name}>`);
        i++;
        node.text = decodeEntities(text, doc).trim();
        return node;
      }
      node.children.push(element());
    }
  };

  skipSpace();
  if (doc.startsWith('<?xml', i)) {
    const end = doc.indexOf('?>', i);
    if (end < 0) fail('unterminated XML declaration');
    i = end + 2;
  }
  skipComments();
  if (doc.startsWith('<!', i) || doc.startsWith('<?', i)) fail('DOCTYPE or PI');
  const root = element();
  skipComments();
  if (i !== doc.length) fail('content after the root element');
  return root;
}

/** What `<Response><Connect><Stream>` asks of Twilio: where to open the socket, and what to hand it in `start`. */
export interface ConnectStream {
  url: string;
  name: string | null;
  parameters: Record<string, string>;
}

const STREAM_ATTRS = new Set(['url', 'name', 'track', 'statusCallback', 'statusCallbackMethod']);

/**
 * Reads a webhook answer that must be exactly `<Response><Connect><Stream url>` with `<Parameter
 * name value/>` children: the one shape a Parley deployment answers with. Anything else (another
 * verb, a `<Connect action>` the carrier would have to fetch, text, a Stream url with a query
 * string or of another scheme) is refused with what was wrong.
 */
export function parseConnectStream(doc: string): ConnectStream {
  const root = parseXml(doc);
  const fail = (what: string): never => {
    throw new TwimlError(what, doc);
  };
  if (root.name !== 'Response') fail(`root is <${root.name}>, not <Response>`);
  if (Object.keys(root.attrs).length) fail('<Response> takes no attributes');
  if (root.text) fail('text directly in <Response>');
  if (root.children.length !== 1 || root.children[0]!.name !== 'Connect')
    fail(`<Response> holds ${root.children.map((c) => `<${c.name}>`).join('') || 'nothing'}, not exactly one <Connect>`);
  const connect = root.children[0]!;
  // Twilio would request <Connect action> when the stream ends; the carrier does not emulate it.
  if (Object.keys(connect.attrs).length) fail(`<Connect ${Object.keys(connect.attrs).join(' ')}> is not emulated`);
  if (connect.text) fail('text directly in <Connect>');
  if (connect.children.length !== 1 || connect.children[0]!.name !== 'Stream')
    fail(`<Connect> holds ${connect.children.map((c) => `<${c.name}>`).join('') || 'nothing'}, not exactly one <Stream>`);
  const stream = connect.children[0]!;
  for (const a of Object.keys(stream.attrs)) if (!STREAM_ATTRS.has(a)) fail(`<Stream> has no attribute ${a}`);
  const url = stream.attrs.url ?? fail('<Stream> has no url');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return fail(`<Stream url="${url}"> is not an absolute URL`);
  }
  // Twilio connects only to wss://; ws:// is accepted on loopback so tests need no certificate.
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname);
  if (parsed.protocol !== 'wss:' && !(parsed.protocol === 'ws:' && loopback))
    fail(`<Stream url="${url}">: Twilio streams only to wss:// (ws:// allowed here on loopback only)`);
  // "<Stream> does not support query strings" (Twilio error 31920): values go in <Parameter>s.
  if (parsed.search) fail(`<Stream url="${url}"> has a query string; Twilio does not support one, use <Parameter>`);
  // A bidirectional stream carries only the caller's track (Twilio: <Connect><Stream> is inbound_track only).
  if (stream.attrs.track !== undefined && stream.attrs.track !== 'inbound_track')
    fail(`<Connect><Stream track="${stream.attrs.track}">: only inbound_track is possible`);
  if (stream.text) fail('text directly in <Stream>');
  const parameters: Record<string, string> = {};
  for (const p of stream.children) {
    if (p.name !== 'Parameter') fail(`<Stream> holds <${p.name}>; only <Parameter> is allowed`);
    const keys = Object.keys(p.attrs).sort().join(',');
    if (keys !== 'name,value') fail(`<Parameter> must have exactly name and value (has ${keys || 'none'})`);
    if (p.children.length || p.text) fail('<Parameter> must be empty');
    if (p.attrs.name! in parameters) fail(`<Parameter name="${p.attrs.name}"> given twice`);
    parameters[p.attrs.name!] = p.attrs.value!;
  }
  return { url, name: stream.attrs.name ?? null, parameters };
}

/** The verbs of a TwiML document (REST `Twiml=` update), and the `<Dial>` target if it dials. */
export interface CallUpdateTwiml {
  verbs: string[];
  dial: string | null;
}

export function parseCallUpdate(doc: string): CallUpdateTwiml {
  const root = parseXml(doc);
  if (root.name !== 'Response') throw new TwimlError(`root is <${root.name}>, not <Response>`, doc);
  let dial: string | null = null;
  for (const verb of root.children) {
    if (verb.name !== 'Dial' || dial !== null) continue;
    // <Dial>+1555…</Dial>, or its nouns: <Number>, <Sip>, <Client>
    const noun = verb.children.find((c) => ['Number', 'Sip', 'Client'].includes(c.name));
    dial = (noun ? noun.text : verb.text) || null;
    if (dial === null) throw new TwimlError('<Dial> with no target', doc);
  }
  return { verbs: root.children.map((c) => c.name), dial };
}
