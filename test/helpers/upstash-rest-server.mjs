// Runs @humanwhocodes/upstash-redis-server bound to 127.0.0.1 (its own CLI listens on every
// interface). A child process, so its Redis client dies with it at the end of a test.
import { serve } from '@hono/node-server';
import { createApp } from '@humanwhocodes/upstash-redis-server';

const port = Number(process.env.PORT);
const app = createApp({ token: process.env.URS_TOKEN, redisUrl: process.env.REDIS_URL });
serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () => console.log(`listening ${port}`));
