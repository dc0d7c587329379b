/** Events per second over a sliding window (frames received, frames consumed). */
export class RateWindow {
  private readonly times: number[] = [];

  constructor(private readonly windowMs = 5000, private readonly now: () => number = Date.now) {}

  mark(): void {
    const t = this.now();
    this.times.push(t);
    this.trim(t);
  }

  perSecond(): number {
    const t = this.now();
    this.trim(t);
    return Math.round((this.times.length * 1000 * 100) / this.windowMs) / 100;
  }

  private trim(t: number): void {
    while (this.times.length > 0 && (this.times[0] as number) <= t - this.windowMs) this.times.shift();
  }
}
