// Asks the operator's own SRS-style hook URL (PROXY_HOOKS_URL) whether a client may publish or
// play. SRS's contract: POST JSON, HTTP 200 with body `0` or `{"code":0}` allows; anything else
// (another status, another code, no answer in time) denies.

import { ForbiddenError } from '../shared/errors.ts';

const HOOK_TIMEOUT_MS = 3_000;

export type HookFetch = (input: string, init?: RequestInit) => Promise<Response>;

/** Whether an answer allows, per SRS: status 200 and a body of `0` or a JSON `code` of 0. */
export async function hookAllows(res: Response): Promise<boolean> {
  const text = (await res.text().catch(() => '')).trim();
  if (res.status !== 200) return false;
  if (text === '0') return true;
  try {
    return (JSON.parse(text) as { code?: unknown }).code === 0;
  } catch {
    return false;
  }
}

/** Throws ForbiddenError unless the hook URL allows `body` (an SRS hook body). */
export async function askHook(url: string, body: Record<string, unknown>, fetchFn: HookFetch = fetch): Promise<void> {
  let allowed = false;
  try {
    const res = await fetchFn(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(HOOK_TIMEOUT_MS),
    });
    allowed = await hookAllows(res);
  } catch {
    allowed = false;
  }
  if (!allowed) throw new ForbiddenError(`${String(body.action)} denied by the hook URL`);
}
