/** kinesalite ships no types: the part of its API the local run and the tests use. */
declare module 'kinesalite' {
  import type { Server } from 'node:http';

  interface KinesaliteOptions {
    readonly path?: string;
    readonly ssl?: boolean;
    readonly createStreamMs?: number;
    readonly deleteStreamMs?: number;
    readonly updateStreamMs?: number;
    readonly shardLimit?: number;
  }

  export default function kinesalite(options?: KinesaliteOptions): Server;
}
