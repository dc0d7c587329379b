/**
 * Real clips for the motion gate, made with ffmpeg from the opencv stills and pedestrian video:
 * a scene that freezes and then moves, a still whose lighting changes at once, a person walking
 * into an empty scene, and a small light blinking in a still.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { locateFfmpeg } from '../src/ffmpeg/ffmpeg-binaries.js';
import { NO_PERSON_PHOTO, PEDESTRIAN_VIDEO, PERSON_PHOTO } from './fixtures.js';

function ffmpeg(args: string[]): void {
  execFileSync(locateFfmpeg().path, ['-v', 'error', '-y', ...args, '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '10', '-pix_fmt', 'yuv420p']);
}

/** An empty scene (the fruit photo) at 640x480, 10 fps, for `seconds`, through `filter` (ffmpeg -vf). */
function emptyScene(out: string, seconds: number, filter: string | null): string {
  const scale = 'scale=640:480';
  ffmpeg(['-loop', '1', '-i', NO_PERSON_PHOTO, '-t', String(seconds), '-r', '10', '-vf', filter ? `${scale},${filter}` : scale, out]);
  return out;
}

/** The pedestrian video's first picture held for `frozenSeconds`, then the video playing on. */
export function frozenThenMoving(dir: string, frozenSeconds: number, seconds: number): string {
  const out = join(dir, 'frozen-then-moving.mp4');
  ffmpeg(['-i', PEDESTRIAN_VIDEO, '-t', String(seconds), '-vf', `tpad=start_duration=${frozenSeconds}:start_mode=clone`, out]);
  return out;
}

/** The empty scene with its lighting changed at `atSeconds` by an ffmpeg `eq` setting, e.g. "contrast=1.8:brightness=0.1". */
export function lightingStep(dir: string, eq: string, atSeconds: number, seconds: number): string {
  return emptyScene(join(dir, `lighting-${eq.replace(/[^a-z0-9.]+/g, '_')}.mp4`), seconds, `eq=${eq}:enable='gte(t,${atSeconds})'`);
}

/** The empty scene brightening steadily, by `perSecond` of the full range each second, from 1 s for `rampSeconds`. */
export function lightingRamp(dir: string, perSecond: number, rampSeconds: number, seconds: number): string {
  const brightness = `min(max(t-1,0),${rampSeconds})*${perSecond}`;
  return emptyScene(join(dir, `ramp-${perSecond}.mp4`), seconds, `eq=brightness='${brightness}':eval=frame`);
}

/** A person (the footballer photo, 274x171) sliding into the empty scene from the left at 200 px/s, from `atSeconds`. */
export function personWalksIn(dir: string, atSeconds: number, seconds: number): string {
  const out = join(dir, 'person-walks-in.mp4');
  execFileSync(locateFfmpeg().path, [
    '-v', 'error', '-y', '-loop', '1', '-i', NO_PERSON_PHOTO, '-loop', '1', '-i', PERSON_PHOTO, '-t', String(seconds), '-r', '10',
    '-filter_complex', `[0]scale=640:480[bg];[1]scale=274:171[p];[bg][p]overlay=x='if(gte(t,${atSeconds}),-274+(t-${atSeconds})*200,-1000)':y=240`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '10', '-pix_fmt', 'yuv420p', out,
  ]);
  return out;
}

/** The empty scene with a white square of `size` px at (100, 100) switching on and off every 0.2 s. */
export function blinkingSquare(dir: string, size: number, seconds: number): string {
  return emptyScene(join(dir, `blink-${size}.mp4`), seconds, `drawbox=x=100:y=100:w=${size}:h=${size}:color=white:t=fill:enable='lt(mod(t,0.4),0.2)'`);
}

/** The empty scene held still. */
export function stillEmptyScene(dir: string, seconds: number): string {
  return emptyScene(join(dir, 'still-empty.mp4'), seconds, null);
}
