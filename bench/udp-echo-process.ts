// Benchmark helper process: a UDP echo server; prints its port.
import { startUdpEcho } from '../test/helpers/udp.ts';

const echo = await startUdpEcho();
console.log(`PORT ${echo.port}`);
