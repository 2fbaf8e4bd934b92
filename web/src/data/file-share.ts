// One download per URL for the whole page, however many training workers ask.
//
// A page may hold several demos (two <cnn-lab> elements, later several runs to
// compare), each with its own worker. The workers do not fetch MNIST themselves:
// they ask the page (worker/file-bridge.ts), the page downloads each file once
// through this module and gives every worker that asks a copy of the bytes. The
// workers gunzip and validate them (data/mnist.ts), so the page's main thread only
// streams bytes.
//
// Pure apart from `fetch`: no DOM, so it type-checks for the page and the worker and
// runs under Node with an injected fetch.

/** How far one download is: bytes received and expected (null: no Content-Length). */
export interface FileProgress {
  url: string;
  loaded: number;
  total: number | null;
}

/** A download that failed: `status` is the HTTP status, or 0 when the request itself failed. */
export class FileShareError extends Error {
  override readonly name = 'FileShareError';
  constructor(
    readonly url: string,
    readonly status: number,
    readonly statusText: string,
    message: string,
  ) {
    super(message);
  }
}

interface Entry {
  promise: Promise<Uint8Array>;
  progress: FileProgress;
  listeners: Set<(progress: FileProgress) => void>;
}

export class FileShare {
  private readonly entries = new Map<string, Entry>();
  private readonly downloadListeners = new Set<(url: string, bytes: Uint8Array) => void>();

  constructor(private readonly fetchFile: (url: string) => Promise<Response> = (url) => fetch(url)) {}

  /**
   * The file's bytes, downloaded at the first call for its URL and shared by all the
   * later ones. The array is the page's copy: copy it before transferring it. A
   * failed download rejects with a FileShareError and is tried again at the next call.
   */
  get(url: string, onProgress?: (progress: FileProgress) => void): Promise<Uint8Array> {
    let entry = this.entries.get(url);
    if (!entry) {
      const created: Entry = { promise: Promise.resolve(new Uint8Array(0)), progress: { url, loaded: 0, total: null }, listeners: new Set() };
      created.promise = this.download(url, created).then(
        (bytes) => {
          created.listeners.clear();
          for (const listener of this.downloadListeners) listener(url, bytes);
          return bytes;
        },
        (error: unknown) => {
          created.listeners.clear();
          if (this.entries.get(url) === created) this.entries.delete(url);
          throw error;
        },
      );
      this.entries.set(url, created);
      entry = created;
    }
    if (onProgress) {
      entry.listeners.add(onProgress);
      onProgress({ ...entry.progress });
    }
    return entry.promise;
  }

  /** Calls `listener` after each completed download (the page keeps MNIST for offline use). */
  onDownload(listener: (url: string, bytes: Uint8Array) => void): () => void {
    this.downloadListeners.add(listener);
    return () => this.downloadListeners.delete(listener);
  }

  private report(entry: Entry, loaded: number, total: number | null): void {
    entry.progress = { url: entry.progress.url, loaded, total };
    for (const listener of entry.listeners) listener({ ...entry.progress });
  }

  private async download(url: string, entry: Entry): Promise<Uint8Array> {
    let response: Response;
    try {
      response = await this.fetchFile(url);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new FileShareError(url, 0, '', `${url}: the download failed (${why})`);
    }
    if (!response.ok) {
      throw new FileShareError(url, response.status, response.statusText, `${url}: HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
    }
    const total = contentLength(response);
    this.report(entry, 0, total);
    const chunks: Uint8Array[] = [];
    let loaded = 0;
    try {
      if (!response.body) {
        const all = new Uint8Array(await response.arrayBuffer());
        chunks.push(all);
        loaded = all.length;
      } else {
        const reader = response.body.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          chunks.push(value);
          loaded += value.length;
          this.report(entry, loaded, total !== null && loaded <= total ? total : null);
        }
      }
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new FileShareError(url, 0, '', `${url}: the download broke off after ${loaded} bytes (${why})`);
    }
    const bytes = chunks.length === 1 ? chunks[0]! : new Uint8Array(loaded);
    if (chunks.length !== 1) {
      let at = 0;
      for (const chunk of chunks) {
        bytes.set(chunk, at);
        at += chunk.length;
      }
    }
    this.report(entry, loaded, loaded);
    return bytes;
  }
}

function contentLength(response: Response): number | null {
  // With a Content-Encoding the body arrives decoded and the header counts encoded bytes.
  const encoding = response.headers.get('content-encoding');
  if (encoding !== null && encoding.toLowerCase() !== 'identity') return null;
  const header = response.headers.get('content-length');
  return header !== null && /^\d+$/.test(header.trim()) ? Number(header) : null;
}

/**
 * The page's one FileShare: module-level, so every <cnn-lab> element (and the page)
 * loaded from the same cnn-lab.js shares it.
 */
export const pageFiles = new FileShare();
