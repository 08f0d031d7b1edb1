// A WHIP/WHEP check page on the player-facing HTTP ports (like SRS's players/whip.html and
// whep.html): publishes the browser's camera over WHIP and plays a stream over WHEP through
// Switchyard, so an operator can check a deployment from a browser. Static, served from the
// bundle (the Worker serves it too); it talks only to this origin's /rtc/v1/ endpoints.

export const PLAYER_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Switchyard WHIP/WHEP check</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1d2430; }
  fieldset { margin: 0 0 1rem; border: 1px solid #d0d5db; }
  video { width: 480px; max-width: 100%; background: #111; display: block; margin-top: .5rem; }
  .state { margin-left: .5rem; color: #555; }
</style>
</head>
<body>
<h1>WHIP/WHEP through Switchyard</h1>
<label>app <input id="app" value="live" size="10"></label>
<label>stream <input id="stream" value="check" size="16"></label>
<fieldset>
  <legend>Publish the camera (WHIP)</legend>
  <button id="publish">Publish</button><button id="unpublish" disabled>Stop</button>
  <span id="publish-state" class="state">idle</span>
  <video id="local" autoplay muted playsinline></video>
</fieldset>
<fieldset>
  <legend>Play (WHEP)</legend>
  <button id="play">Play</button><button id="stop" disabled>Stop</button>
  <span id="play-state" class="state">idle</span>
  <video id="remote" autoplay muted playsinline controls></video>
</fieldset>
<script>
(() => {
  const $ = (id) => document.getElementById(id);
  const query = () => '?app=' + encodeURIComponent($('app').value) + '&stream=' + encodeURIComponent($('stream').value);

  /** Offers to a WHIP/WHEP endpoint; resolves with the resource URL for DELETE. */
  async function negotiate(pc, endpoint) {
    await pc.setLocalDescription(await pc.createOffer());
    // ICE-lite origins answer with their one candidate: no need to wait for gathering.
    const res = await fetch(endpoint + query(), {
      method: 'POST',
      headers: { 'content-type': 'application/sdp' },
      body: pc.localDescription.sdp,
    });
    const text = await res.text();
    if (res.status !== 201) throw new Error(res.status + ' ' + text.slice(0, 200));
    await pc.setRemoteDescription({ type: 'answer', sdp: text });
    return res.headers.get('location');
  }

  function session(kind, start) {
    let pc, resource;
    const state = $(kind + '-state');
    const stop = async () => {
      let deleted = '';
      if (resource) {
        deleted = await fetch(resource, { method: 'DELETE' }).then((r) => ' (DELETE ' + r.status + ')', (e) => ' (DELETE failed: ' + e.message + ')');
      }
      if (pc) { pc.onconnectionstatechange = null; pc.close(); }
      pc = undefined; resource = undefined;
      state.textContent = 'stopped' + deleted;
    };
    return {
      /** RTP packets received and sent so far (for the console, and the browser test). */
      packets: async () => {
        let received = 0, sent = 0;
        if (pc) for (const r of (await pc.getStats()).values()) {
          if (r.type === 'inbound-rtp') received += r.packetsReceived;
          if (r.type === 'outbound-rtp') sent += r.packetsSent;
        }
        return { received, sent };
      },
      start: async () => {
        try {
          pc = new RTCPeerConnection();
          pc.onconnectionstatechange = () => { state.textContent = pc ? pc.connectionState : 'stopped'; };
          resource = await start(pc);
          state.textContent = 'negotiated';
        } catch (err) {
          state.textContent = 'failed: ' + err.message;
          await stop();
        }
      },
      stop,
    };
  }

  const publisher = session('publish', async (pc) => {
    const media = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
    $('local').srcObject = media;
    for (const track of media.getTracks()) pc.addTransceiver(track, { direction: 'sendonly' });
    return negotiate(pc, '/rtc/v1/whip/');
  });
  const player = session('play', async (pc) => {
    pc.addTransceiver('video', { direction: 'recvonly' });
    pc.addTransceiver('audio', { direction: 'recvonly' });
    const remote = new MediaStream();
    $('remote').srcObject = remote;
    pc.ontrack = (e) => remote.addTrack(e.track);
    return negotiate(pc, '/rtc/v1/whep/');
  });

  window.rtcCheck = { publisher, player };
  const toggle = (on, off, running) => { $(on).disabled = running; $(off).disabled = !running; };
  $('publish').onclick = async () => { toggle('publish', 'unpublish', true); await publisher.start(); };
  $('unpublish').onclick = async () => { await publisher.stop(); toggle('publish', 'unpublish', false); };
  $('play').onclick = async () => { toggle('play', 'stop', true); await player.start(); };
  $('stop').onclick = async () => { await player.stop(); toggle('play', 'stop', false); };
})();
</script>
</body>
</html>
`;
