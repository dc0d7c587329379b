/**
 * What the ffmpeg in use understands. The npm fallback binary is ffmpeg 4.1 (2018) while Debian 12
 * ships 5.1 and newer systems 6–7, and a few options the camera pipeline needs were renamed or added
 * in between: asking the binary once beats guessing from a version string (static builds print a
 * git id, not a version).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface FfmpegCapabilities {
  /** `-fps_mode` (ffmpeg ≥ 5.1); older builds only know `-vsync`. */
  fpsMode: boolean;
  /** `-stats_period` (ffmpeg ≥ 4.4), how often `-progress` reports. */
  statsPeriod: boolean;
  /** RTSP socket I/O timeout: `-timeout` since ffmpeg 5; in 4.x that option meant "listen" and the timeout was `-stimeout`. */
  rtspTimeoutOption: '-timeout' | '-stimeout';
  /** HTTP `-reconnect_on_network_error` (ffmpeg ≥ 4.4). */
  reconnectOnNetworkError: boolean;
}

/** What a current ffmpeg (5.1 and newer) offers; the defaults for argument builders. */
export const CURRENT_FFMPEG: FfmpegCapabilities = {
  fpsMode: true, statsPeriod: true, rtspTimeoutOption: '-timeout', reconnectOnNetworkError: true,
};

const cache = new Map<string, Promise<FfmpegCapabilities>>();

export function ffmpegCapabilities(ffmpegPath: string): Promise<FfmpegCapabilities> {
  let found = cache.get(ffmpegPath);
  if (!found) {
    found = probe(ffmpegPath);
    cache.set(ffmpegPath, found);
    // A failed probe (binary replaced mid-run, say) is asked again next time.
    found.catch(() => cache.delete(ffmpegPath));
  }
  return found;
}

async function probe(ffmpegPath: string): Promise<FfmpegCapabilities> {
  const help = async (topic: string): Promise<string> =>
    (await run(ffmpegPath, ['-hide_banner', '-h', topic], { maxBuffer: 16 * 1024 * 1024 })).stdout;
  const [general, rtsp, http] = await Promise.all([help('long'), help('demuxer=rtsp'), help('protocol=http')]);
  return {
    fpsMode: /^\s*-fps_mode\b/m.test(general),
    statsPeriod: /^\s*-stats_period\b/m.test(general),
    rtspTimeoutOption: /^\s*-stimeout\b/m.test(rtsp) ? '-stimeout' : '-timeout',
    reconnectOnNetworkError: /^\s*-reconnect_on_network_error\b/m.test(http),
  };
}
