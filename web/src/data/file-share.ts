// One download per URL for the whole page, however many training workers ask.
//
// A page may hold several demos (two <cnn-lab> elements, later several runs to
// compare), each with its own worker. The workers do not fetch MNIST themselves:
// they ask the page (worker/file-bridge.ts), the page downloads each file once
// through this module and keeps it as a Blob, which goes to every worker that asks
// without a copy on the main thread (a worker reads its own copy out of it). The
// workers gunzip and validate the bytes (data/mnist.ts): the page's main thread only
// streams the download.
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
  promise: Promise<Blob>;
  progress: FileProgress;
  listeners: Set<(progress: FileProgress) => void>;
}

export class FileShare {
  private readonly entries = new Map<string, Entry>();
  private readonly downloadListeners = new Set<(url: string, file: Blob) => void>();

  constructor(private readonly fetchFile: (url: string) => Promise<Response> = (url) => fetch(url)) {}

  /**
   * The file, downloaded at the first call for its URL and shared by all the later
   * ones (a Blob: posting it to a worker copies nothing). A failed download rejects
   * with a FileShareError and is tried again at the next call.
   */
  get(url: string, onProgress?: (progress: FileProgress) => void): Promise<Blob> {
    let entry = this.entries.get(url);
    if (!entry) {
      const created: Entry = { promise: Promise.resolve(new Blob()), progress: { url, loaded: 0, total: null }, listeners: new Set() };
      created.promise = this.download(url, created).then(
        (file) => {
          created.listeners.clear();
          for (const listener of this.downloadListeners) listener(url, file);
          return file;
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
  onDownload(listener: (url: string, file: Blob) => void): () => void {
    this.downloadListeners.add(listener);
    return () => this.downloadListeners.delete(listener);
  }

  private report(entry: Entry, loaded: number, total: number | null): void {
    entry.progress = { url: entry.progress.url, loaded, total };
    for (const listener of entry.listeners) listener({ ...entry.progress });
  }

  private async download(url: string, entry: Entry): Promise<Blob> {
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
    // Chunks go into Blobs of about 1 MB as they arrive: no large array is kept on the
    // page, and the main thread never copies the whole file at once.
    const parts: Blob[] = [];
    let pending: Uint8Array<ArrayBuffer>[] = [];
    let pendingBytes = 0;
    const flush = (): void => {
      if (pending.length > 0) parts.push(new Blob(pending));
      pending = [];
      pendingBytes = 0;
    };
    let loaded = 0;
    try {
      if (!response.body) {
        parts.push(await response.blob());
        loaded = parts[0]!.size;
      } else {
        const reader = response.body.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          pending.push(value as Uint8Array<ArrayBuffer>);
          pendingBytes += value.length;
          loaded += value.length;
          if (pendingBytes >= 1 << 20) flush();
          this.report(entry, loaded, total !== null && loaded <= total ? total : null);
        }
        flush();
      }
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new FileShareError(url, 0, '', `${url}: the download broke off after ${loaded} bytes (${why})`);
    }
    this.report(entry, loaded, loaded);
    return new Blob(parts);
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
