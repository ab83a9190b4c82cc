/// <reference types="vitest/config" />
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

// `strata serve` listens on 127.0.0.1:8080 by default. In development the
// Vite server forwards API calls there, so the app always talks to a
// same-origin `/api` just as it does when the binary serves `dist/`.
const api = { '/api': { target: 'http://127.0.0.1:8080' } };

export default defineConfig({
  base: '/',
  plugins: [svelte()],
  server: { proxy: api },
  preview: { proxy: api },
  build: { outDir: 'dist', emptyOutDir: true },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts'],
  },
});
