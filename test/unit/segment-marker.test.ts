// Segment markers with their signature cache: a cached signature must never let a marker through
// that the uncached check would refuse (another path, another backend, another key).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readSegmentMarker, segmentMarker } from '../../control/hls/segment-marker.ts';
import { Signer } from '../../shared/signer.ts';

describe('segment markers', () => {
  it('names the backend only for the path it was signed for', () => {
    const signer = new Signer('key-one');
    const marker = segmentMarker(signer, 'nginx', '/live/cam-1.ts');
    assert.equal(readSegmentMarker(signer, marker, '/live/cam-1.ts'), 'nginx');
    assert.equal(readSegmentMarker(signer, marker, '/live/cam-2.ts'), null);
    assert.equal(readSegmentMarker(signer, marker.replace('nginx.', 'srs.'), '/live/cam-1.ts'), null);
    const sig = marker.slice('nginx.'.length);
    const tampered = `nginx.${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`;
    assert.equal(readSegmentMarker(signer, tampered, '/live/cam-1.ts'), null);
  });

  it('keeps one cache per key: a marker cached under one key does not pass under another', () => {
    const [one, two] = [new Signer('key-one'), new Signer('key-two')];
    const marker = segmentMarker(one, 'nginx', '/live/a.ts');
    assert.equal(readSegmentMarker(one, marker, '/live/a.ts'), 'nginx');
    assert.equal(readSegmentMarker(two, marker, '/live/a.ts'), null);
    assert.notEqual(segmentMarker(two, 'nginx', '/live/a.ts'), marker);
  });

  it('signs the same as before once the bounded cache has turned over', () => {
    const signer = new Signer('key-three');
    const first = segmentMarker(signer, 'nginx', '/live/first.ts');
    for (let i = 0; i < 10_000; i++) segmentMarker(signer, 'nginx', `/live/seg-${i}.ts`);
    for (let i = 0; i < 10_000; i++) readSegmentMarker(signer, `nginx.forged${i}`, `/live/x-${i}.ts`);
    assert.equal(segmentMarker(signer, 'nginx', '/live/first.ts'), first);
    assert.equal(readSegmentMarker(signer, first, '/live/first.ts'), 'nginx');
    assert.equal(readSegmentMarker(signer, 'nginx.forged1', '/live/x-1.ts'), null);
  });
});
