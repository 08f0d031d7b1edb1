// GET /players/rtc.html on the player-facing ports: the WHIP/WHEP check page.

import { Hono } from 'hono';
import type { ControlEnv } from '../context.ts';
import { PLAYER_PAGE_HTML } from '../status-page/player-page-html.ts';

export const playerPageRoute = new Hono<ControlEnv>().get('/players/rtc.html', (c) =>
  c.html(PLAYER_PAGE_HTML, 200, {
    'content-security-policy':
      "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; media-src 'self' blob:",
    'cache-control': 'no-cache',
  }),
);
