import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The console is built into apps/console/dist and served by the API at /ui
 * (apps/api/src/console/console.ts). Everything it needs is bundled: the page
 * makes no request outside the API's own origin.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/ui/',
  resolve: {
    alias: { '@kipam/cidr': fileURLToPath(new URL('../../libs/cidr/src/index.ts', import.meta.url)) },
  },
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // no inlined data: scripts or fonts; the CSP allows only the app's own files
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1500,
    sourcemap: false,
    rolldownOptions: {
      // React Server Components markers in dependencies mean nothing in a client-only bundle
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  logLevel: 'warn',
});
