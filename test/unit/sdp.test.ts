import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { firstCandidate, iceUfrag, rewriteCandidates } from '../../control/rtc/sdp.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/srs/${name}`, import.meta.url), 'utf8');

describe('SDP helpers on real SRS exchanges', () => {
  it('reads the ufrags that make up the ICE username', () => {
    assert.equal(iceUfrag(fixture('srs-whep-answer.sdp')), '0p227118');
    assert.equal(iceUfrag(fixture('srs-whep-offer.sdp')), 'c9u7');
    const locations = fixture('srs-rtc-locations.txt');
    assert.ok(locations.includes('session=0p227118:c9u7'));
    assert.equal(iceUfrag(fixture('srs-whip-answer.sdp')), '155b4s13');
    assert.equal(iceUfrag(fixture('srs-whip-offer.sdp')), '4jLY');
  });

  it("finds the origin's candidate", () => {
    assert.deepEqual(firstCandidate(fixture('srs-whep-answer.sdp')), { host: '127.0.0.1', port: 8001 });
  });

  for (const name of ['srs-whep-answer.sdp', 'srs-whip-answer.sdp']) {
    it(`rewrites ${name} to exactly one node candidate per media section`, () => {
      const original = fixture(name);
      const out = rewriteCandidates(original, { host: '203.0.113.7', port: 18000 });
      const candidates = out.split(/\r?\n/).filter((l) => l.startsWith('a=candidate:'));
      const sections = out.split(/\r?\n/).filter((l) => l.startsWith('m='));
      assert.equal(candidates.length, sections.length);
      assert.ok(
        candidates.every((c) => c === 'a=candidate:0 1 udp 2130706431 203.0.113.7 18000 typ host generation 0'),
      );
      assert.ok(!out.includes(' 8001 ') && !out.includes(' 8002 '));
      // Everything else is untouched.
      const strip = (s: string) =>
        s.split(/\r?\n/).filter((l) => !l.startsWith('a=candidate') && !l.startsWith('a=end-of-candidates'));
      assert.deepEqual(strip(out), strip(original));
      // Each section's candidate stays inside its section.
      const lines = out.split(/\r?\n/);
      const firstM = lines.findIndex((l) => l.startsWith('m='));
      const firstCandidateLine = lines.findIndex((l) => l.startsWith('a=candidate:'));
      assert.ok(firstCandidateLine > firstM);
    });
  }
});
