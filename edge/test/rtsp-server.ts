/**
 * A minimal RTSP server for tests, since ffmpeg 5.1 cannot serve RTSP itself (its muxer's
 * `-rtsp_flags listen` is demuxer-only: it still connects out). ffmpeg loops a clip into RTP on a
 * local UDP port and writes the SDP; this server answers OPTIONS/DESCRIBE/SETUP/PLAY and relays
 * each RTP packet to playing clients interleaved over their RTSP TCP connection
 * (RTP/AVP/TCP, as `-rtsp_transport tcp` asks).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { freePort } from './free-port.js';

export interface RtspTestServer {
  url: string;
  port: number;
  /** Stop relaying packets but keep connections open (a stalled camera). */
  pause(): void;
  resume(): void;
  /** Kills ffmpeg and closes every socket (a camera that went away). */
  stop(): Promise<void>;
}

export async function startRtspServer(options: { clip: string; dir: string; port?: number; path?: string }): Promise<RtspTestServer> {
  const port = options.port ?? (await freePort());
  const url = `rtsp://127.0.0.1:${port}/${options.path ?? 'cam'}`;
  const udp = createSocket('udp4');
  await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
  const rtpPort = udp.address().port;
  const sdpFile = join(options.dir, `rtsp-${port}.sdp`);
  const ffmpeg = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', options.clip,
    '-an', '-c', 'copy', '-f', 'rtp', '-sdp_file', sdpFile, `rtp://127.0.0.1:${rtpPort}?rtcpport=${rtpPort}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let ffmpegErr = '';
  ffmpeg.stderr?.on('data', (d: Buffer) => {
    ffmpegErr = (ffmpegErr + d.toString()).slice(-2000);
  });
  const sdp = await waitForSdp(sdpFile, ffmpeg, () => ffmpegErr);

  const playing = new Set<Socket>();
  const clients = new Set<Socket>();
  let paused = false;
  udp.on('message', (packet) => {
    // RTCP (payload types 200–204) shares the port; clients only need RTP here.
    const pt = packet[1] ?? 0;
    if (paused || (pt >= 200 && pt <= 204)) return;
    const header = Buffer.from([0x24, 0, packet.length >> 8, packet.length & 0xff]);
    for (const client of playing) client.write(Buffer.concat([header, packet]));
  });

  const server: Server = createServer((socket) => {
    clients.add(socket);
    socket.on('close', () => {
      clients.delete(socket);
      playing.delete(socket);
    });
    socket.on('error', () => socket.destroy());
    let buffered = '';
    socket.on('data', (data) => {
      buffered += data.toString('latin1');
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const request = buffered.slice(0, end);
        buffered = buffered.slice(end + 4);
        answer(socket, request);
      }
    });
  });

  function answer(socket: Socket, request: string): void {
    const [line = '', ...headerLines] = request.split('\r\n');
    const method = line.split(' ')[0] ?? '';
    const header = (name: string): string | undefined =>
      headerLines.find((h) => h.toLowerCase().startsWith(`${name.toLowerCase()}:`))?.slice(name.length + 1).trim();
    const cseq = header('CSeq') ?? '0';
    const reply = (extra: string[], body = ''): void => {
      const lines = ['RTSP/1.0 200 OK', `CSeq: ${cseq}`, ...extra];
      if (body) lines.push('Content-Type: application/sdp', `Content-Length: ${Buffer.byteLength(body)}`);
      socket.write(`${lines.join('\r\n')}\r\n\r\n${body}`);
    };
    switch (method) {
      case 'OPTIONS':
        reply(['Public: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER']);
        break;
      case 'DESCRIBE':
        reply([`Content-Base: ${url}/`], describeSdp(sdp));
        break;
      case 'SETUP':
        reply([`Transport: ${header('Transport') ?? 'RTP/AVP/TCP;unicast;interleaved=0-1'}`, 'Session: 4242;timeout=60']);
        break;
      case 'PLAY':
        reply(['Session: 4242', 'Range: npt=0.000-']);
        playing.add(socket);
        break;
      case 'TEARDOWN':
        reply(['Session: 4242']);
        socket.end();
        break;
      default:
        reply(['Session: 4242']);
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });

  return {
    url,
    port,
    pause: () => {
      paused = true;
    },
    resume: () => {
      paused = false;
    },
    stop: async () => {
      for (const c of clients) c.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      udp.close();
      await killAndWait(ffmpeg);
    },
  };
}

/** ffmpeg's SDP as a DESCRIBE answer: one track with a control URL, no fixed address or port. */
function describeSdp(sdp: string): string {
  const lines = sdp.split(/\r?\n/).filter((l) => l !== '');
  const out: string[] = [];
  for (const l of lines) {
    if (l.startsWith('c=')) out.push('c=IN IP4 0.0.0.0');
    else if (l.startsWith('m=video')) out.push(l.replace(/^m=video \d+/, 'm=video 0'), 'a=control:trackID=0');
    else out.push(l);
  }
  return `${out.join('\r\n')}\r\n`;
}

async function waitForSdp(file: string, proc: ChildProcess, err: () => string): Promise<string> {
  for (let i = 0; i < 100; i += 1) {
    if (proc.exitCode !== null) throw new Error(`RTP ffmpeg exited: ${err()}`);
    const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return '';
      throw e;
    });
    if (text.includes('m=video')) return text;
    await new Promise((r) => setTimeout(r, 50));
  }
  proc.kill('SIGKILL');
  throw new Error(`no SDP from RTP ffmpeg: ${err()}`);
}

function killAndWait(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    proc.once('exit', () => resolve());
    proc.kill('SIGKILL');
  });
}
