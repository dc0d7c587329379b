/**
 * `GET /api/events/:id/clip.mp4`: the event's footage for the dashboard's player. The recorded
 * MPEG-TS segments overlapping the event's clip range (zone entry to end, a few seconds either
 * side) are joined by ffmpeg's concat demuxer without re-encoding (`-c copy`: the pictures are
 * the camera's own, and the edge box spends almost no CPU) into a fragmented MP4 streamed straight
 * to the browser: nothing is written to disk, and playback starts with the first fragment.
 *
 * - Video only: an audio codec MP4 cannot hold (G.711 from many IP cameras) would only be found
 *   after the response has started; the evidence export keeps the original segments with audio.
 * - No Range support: the MP4 is made on the fly, so the browser gets it whole (200) and seeks
 *   within what it has loaded; event clips are short.
 * - The ffmpeg child belongs to the request: it is killed when the viewer goes away, and at most
 *   MAX_CLIPS run at once so a few viewers cannot starve the cameras' analysis.
 *
 * `GET /api/events/:id/clip` says, as JSON and without ffmpeg or an audit entry, whether there is
 * footage and how much, so the page can explain a missing clip before opening a player.
 *
 * Access: clerks, investigators and admins; banks only for `phone_at_atm` events (as with the
 * event list and snapshots). Every view is appended to the hash-chained audit log (`clip.view`)
 * before the first byte is sent; if the entry cannot be written the clip is not sent.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { clipParams, type ClipInfo } from '../../wire/api/events.js';
import { locateFfmpeg } from '../../ffmpeg/ffmpeg-binaries.js';
import { lifetimeSpawnArgs } from '../../ffmpeg/child-lifetime.js';
import { ifExistsSync } from '../../store/if-exists.js';
import type { EventRecord, SegmentRecord } from '../../store/store.js';
import { currentUser, requireRole } from '../auth/guard.js';
import { HttpError, parseRequest } from '../http-error.js';
import type { ApiContext } from '../api-context.js';

export const CLIP_VIEW = 'clip.view';
/** Footage shown before the zone entry and after the end: how the person came and went. */
export const CLIP_PAD_MS = 5000;
const MAX_CLIPS = 3;
const KILL_GRACE_MS = 2000;

/** The footage range of an event: its clip range, or its start to its end (now, while open). */
export function clipRange(event: EventRecord, now = Date.now()): { from: number; to: number } {
  const start = event.clipStart ?? event.startedAt;
  const end = event.clipEnd ?? event.endedAt ?? now;
  return { from: start - CLIP_PAD_MS, to: Math.max(end, start) + CLIP_PAD_MS };
}

/** One `file` line of an ffconcat list; the concat demuxer's quoting turns ' into '\''. */
function fileLine(path: string): string {
  if (/[\n\r]/.test(path)) throw new Error(`segment path has a line break: ${JSON.stringify(path)}`);
  return `file '${path.replace(/'/g, "'\\''")}'`;
}

/**
 * The concat list: the segments in order, the first cut in at `from` and the last cut out at `to`
 * (each segment's timestamps start at zero; with stream copy the cut falls on the keyframe before).
 */
export function concatList(segments: readonly { path: string; startMs: number; endMs: number | null }[], from: number, to: number): string {
  const lines = ['ffconcat version 1.0'];
  segments.forEach((s, i) => {
    lines.push(fileLine(s.path));
    if (i === 0 && from > s.startMs) lines.push(`inpoint ${((from - s.startMs) / 1000).toFixed(3)}`);
    if (i === segments.length - 1 && s.endMs !== null && to < s.endMs) lines.push(`outpoint ${((to - s.startMs) / 1000).toFixed(3)}`);
  });
  return `${lines.join('\n')}\n`;
}

export function clipArgs(listFile: string): string[] {
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    '-f', 'concat', '-safe', '0', '-i', listFile,
    '-map', '0:v:0', '-an', '-c', 'copy',
    // Fragmented: playable from the first fragment, no seekable output needed.
    '-movflags', 'frag_keyframe+empty_moov+default_base_moof', '-f', 'mp4', 'pipe:1',
  ];
}

interface ClipFootage {
  readonly event: EventRecord;
  readonly from: number;
  readonly to: number;
  /** Absolute paths. */
  readonly segments: SegmentRecord[];
}

