/**
 * Loaded by mocha before any test (.mocharc.json `require`). Tests talk to the real Redis
 * at REDIS_URL (.ci/run starts a private one); logs are off unless TEST_LOG_LEVEL is set.
 */
process.env.REDIS_URL ??= 'redis://127.0.0.1:6379';
process.env.LOG_LEVEL = process.env.TEST_LOG_LEVEL ?? 'silent';
