/**
 * What a composition root has started, in the order it started it, so that stopping is the reverse
 * of starting by construction rather than an order kept by hand (zigbee2mqtt stops its extensions
 * the same way). A part that fails to stop is logged with its name and the rest still stop: one
 * stuck recorder must not keep the broker, the store or the inference processes running.
 */
import type { Logger } from '../log/logger.js';

/** Anything with a close(): every long-lived part of the agent has one. */
export interface Closeable {
  close(): void | Promise<void>;
}

interface Entry {
  readonly name: string;
  readonly close: () => void | Promise<void>;
}

export class ServiceStack {
  readonly #entries: Entry[] = [];
  #closing: Promise<void> | null = null;

  constructor(private readonly log: Logger) {}

  /** Records `service` as started (it is stopped before everything added earlier); returns it. */
  add<T extends Closeable>(name: string, service: T): T {
    this.#push(name, () => service.close());
    return service;
  }

  /** Records a stop step that is not an object's close(): a timer, a set of cameras replaced at run time. */
  defer(name: string, stop: () => void | Promise<void>): void {
    this.#push(name, stop);
  }

  /** Names in the order they will be stopped. */
  stopOrder(): string[] {
    return this.#entries.map((e) => e.name).reverse();
  }

  /** Stops everything, last started first; concurrent calls share one run. */
  close(): Promise<void> {
    this.#closing ??= this.#closeAll();
    return this.#closing;
  }

  #push(name: string, close: () => void | Promise<void>): void {
    if (this.#closing) throw new Error(`${name} started while the services are stopping`);
    this.#entries.push({ name, close });
  }

  async #closeAll(): Promise<void> {
    while (this.#entries.length > 0) {
      const entry = this.#entries.pop()!;
      try {
        await entry.close();
      } catch (err) {
        this.log.error('service did not stop cleanly', { service: entry.name, err });
      }
    }
  }
}
