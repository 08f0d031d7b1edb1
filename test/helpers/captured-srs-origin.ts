// An SRS origin's HTTP API played back from real captures, as the control app's injectable
// fetch: WHIP/WHEP POSTs get the captured answer SDP and Location, the legacy JSON APIs the
// captured answer in SRS's JSON envelope, DELETEs 200. Every request is recorded, and the next
// answer can be overridden to play a refusing or broken origin. Fast unit tests only; the
// end-to-end tests use a real WebRTC origin (werift-origin.ts).
import { readFileSync } from 'node:fs';

export const srsCapture = (name: string) => readFileSync(new URL(`../fixtures/srs/${name}`, import.meta.url), 'utf8');

/** The captured Location SRS answered for each kind, from srs-rtc-locations.txt. */
function capturedLocation(kind: 'WHIP' | 'WHEP'): string {
  const line = srsCapture('srs-rtc-locations.txt')
    .split('\n')
    .find((l) => l.startsWith(`${kind}: `));
  if (!line) throw new Error(`no ${kind} location in srs-rtc-locations.txt`);
  return line.slice(kind.length + 2).trim();
}

export const CAPTURED = {
  whep: {
    offer: srsCapture('srs-whep-offer.sdp'),
    answer: srsCapture('srs-whep-answer.sdp'),
    location: capturedLocation('WHEP'),
  },
  whip: {
    offer: srsCapture('srs-whip-offer.sdp'),
    answer: srsCapture('srs-whip-answer.sdp'),
    location: capturedLocation('WHIP'),
  },
};

export interface RecordedRequest {
  url: string;
  method: string;
  contentType: string | null;
  body: string;
}

export interface CapturedSrsOrigin {
  fetch: (input: string, init?: RequestInit) => Promise<Response>;
  requests: RecordedRequest[];
  /** Answers the next request with this instead of the capture. */
  answerNextWith(respond: () => Response | Promise<Response>): void;
}

export function capturedSrsOrigin(): CapturedSrsOrigin {
  const requests: RecordedRequest[] = [];
  let override: (() => Response | Promise<Response>) | undefined;
  const fetch = async (input: string, init: RequestInit = {}): Promise<Response> => {
    const method = init.method ?? 'GET';
    const body = typeof init.body === 'string' ? init.body : '';
    requests.push({ url: input, method, contentType: new Headers(init.headers).get('content-type'), body });
    if (override) {
      const respond = override;
      override = undefined;
      return respond();
    }
    const path = new URL(input).pathname;
    if (method === 'DELETE') return new Response(null, { status: 200 });
    if (method === 'POST' && (path === '/rtc/v1/whep/' || path === '/rtc/v1/whip/')) {
      const exchange = path === '/rtc/v1/whep/' ? CAPTURED.whep : CAPTURED.whip;
      return new Response(exchange.answer, {
        status: 201,
        headers: { 'content-type': 'application/sdp', location: exchange.location },
      });
    }
    if (method === 'POST' && (path === '/rtc/v1/play/' || path === '/rtc/v1/publish/')) {
      const answer = path === '/rtc/v1/play/' ? CAPTURED.whep.answer : CAPTURED.whip.answer;
      return Response.json({ code: 0, server: 'vid-4168is2', service: '1661l620', pid: '12048', sdp: answer });
    }
    return new Response('not found', { status: 404 });
  };
  return {
    fetch,
    requests,
    answerNextWith: (respond) => {
      override = respond;
    },
  };
}
