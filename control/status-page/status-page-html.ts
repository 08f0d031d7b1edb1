// The operator's status page (GET / on the system port): one static HTML document, no framework,
// that reads the JSON APIs (servers, bindings, SRS streams, nodes, this node's sessions, recent
// errors) with the control token the operator types in, and refreshes every few seconds. Kept as
// a string so the Worker serves it without a file system. Everything shown goes in through
// textContent: stream names and origin answers are not trusted as HTML.

export const STATUS_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Switchyard status</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1d2430; background: #f6f7f9; }
  h1 { font-size: 1.3rem; margin: 0 0 .5rem; }
  h2 { font-size: 1rem; margin: 1.5rem 0 .4rem; }
  table { border-collapse: collapse; width: 100%; background: #fff; }
  th, td { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid #e3e6ea; }
  th { background: #eef1f4; font-weight: 600; }
  .ok { color: #137333; } .bad { color: #b3261e; } .warn { color: #a05a00; }
  #status { color: #555; } .empty { color: #888; font-style: italic; }
  form { margin: .5rem 0; }
</style>
</head>
<body>
<h1>Switchyard status</h1>
<div id="status">loading…</div>
<form id="token-form" hidden>
  <label>Control token <input id="token" type="password" autocomplete="off"></label>
  <button type="submit">Use</button>
</form>
<h2>Backends</h2>
<table id="backends"><thead><tr><th>id</th><th>address</th><th>state</th><th>last heartbeat</th><th>streams bound</th></tr></thead><tbody></tbody></table>
<h2>Streams</h2>
<table id="streams"><thead><tr><th>stream</th><th>origin</th><th>origin clients</th><th>sessions (all protocols, every node)</th><th>last routed</th></tr></thead><tbody></tbody></table>
<h2>Nodes</h2>
<table id="nodes"><thead><tr><th>id</th><th>address</th><th>state</th><th>sessions</th></tr></thead><tbody></tbody></table>
<h2>Recent errors</h2>
<table id="errors"><thead><tr><th>when</th><th>status</th><th>code</th><th>path</th><th>stream</th><th>backend</th></tr></thead><tbody></tbody></table>
<script>
(() => {
  const REFRESH_MS = 5000;
  const tokenInput = document.getElementById('token');
  const form = document.getElementById('token-form');
  const status = document.getElementById('status');
  let token = sessionStorage.getItem('switchyard-token') || '';
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    token = tokenInput.value.trim();
    sessionStorage.setItem('switchyard-token', token);
    refresh();
  });

  async function get(path) {
    const headers = token ? { authorization: 'Bearer ' + token } : {};
    const res = await fetch(path, { headers });
    if (res.status === 401) { form.hidden = false; throw new Error('unauthorized'); }
    if (!res.ok) return undefined;
    return res.json();
  }

  function cell(text, cls) {
    const td = document.createElement('td');
    td.textContent = text === undefined || text === null ? '' : String(text);
    if (cls) td.className = cls;
    return td;
  }

  function fill(id, rows, empty) {
    const body = document.querySelector('#' + id + ' tbody');
    body.replaceChildren();
    if (rows.length === 0) {
      const tr = document.createElement('tr');
      const td = cell(empty, 'empty');
      td.colSpan = document.querySelectorAll('#' + id + ' th').length;
      tr.append(td);
      body.append(tr);
      return;
    }
    for (const cells of rows) {
      const tr = document.createElement('tr');
      tr.append(...cells);
      body.append(tr);
    }
  }

  const ago = (ms) => (ms < 1000 ? 'now' : Math.round(ms / 1000) + ' s ago');

  async function refresh() {
    try {
      const [servers, bindings, srs, nodes, errors, node, sessions] = await Promise.all([
        get('/api/v1/servers?limit=1000'),
        get('/api/v1/bindings'),
        get('/api/v1/streams'),
        get('/api/v1/nodes'),
        get('/api/v1/errors'),
        get('/api/v1/node'),
        get('/api/v1/sessions'),
      ]);
      form.hidden = true;
      const bound = (bindings && bindings.data.bindings) || [];
      const perBackend = {};
      for (const b of bound) perBackend[b.backend] = (perBackend[b.backend] || 0) + 1;
      fill('backends', ((servers && servers.data.servers) || []).map((s) => [
        cell(s.id),
        cell(s.ip),
        s.draining ? cell('draining', 'warn') : cell(s.alive ? 'alive' : 'dead', s.alive ? 'ok' : 'bad'),
        cell(ago(s.lastHeartbeatAgoMs)),
        cell(perBackend[s.id] || 0),
      ]), 'no backend registered');

      const srsClients = {};
      for (const s of (srs && srs.streams) || []) srsClients[s.app + '/' + s.name] = s.clients;
      const sessionsHere = {};
      for (const s of (sessions && sessions.data.sessions) || []) {
        if (s.stream) sessionsHere[s.stream] = (sessionsHere[s.stream] || 0) + 1;
      }
      fill('streams', bound.map((b) => {
        const appName = b.stream.split('/').slice(1).join('/');
        return [
          cell(b.stream),
          cell(b.backend, b.backendAlive ? 'ok' : 'bad'),
          cell(srsClients[appName] === undefined ? '-' : srsClients[appName]),
          cell(sessionsHere[b.stream] || 0),
          cell(ago(b.lastUsedAgoMs)),
        ];
      }), 'no stream bound');

      const nodeRows = ((nodes && nodes.data.nodes) || []).map((n) => [
        cell(n.id), cell(n.publicIp), cell(n.alive ? 'alive' : 'dead', n.alive ? 'ok' : 'bad'), cell(''),
      ]);
      if (node) {
        const d = node.data;
        const counts = Object.entries(d.sessions).map(([p, n]) => p + ' ' + n).join(', ');
        nodeRows.unshift([cell(d.id + ' (this node)'), cell(location.hostname),
          cell(d.state, d.state === 'serving' ? 'ok' : 'warn'), cell(counts)]);
      }
      fill('nodes', nodeRows, 'no node announced');

      fill('errors', ((errors && errors.data.errors) || []).map((e) => [
        cell(e.at), cell(e.status, e.status >= 500 ? 'bad' : 'warn'), cell(e.error), cell(e.method + ' ' + e.path),
        cell(e.stream), cell(e.backend),
      ]), 'no errors');
      status.textContent = 'updated ' + new Date().toLocaleTimeString();
    } catch (err) {
      status.textContent = err.message === 'unauthorized' ? 'enter the control token' : 'refresh failed: ' + err.message;
    }
  }
  refresh();
  setInterval(refresh, REFRESH_MS);
})();
</script>
</body>
</html>
`;
