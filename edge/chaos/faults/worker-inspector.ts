/**
 * Kills an inference worker thread of a running agent from outside, with no hook in the agent:
 * the chaos agent is started with Node's own inspector (`--inspect=127.0.0.1:<port>`, a standard
 * Node operator feature), and the inspector's NodeWorker domain runs `process.exit(1)` inside the
 * worker — which, in a worker thread, ends that thread only, as a native crash in onnxruntime or
 * an out-of-memory in the worker would.
 */
import WebSocket from 'ws';

interface InspectorTarget { webSocketDebuggerUrl: string }
interface WorkerAttached { sessionId: string; workerInfo: { workerId: string; title: string; url: string } }

export class WorkerInspector {
  constructor(readonly port: number) {}

  /** The node flag that opens the inspector this class talks to. */
  get nodeFlag(): string {
    return `--inspect=127.0.0.1:${this.port}`;
  }

  /**
   * Ends the first worker whose name matches `name` (the agent names its inference workers
   * `inference-<n>`; the inspector titles them "[worker <id>] <name>"); resolves with the title.
   */
  async killWorker(name = /\binference-\d+$/, timeoutMs = 10_000): Promise<string> {
    const res = await fetch(`http://127.0.0.1:${this.port}/json/list`, { signal: AbortSignal.timeout(3000) });
    const [target] = (await res.json()) as InspectorTarget[];
    if (!target) throw new Error(`inspector on 127.0.0.1:${this.port} lists no target`);
    const ws = new WebSocket(target.webSocketDebuggerUrl);
    try {
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      return await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no worker named like ${String(name)} attached within ${timeoutMs} ms`)), timeoutMs);
        ws.on('message', (data: WebSocket.RawData) => {
          const msg = JSON.parse(data.toString()) as { method?: string; params?: WorkerAttached };
          if (msg.method !== 'NodeWorker.attachedToWorker' || !msg.params) return;
          const { sessionId, workerInfo } = msg.params;
          if (!name.test(workerInfo.title)) return;
          const evaluate = { id: 1, method: 'Runtime.evaluate', params: { expression: 'process.exit(1)' } };
          ws.send(JSON.stringify({ id: 2, method: 'NodeWorker.sendMessageToWorker', params: { sessionId, message: JSON.stringify(evaluate) } }));
          clearTimeout(timer);
          // The exit happens when the worker next runs JavaScript (at once if idle, else after its current inference).
          setTimeout(() => resolve(workerInfo.title), 500);
        });
        ws.send(JSON.stringify({ id: 1, method: 'NodeWorker.enable', params: { waitForDebuggerOnStart: false } }));
      });
    } finally {
      ws.close();
    }
  }
}
