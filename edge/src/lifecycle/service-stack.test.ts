import { describe, expect, it } from 'vitest';
import { createLogger } from '../log/logger.js';
import { ServiceStack } from './service-stack.js';

function logged(): { lines: Record<string, unknown>[]; stack: ServiceStack } {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger('test', { write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) });
  return { lines, stack: new ServiceStack(log) };
}

describe('service stack', () => {
  it('stops in the reverse order of start, awaiting each before the next', async () => {
    const { stack } = logged();
    const stopped: string[] = [];
    const service = (name: string, ms = 0) => ({
      close: () => new Promise<void>((resolve) => setTimeout(() => {
        stopped.push(name);
        resolve();
      }, ms)),
    });
    stack.add('store', service('store'));
    stack.add('broker', service('broker', 30));
    stack.defer('timer', () => void stopped.push('timer'));
    stack.add('http', service('http', 10));
    expect(stack.stopOrder()).toEqual(['http', 'timer', 'broker', 'store']);
    await stack.close();
    expect(stopped).toEqual(['http', 'timer', 'broker', 'store']);
    expect(stack.stopOrder()).toEqual([]);
  });

  it('stops the rest when one part fails to, and says which failed', async () => {
    const { stack, lines } = logged();
    const stopped: string[] = [];
    stack.add('store', { close: () => void stopped.push('store') });
    stack.add('recorder', { close: () => Promise.reject(new Error('ffmpeg did not exit')) });
    stack.add('http', { close: () => void stopped.push('http') });
    await stack.close();
    expect(stopped).toEqual(['http', 'store']);
    expect(lines).toMatchObject([{ level: 'error', msg: 'service did not stop cleanly', service: 'recorder' }]);
    expect(JSON.stringify(lines[0])).toContain('ffmpeg did not exit');
  });

  it('stops once however often close is called, and refuses a start while stopping', async () => {
    const { stack } = logged();
    let closes = 0;
    stack.add('store', { close: () => void (closes += 1) });
    await Promise.all([stack.close(), stack.close()]);
    await stack.close();
    expect(closes).toBe(1);
    expect(() => stack.add('late', { close: () => undefined })).toThrow('late started while the services are stopping');
  });
});
