/**
 * The alert sound: a short two-tone chime generated with the Web Audio API (no audio file to
 * download or decode on a cheap handheld). Browsers start audio "suspended" until the person has
 * tapped the page once; `onChange` reports whether sound can play, so the page can show a visible
 * "tap to turn on the sound" button until it can. Any tap on the page also unlocks it.
 */
type AudioContextCtor = typeof AudioContext;

export class Chime {
  private readonly ctx: AudioContext | null;
  private reported: boolean | null = null;

  constructor(private readonly onChange: (enabled: boolean) => void) {
    const Ctor = (window.AudioContext ?? (window as unknown as { webkitAudioContext?: AudioContextCtor }).webkitAudioContext) as AudioContextCtor | undefined;
    this.ctx = Ctor ? new Ctor() : null;
    this.ctx?.addEventListener('statechange', () => this.report());
    // The first tap anywhere counts as permission, so a clerk who taps "I'll handle it" or the
    // language switch has unlocked sound without looking for the button.
    const unlockOnce = (): void => void this.unlock();
    document.addEventListener('pointerdown', unlockOnce, { capture: true });
    document.addEventListener('keydown', unlockOnce, { capture: true });
  }

  /** Whether a chime would be heard now. */
  get enabled(): boolean {
    return this.ctx?.state === 'running';
  }

  /** Only from a user gesture (a tap): resumes audio where the browser had it suspended. */
  async unlock(): Promise<boolean> {
    if (!this.ctx) return false;
    if (this.ctx.state !== 'running') {
      try {
        await this.ctx.resume();
      } catch {
        // Refused (no gesture): the button stays visible and says so.
      }
    }
    this.report();
    return this.enabled;
  }

  private report(): void {
    if (this.enabled === this.reported) return;
    this.reported = this.enabled;
    this.onChange(this.enabled);
  }

  /** Two rising notes; three pairs for an urgent alert. Silent (not an error) while locked. */
  play(urgent: boolean): void {
    const ctx = this.ctx;
    if (!ctx || ctx.state !== 'running') return;
    const pairs = urgent ? 3 : 1;
    let t = ctx.currentTime + 0.02;
    for (let p = 0; p < pairs; p++) {
      for (const [freq, length] of [[784, 0.18], [1047, 0.3]] as const) {
        const osc = ctx.createOscillator();
        const gain = ctx.createGain();
        osc.type = 'sine';
        osc.frequency.value = freq;
        // A quick attack and exponential decay: a bell, not a click or a buzzer.
        gain.gain.setValueAtTime(0.0001, t);
        gain.gain.exponentialRampToValueAtTime(0.6, t + 0.01);
        gain.gain.exponentialRampToValueAtTime(0.0001, t + length);
        osc.connect(gain).connect(ctx.destination);
        osc.start(t);
        osc.stop(t + length + 0.02);
        t += length;
      }
      t += 0.15;
    }
  }
}
