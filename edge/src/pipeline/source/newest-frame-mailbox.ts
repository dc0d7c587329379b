/**
 * Hands frames to one slow consumer without ever queueing: the mailbox holds at most one frame,
 * and a newer frame replaces an unread one (counted as dropped). Live analysis wants the present,
 * not a backlog that grows while inference is busy.
 */
export class NewestFrameMailbox<T> {
  private item: T | undefined;
  private waiter: ((item: T | undefined) => void) | null = null;
  private closed = false;
  dropped = 0;

  /** Offers a frame; returns false when the mailbox is closed. */
  put(item: T): boolean {
    if (this.closed) return false;
    if (this.waiter) {
      const resolve = this.waiter;
      this.waiter = null;
      resolve(item);
      return true;
    }
    if (this.item !== undefined) this.dropped += 1;
    this.item = item;
    return true;
  }

  /** The newest frame, waiting for one if none is held; undefined once closed and emptied. */
  take(): Promise<T | undefined> {
    if (this.item !== undefined) {
      const item = this.item;
      this.item = undefined;
      return Promise.resolve(item);
    }
    if (this.closed) return Promise.resolve(undefined);
    if (this.waiter) throw new Error('NewestFrameMailbox has one reader');
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  /** Frames held right now: 0 or 1. */
  get size(): number {
    return this.item === undefined ? 0 : 1;
  }

  /** No more frames; a held frame is still delivered, then take() gives undefined. */
  close(): void {
    this.closed = true;
    if (this.waiter) {
      const resolve = this.waiter;
      this.waiter = null;
      resolve(undefined);
    }
  }
}
