import { describe, expect, it } from 'vitest';
import { ffmpegInput, sourceKind } from './ffmpeg-input-args.js';
import { frameFilters, frameOutputOptions } from '../pipeline/source/frame-output-args.js';

describe('ffmpegInput', () => {
  it('rtsp: TCP transport and a socket timeout in microseconds (ffmpeg ≥ 5)', () => {
    expect(ffmpegInput({ source: 'rtsp://u:p@10.0.0.5:554/s1', loop: false, ioTimeoutSeconds: 10 })).toEqual({
      kind: 'rtsp', input: 'rtsp://u:p@10.0.0.5:554/s1', inputOptions: ['-rtsp_transport', 'tcp', '-timeout', '10000000'], endsAtEof: false,
    });
    expect(sourceKind('rtsps://cam/x')).toBe('rtsp');
  });

  it('http(s): reconnect options and an I/O timeout', () => {
    const spec = ffmpegInput({ source: 'https://cam.local/live.m3u8', loop: true, ioTimeoutSeconds: 5 });
    expect(spec.kind).toBe('http');
    expect(spec.inputOptions).toEqual(['-reconnect', '1', '-reconnect_streamed', '1', '-reconnect_on_network_error', '1',
      '-reconnect_delay_max', '5', '-rw_timeout', '5000000']);
    expect(spec.endsAtEof).toBe(false);
  });

  it('files: native rate, loop only when asked, end of file ends the camera only without loop', () => {
    expect(ffmpegInput({ source: '/data/demo.mp4', loop: false, ioTimeoutSeconds: 10 })).toEqual({
      kind: 'file', input: 'file:/data/demo.mp4', inputOptions: ['-re'], endsAtEof: true,
    });
    expect(ffmpegInput({ source: 'file:///data/a%20b.mp4', loop: true, ioTimeoutSeconds: 10 })).toEqual({
      kind: 'file', input: 'file:/data/a b.mp4', inputOptions: ['-re', '-stream_loop', '-1'], endsAtEof: false,
    });
    expect(ffmpegInput({ source: 'clips/x:1.mp4', loop: false, ioTimeoutSeconds: 10 }).input).toBe(`file:${process.cwd()}/clips/x:1.mp4`);
  });

  it('V4L2 devices', () => {
    expect(ffmpegInput({ source: '/dev/video0', loop: false, ioTimeoutSeconds: 10 })).toEqual({
      kind: 'v4l2', input: '/dev/video0', inputOptions: ['-f', 'v4l2'], endsAtEof: false,
    });
  });

  it('rejects other schemes without echoing credentials', () => {
    expect(() => sourceKind('rtmp://user:secret@host/live')).toThrow(/unsupported camera source scheme in rtmp:\/\/…/);
    expect(() => sourceKind('rtmp://user:secret@host/live')).not.toThrow(/secret/);
  });
});

describe('frame output', () => {
  it('fps, width-capped even scale by display aspect, RGB PPM on a pipe', () => {
    expect(frameFilters({ fps: 5, width: 641 })).toEqual([
      'fps=5', "scale=w='max(2\\,trunc(min(640\\,iw*sar)/2)*2)':h='max(2\\,trunc(ow/dar/2)*2)'", 'setsar=1',
    ]);
    expect(frameOutputOptions()).toEqual(['-an', '-sn', '-dn', '-fps_mode', 'passthrough', '-pix_fmt', 'rgb24', '-c:v', 'ppm', '-f', 'image2pipe']);
  });
});
