// Keep the run: the page's newest checkpoint of the network being trained, its
// curves and its settings, kept in IndexedDB under the page's URL state (the hash
// of the run's settings), so that a reload — or coming back to the link later —
// can offer "Resume the run at 12,345 samples (saved 3 min ago)" and go on bit for
// bit from the core's checkpoint (the worker's `resume` path).
//
// The logic is pure and tested in Vitest (tests/web/run-store.test.ts); the
// IndexedDB part is a thin wrapper at the end (tested in the browser:
// tests/e2e/keep-run.test.ts).
import type { Checkpoint, TrainSettings } from '../worker/protocol';
import { resetReasons } from '../worker/protocol';
import { formatCount } from '../ui/format';
import type { AccuracyPoint } from './series';
import { formatHash } from './settings';

/** What is kept of a run. */
export interface SavedRun {
  /** runKey(settings): the URL hash state of the run's settings. */
  key: string;
  /** Date.now() when it was saved. */
  savedAt: number;
  checkpoint: Checkpoint;
  loss: { x: number[]; y: number[] };
  accuracy: AccuracyPoint[];
}

/**
 * The key of a run: the URL hash of its settings alone ('#seed=7&lr=0.02', '#' for
 * the defaults). The answering model and hidden panels are not part of a run.
 */
export function runKey(settings: TrainSettings): string {
  return formatHash({ settings, compare: null, model: 'pretrained', hidden: [] }) || '#';
}

/** Whether a checkpoint is worth keeping: it has trained at least one sample. */
export function worthKeeping(c: Checkpoint): boolean {
  return c.samplesSeen > 0;
}

/** The record to store. The curves are cut at the checkpoint (resuming goes on from there). */
export function toSaved(c: Checkpoint, loss: { x: readonly number[]; y: readonly number[] }, accuracy: readonly AccuracyPoint[], now: number): SavedRun {
  const keep = loss.x.findIndex((x) => x > c.samplesSeen);
  const n = keep < 0 ? loss.x.length : keep;
  return {
    key: runKey(c.settings),
    savedAt: now,
    checkpoint: { ...c, settings: { ...c.settings }, bytes: c.bytes.slice() },
    loss: { x: loss.x.slice(0, n), y: loss.y.slice(0, n) },
    accuracy: accuracy.filter((p) => p.x <= c.samplesSeen).map((p) => ({ ...p })),
  };
}

/** A stored record read back, or null when it is not a run of this shape (another version, damage). */
export function fromStored(value: unknown, key: string): SavedRun | null {
  if (typeof value !== 'object' || value === null) return null;
  const r = value as Partial<SavedRun>;
  const c = r.checkpoint;
  if (r.key !== key || typeof r.savedAt !== 'number' || !c || !(c.bytes instanceof Uint8Array) || typeof c.samplesSeen !== 'number') return null;
  if (!r.loss || !Array.isArray(r.loss.x) || !Array.isArray(r.loss.y) || r.loss.x.length !== r.loss.y.length || !Array.isArray(r.accuracy)) return null;
  if (runKey(c.settings) !== key) return null;
  return r as SavedRun;
}

/** Saves while running at most every `everyMs`; a pause, the end or a reset is saved at once. */
export function dueForSave(lastSavedAt: number, now: number, running: boolean, everyMs = 5000): boolean {
  return !running || now - lastSavedAt >= everyMs;
}

/** "just now", "40 s ago", "3 min ago", "2 h ago", "5 days ago". */
export function formatAgo(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 10) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  const d = Math.round(s / 86400);
  return `${d} day${d === 1 ? '' : 's'} ago`;
}

/** The offer shown after a reload. */
export function offerText(saved: SavedRun, now: number): string {
  return `Resume the run at ${formatCount(saved.checkpoint.samplesSeen)} samples (saved ${formatAgo(now - saved.savedAt)})`;
}

/**
 * Whether going to `next` (Back/Forward to another link) throws away a network
 * being trained: the run has trained something and `next` needs a new network.
 */
export function discardsRun(current: TrainSettings, next: TrainSettings, samplesSeen: number): boolean {
  return samplesSeen > 0 && resetReasons(current, next).length > 0;
}

// ---------------------------------------------------------------- IndexedDB

const DB = 'cnnlab';
const STORE = 'runs';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: 'key' });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB could not be opened'));
  });
}

function run<T>(mode: IDBTransactionMode, work: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  return open().then(
    (db) =>
      new Promise<T>((resolve, reject) => {
        const tx = db.transaction(STORE, mode);
        const request = work(tx.objectStore(STORE));
        tx.oncomplete = () => {
          db.close();
          resolve(request.result);
        };
        tx.onerror = tx.onabort = () => {
          db.close();
          reject(tx.error ?? new Error('IndexedDB transaction failed'));
        };
      }),
  );
}

/** The saved runs, by key. Every call fails softly: a browser without storage keeps nothing. */
export const runStore = {
  async load(key: string): Promise<SavedRun | null> {
    try {
      return fromStored(await run('readonly', (s) => s.get(key)), key);
    } catch {
      return null;
    }
  },
  async save(record: SavedRun): Promise<boolean> {
    try {
      await run('readwrite', (s) => s.put(record));
      return true;
    } catch {
      return false;
    }
  },
  async remove(key: string): Promise<void> {
    try {
      await run('readwrite', (s) => s.delete(key));
    } catch {
      // nothing kept
    }
  },
};
