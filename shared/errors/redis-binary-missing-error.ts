/**
 * `nox up` on one machine found no Redis to use and no `redis-server` to start
 * (bin/local-redis.ts); `nox up` exits 3 on it. A plain Error: it stops the command at boot,
 * it never reaches the API. The message says how to get one.
 */
export class RedisBinaryMissingError extends Error {
  constructor() {
    super(
      'No Redis answers on 127.0.0.1:6379 and no `redis-server` binary was found on PATH.\n' +
        'Install one (Debian/Ubuntu: `sudo apt-get install redis-server`; macOS: `brew install redis`),\n' +
        'or point Nox at a running Redis with REDIS_URL=redis://host:port.',
    );
  }
}
