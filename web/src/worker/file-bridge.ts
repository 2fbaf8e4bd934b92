// The worker's side of the page's shared downloads (data/file-share.ts): a
// fetch-like function that asks the page for a file and answers with a Response
// made of the bytes the page sends back. The MNIST loader (data/mnist.ts) reads it
// as it would read the network: a 404 stays a 404, a failed request a TypeError.
// Pure: messages go out through `post`, replies come in through `receive`.
import type { FileReply, WorkerEvent } from './protocol';

export class FileBridge {
  private nextId = 1;
  private readonly waiting = new Map<number, (reply: FileReply) => void>();

  constructor(private readonly post: (event: WorkerEvent) => void) {}

  /** Asks the page for `url`; resolves like fetch would. */
  readonly fetch = (input: string | URL | Request): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const fetchId = this.nextId++;
    return new Promise<Response>((resolve, reject) => {
      this.waiting.set(fetchId, (reply) => {
        if (reply.ok) {
          resolve(new Response(reply.file, { status: 200, headers: { 'Content-Length': String(reply.file.size) } }));
        } else if (reply.status === 0) {
          reject(new TypeError(reply.message));
        } else {
          resolve(new Response(null, { status: reply.status, statusText: reply.statusText }));
        }
      });
      this.post({ type: 'fetch-file', fetchId, url });
    });
  };

  /** A reply from the page. */
  receive(reply: FileReply): void {
    const resolve = this.waiting.get(reply.fetchId);
    if (!resolve) return;
    this.waiting.delete(reply.fetchId);
    resolve(reply);
  }
}
