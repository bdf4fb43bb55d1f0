/** GET a JSON document with a time limit, honouring the caller's abort (hang-up, thinker timeout). */
export async function getJson<T>(url: string, signal: AbortSignal, timeoutMs = 5000): Promise<T> {
  const res = await fetch(url, {
    signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
    headers: { accept: 'application/json' },
  });
  if (!res.ok) throw new Error(`${new URL(url).host} answered HTTP ${res.status}`);
  return (await res.json()) as T;
}
