import { describe, expect, it } from 'vitest';
import { redactCredentials } from './redact-url.js';

describe('redactCredentials', () => {
  it('hides user and password in URLs inside any text', () => {
    expect(redactCredentials('rtsp://admin:p@ss:w0rd@10.0.0.5:554/s1: Connection refused'))
      .toBe('rtsp://***@10.0.0.5:554/s1: Connection refused');
    expect(redactCredentials('a http://u@h/x and rtsp://h/y')).toBe('a http://***@h/x and rtsp://h/y');
    expect(redactCredentials("ffprobe 'rtsp://cam:secret@10.0.0.7/live': 401 Unauthorized")).toBe("ffprobe 'rtsp://***@10.0.0.7/live': 401 Unauthorized");
  });

  it('hides MQTT logins, with any scheme, and leaves URLs without one as they are', () => {
    expect(redactCredentials('mqtts://u:p@host:8883/')).toBe('mqtts://***@host:8883/');
    expect(redactCredentials('WS://agent:pw@broker:9001/mqtt')).toBe('WS://***@broker:9001/mqtt');
    expect(redactCredentials('mqtt://127.0.0.1:1883')).toBe('mqtt://127.0.0.1:1883');
    expect(redactCredentials('/dev/video0 and file:/data/clip@2.mp4')).toBe('/dev/video0 and file:/data/clip@2.mp4');
  });

  it('hides a password holding a raw "/", which a URL parser cannot even read', () => {
    expect(redactCredentials('mqtt://agent:pa/ss@broker:1883')).toBe('mqtt://***@broker:1883');
    expect(redactCredentials('rtsp://admin:a/b@c@10.0.0.5/s1 timed out')).toBe('rtsp://***@10.0.0.5/s1 timed out');
  });
});
