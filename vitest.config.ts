import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['edge/**/*.test.ts', 'models/**/*.test.ts', 'dashboard/e2e/**/*.test.ts'],
    // Model conversion, onnxruntime sessions and ffmpeg runs are real and take seconds each.
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
    globalSetup: ['./edge/test/global-setup.ts'],
  },
});
