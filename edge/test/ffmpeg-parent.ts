/**
 * A small real parent for lifetime tests of plain spawns (evidence joins, clips): starts one
 * ffmpeg through lifetimeSpawnArgs writing `<out>`, prints its pid, and waits to be killed.
 *
 * usage: node --import tsx edge/test/ffmpeg-parent.ts <out.ts>
 */
import { spawn } from 'node:child_process';
import { lifetimeSpawnArgs } from '../src/ffmpeg/child-lifetime.js';

const [out] = process.argv.slice(2) as [string];
const [command, args] = await lifetimeSpawnArgs('ffmpeg', [
  '-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=5', '-f', 'mpegts', out,
]);
const child = spawn(command, args, { stdio: 'ignore' });
process.stdout.write(`${child.pid}\n`);
setInterval(() => undefined, 60_000);
