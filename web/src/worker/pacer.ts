// The pace of training in the worker: the speed limit (samples per second, so a
// student can watch the kernels change), the measured rate over the last two
// seconds, and the time one sample takes (to fill a time-boxed slice). Pure: time
// comes in as numbers.

export class Pacer {
  /** Samples per second allowed (0: as fast as the machine goes). */
  private speed = 0;
  private start = 0;
  private trained = 0;
  private history: { t: number; seen: number }[] = [];
  /** Milliseconds per sample, smoothed. */
  msPerSample = 0.1;

  /** A new limit (or the same after a pause): the allowance starts again from now. */
  restart(now: number, speed: number, seen: number): void {
    this.speed = speed;
    this.start = now;
    this.trained = 0;
    this.history = [{ t: now, seen }];
  }

  /** Samples the speed limit allows now (Infinity without a limit). */
  allowance(now: number): number {
    if (!(this.speed > 0)) return Infinity;
    const due = Math.floor(((now - this.start) * this.speed) / 1000);
    const burst = Math.ceil(this.speed / 4); // after a pause (an evaluation), catch up a quarter second at most
    if (due - this.trained > burst) this.trained = due - burst;
    return due - this.trained;
  }

  /** How long to wait before the next sample is allowed (0: no need to wait). */
  waitMs(now: number): number {
    if (this.allowance(now) > 0) return 0;
    return Math.max(4, Math.min(250, 1000 / this.speed));
  }

  /** `samples` were trained in `ms`. */
  trainedSamples(samples: number, ms: number): void {
    this.trained += samples;
    const per = ms / samples;
    if (samples > 0 && Number.isFinite(per) && per > 0) this.msPerSample = 0.7 * this.msPerSample + 0.3 * per;
  }

  /** Records where the run is now, for the rate. */
  mark(now: number, seen: number): void {
    this.history.push({ t: now, seen });
    while (this.history.length > 2 && now - this.history[1]!.t >= 2000) this.history.shift();
  }

  /** Samples per second over the last two seconds (0 until a quarter second is measured). */
  rate(): number {
    if (this.history.length < 2) return 0;
    const first = this.history[0]!;
    const last = this.history[this.history.length - 1]!;
    const dt = (last.t - first.t) / 1000;
    return dt >= 0.25 ? (last.seen - first.seen) / dt : 0;
  }
}
