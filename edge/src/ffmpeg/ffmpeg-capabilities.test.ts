import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { CURRENT_FFMPEG, ffmpegCapabilities } from './ffmpeg-capabilities.js';

const require = createRequire(import.meta.url);

describe('ffmpeg capabilities', () => {
  it("finds Debian's ffmpeg (5.1+) current", async () => {
    expect(await ffmpegCapabilities('/usr/bin/ffmpeg')).toEqual(CURRENT_FFMPEG);
  });

  it('finds the npm fallback ffmpeg 4.1 without the renamed and newer options', async () => {
    const npmFfmpeg = (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
    expect(await ffmpegCapabilities(npmFfmpeg)).toEqual({
      fpsMode: false, statsPeriod: false, rtspTimeoutOption: '-stimeout', reconnectOnNetworkError: false,
    });
  });

  it('names the binary when it cannot run', async () => {
    await expect(ffmpegCapabilities('/nonexistent/ffmpeg')).rejects.toThrow(/nonexistent\/ffmpeg/);
  });
});
