// Keep the run (app/run-store.ts): the pure logic around the IndexedDB wrapper —
// which key a run is kept under, what is kept (the curves cut at the checkpoint,
// copies, not views), what is refused when read back, when to save, what the
// offer says and when Back/Forward must ask. The IndexedDB part runs in the
// browser test (tests/e2e/keep-run.test.ts).
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type Checkpoint, type TrainSettings } from '../../web/src/worker/protocol';
import { discardsRun, dueForSave, formatAgo, fromStored, offerText, runKey, toSaved, worthKeeping } from '../../web/src/app/run-store';

const settings = (over: Partial<TrainSettings> = {}): TrainSettings => ({ ...DEFAULT_SETTINGS, ...over });
const checkpoint = (samplesSeen: number, over: Partial<TrainSettings> = {}): Checkpoint => ({
  run: 2,
  settings: settings(over),
  bytes: new Uint8Array([1, 2, 3, 4]),
  samplesSeen,
  epoch: 0,
  recentLoss: 0.3,
});

describe('run-store', () => {
  it('keys a run by the URL hash of its settings alone', () => {
    expect(runKey(settings())).toBe('#');
    expect(runKey(settings({ seed: 7, learningRate: 0.02 }))).toBe('#lr=0.02&seed=7');
    expect(runKey(settings({ seed: 7 }))).not.toBe(runKey(settings({ seed: 8 })));
    expect(runKey(settings({ activation: 'tanh' }))).toBe('#f=tanh');
  });

  it('keeps the curves up to the checkpoint, as copies', () => {
    const c = checkpoint(250);
    const loss = { x: [100, 200, 300], y: [2.1, 1.5, 0.9] };
    const accuracy = [
      { x: 200, accuracy: 0.5, full: false },
      { x: 400, accuracy: 0.7, full: false },
    ];
    const saved = toSaved(c, loss, accuracy, 1000);
    expect(saved.key).toBe('#');
    expect(saved.savedAt).toBe(1000);
    expect(saved.loss).toEqual({ x: [100, 200], y: [2.1, 1.5] });
    expect(saved.accuracy).toEqual([{ x: 200, accuracy: 0.5, full: false }]);
    c.bytes[0] = 99; // the page's copy may be transferred or changed later
    expect(saved.checkpoint.bytes[0]).toBe(1);
    expect(saved.checkpoint.samplesSeen).toBe(250);
  });

  it('reads back only a run of this key and shape', () => {
    const good = toSaved(checkpoint(500, { seed: 3 }), { x: [100], y: [1] }, [], 5);
    expect(fromStored(good, '#seed=3')).toBe(good);
    expect(fromStored(good, '#seed=4')).toBeNull();
    expect(fromStored(undefined, '#')).toBeNull();
    expect(fromStored({ ...good, checkpoint: { ...good.checkpoint, bytes: [1, 2] } }, '#seed=3')).toBeNull();
    expect(fromStored({ ...good, loss: { x: [1, 2], y: [1] } }, '#seed=3')).toBeNull();
    // A record whose checkpoint belongs to other settings than its key.
    expect(fromStored({ ...good, checkpoint: { ...good.checkpoint, settings: settings({ seed: 9 }) } }, '#seed=3')).toBeNull();
  });

  it('saves a running run at most every 5 s, anything else at once; an untrained network is not kept', () => {
    expect(dueForSave(0, 4999, true)).toBe(false);
    expect(dueForSave(0, 5000, true)).toBe(true);
    expect(dueForSave(0, 1, false)).toBe(true);
    expect(worthKeeping(checkpoint(0))).toBe(false);
    expect(worthKeeping(checkpoint(1))).toBe(true);
  });

  it('says what the offer is', () => {
    const saved = toSaved(checkpoint(12345), { x: [], y: [] }, [], 1_000_000);
    expect(offerText(saved, 1_000_000 + 3 * 60_000)).toBe('Resume the run at 12,345 samples (saved 3 min ago)');
    expect(formatAgo(2000)).toBe('just now');
    expect(formatAgo(45_000)).toBe('45 s ago');
    expect(formatAgo(2 * 3600_000)).toBe('2 h ago');
    expect(formatAgo(86400_000)).toBe('1 day ago');
  });

  it('asks before Back/Forward only when the link needs a new network and this one has trained', () => {
    const now = settings({ seed: 7 });
    expect(discardsRun(now, settings({ seed: 8 }), 5000)).toBe(true);
    expect(discardsRun(now, settings({ seed: 7, activation: 'tanh' }), 5000)).toBe(true);
    expect(discardsRun(now, settings({ seed: 7, learningRate: 0.05 }), 5000)).toBe(false); // λ applies live
    expect(discardsRun(now, settings({ seed: 8 }), 0)).toBe(false); // nothing trained yet
  });
});
