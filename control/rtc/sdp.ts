// The few SDP facts signalling needs: ICE ufrags and candidates, and the candidate rewrite that
// sends a client's media to a data-plane node instead of the origin. Pure; line endings kept.

export interface CandidateAddress {
  host: string;
  port: number;
}

function lines(sdp: string): string[] {
  return sdp.split(/\r?\n/);
}

function firstAttribute(sdp: string, name: string): string | undefined {
  const prefix = `a=${name}:`;
  for (const line of lines(sdp)) {
    if (line.startsWith(prefix)) return line.slice(prefix.length).trim();
  }
  return undefined;
}

/** The first a=ice-ufrag (session level or first media section): what BUNDLE uses. */
export function iceUfrag(sdp: string): string | undefined {
  return firstAttribute(sdp, 'ice-ufrag');
}

/** The first a=ice-pwd, paired with iceUfrag. */
export function icePwd(sdp: string): string | undefined {
  return firstAttribute(sdp, 'ice-pwd');
}

/** The first UDP host candidate's address, if any. */
export function firstCandidate(sdp: string): CandidateAddress | undefined {
  for (const line of lines(sdp)) {
    if (!line.startsWith('a=candidate:')) continue;
    const parts = line.slice('a=candidate:'.length).trim().split(/\s+/);
    const [, , transport, , host, port] = parts;
    if (transport?.toLowerCase() === 'udp' && host && port && /^\d+$/.test(port)) return { host, port: Number(port) };
  }
  return undefined;
}

export function candidateLine(address: CandidateAddress): string {
  return `a=candidate:0 1 udp 2130706431 ${address.host} ${address.port} typ host generation 0`;
}

/**
 * Replaces every candidate with exactly one host candidate per media section pointing at
 * `address`; drops end-of-candidates markers the origin may have sent.
 */
export function rewriteCandidates(sdp: string, address: CandidateAddress): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const input = lines(sdp);
  const trailing = input.length > 0 && input[input.length - 1] === '';
  if (trailing) input.pop();
  const out: string[] = [];
  let inMedia = false;
  for (const line of input) {
    if (line.startsWith('m=')) {
      if (inMedia) out.push(candidateLine(address));
      inMedia = true;
    }
    if (line.startsWith('a=candidate:') || line.startsWith('a=end-of-candidates')) continue;
    out.push(line);
  }
  if (inMedia) out.push(candidateLine(address));
  return out.join(eol) + (trailing ? eol : '');
}
