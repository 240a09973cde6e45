import type { D1Migration } from '@cloudflare/vitest-pool-workers';
import type { Env as WorkerEnv } from '../src/env';

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {
      TEST_MIGRATIONS: D1Migration[];
    }
    interface GlobalProps {
      mainModule: typeof import('./worker');
      durableNamespaces: 'CustomerCoordinator';
    }
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** Base URL of the loopback webhook receiver (test/receiver.global.mjs). */
    receiverUrl: string;
    /** Base URL of the loopback platform upstreams (test/upstream.global.mjs). */
    upstreamUrl: string;
    /** A loopback URL where nothing listens. */
    downUpstreamUrl: string;
  }
}