/** The event and its footage, checked for this user; 404 naming the event when there is none. */
function footage(ctx: ApiContext, req: FastifyRequest): ClipFootage {
  const { id } = parseRequest(clipParams, req.params, 'params');
  const user = currentUser(req);
  const store = ctx.store();
  const event = store.events.get(id);
  if (!event) throw new HttpError(404, `no event ${id}`);
  if (user.role === 'bank' && event.behaviour !== 'phone_at_atm') throw new HttpError(403, 'banks may see clips of phone_at_atm events only');
  const { from, to } = clipRange(event);
  // Segments still being written are not in the index yet, and a file may have been deleted by
  // retention; one the disk cannot read is a failure (500, logged), not "no footage".
  const segments = store.segments.list({ camera: event.camera, from, to })
    .map((s): SegmentRecord => ({ ...s, path: store.resolve(s.path) }))
    .filter((s) => ifExistsSync(s.path, (p) => statSync(p)) !== null);
  if (segments.length === 0) {
    throw new HttpError(404, `no footage for event ${id} (camera ${event.camera}, ${new Date(from).toISOString()} to ${new Date(to).toISOString()})`);
  }
  return { event, from, to, segments };
}

export function registerClipRoutes(app: FastifyInstance, ctx: ApiContext): void {
  let running = 0;
  const roles = requireRole(ctx, 'clerk', 'bank', 'investigator');

  app.get('/api/events/:id/clip', { preHandler: roles }, (req): ClipInfo => {
    const { event, from, to, segments } = footage(ctx, req);
    const covered = segments.reduce((sum, s) => sum + Math.max(0, Math.min(to, s.endMs ?? to) - Math.max(from, s.startMs)), 0);
    return {
      eventId: event.id, camera: event.camera, from: new Date(from).toISOString(), to: new Date(to).toISOString(),
      segments: segments.length, seconds: Math.round(covered / 100) / 10, url: `/api/events/${event.id}/clip.mp4`,
    };
  });

  // No automatic HEAD route: a HEAD would start ffmpeg and write an audit entry for nothing.
  app.get('/api/events/:id/clip.mp4', { preHandler: roles, exposeHeadRoute: false }, async (req, reply) => {
    const { event, from, to, segments } = footage(ctx, req);
    const id = event.id;
    const user = currentUser(req);
    const store = ctx.store();
    if (running >= MAX_CLIPS) throw new HttpError(503, `${MAX_CLIPS} clips are being played already; try again in a moment`);
    const ffmpeg = locateFfmpeg(ctx.ffmpegPath).path;

    running += 1;
    const dir = await mkdtemp(join(tmpdir(), 'mimamori-clip-'));
    let child: ChildProcessByStdio<null, Readable, Readable> | null = null;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      running -= 1;
      void rm(dir, { recursive: true, force: true });
    };
    try {
      const list = join(dir, 'list.ffconcat');
      await writeFile(list, concatList(segments, from, to), { mode: 0o600 });
      store.audit.append({
        actor: user.username,
        action: CLIP_VIEW,
        subject: id,
        details: { role: user.role, camera: event.camera, behaviour: event.behaviour, from, to, segments: segments.map((s) => s.id) },
      });
      const [command, args] = await lifetimeSpawnArgs(ffmpeg, clipArgs(list));
      const proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      child = proc;
      let stderr = '';
      proc.stderr.setEncoding('utf8');
      proc.stderr.on('data', (t: string) => {
        stderr = (stderr + t).slice(-4096);
      });
      proc.once('close', release);
      // The viewer closed the player or the tab: the clip is no longer wanted.
      reply.raw.once('close', () => stopChild(proc));
      await firstBytes(proc);
      if (proc.stdout.readableLength === 0) {
        const code = await exited(proc);
        ctx.log.error('clip not joined', { event: id, camera: event.camera, code, ffmpeg: stderr.trim().split('\n').slice(-3).join(' | ') });
        throw new HttpError(500, `event ${id}: the footage could not be joined (the agent log has ffmpeg's message)`);
      }
      return reply
        .type('video/mp4')
        .header('x-content-type-options', 'nosniff')
        .header('content-disposition', `inline; filename="event-${id}.mp4"`)
        .send(proc.stdout);
    } catch (err) {
      if (child) stopChild(child);
      else release();
      throw err;
    }
  });
}

/** Resolves when ffmpeg has output to read, or when its output ended without any. */
function firstBytes(proc: ChildProcessByStdio<null, Readable, Readable>): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      proc.stdout.off('readable', done);
      proc.off('error', fail);
      resolve();
    };
    const fail = (err: Error): void => {
      proc.stdout.off('readable', done);
      reject(err);
    };
    proc.stdout.once('readable', done);
    proc.once('error', fail);
  });
}

function exited(proc: ChildProcessByStdio<null, Readable, Readable>): Promise<number | null> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(proc.exitCode);
  return new Promise((resolve) => proc.once('close', (code) => resolve(code)));
}

function stopChild(proc: ChildProcessByStdio<null, Readable, Readable>): void {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), KILL_GRACE_MS);
  timer.unref();
  proc.once('close', () => clearTimeout(timer));
}
