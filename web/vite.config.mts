import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

const root = fileURLToPath(new URL('.', import.meta.url));

// The static client: built into web/dist and served at `/` by the local stack (or S3/CloudFront in the cloud).
// No URLs are compiled in: the app reads /config.json at start.
export default defineConfig({
  root,
  base: '/',
  plugins: [vue()],
  // vue-i18n's bundler build: Composition API only (no legacy API), no devtools hooks in production. Its message
  // compiler is the JIT one (v10+ default): messages compile to an AST that is evaluated, never to code via
  // `new Function`, so the CSP's script-src without 'unsafe-eval' holds (docs/WEB.md, "Languages").
  define: {
    __VUE_I18N_FULL_INSTALL__: true,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
    __INTLIFY_JIT_COMPILATION__: true,
    __INTLIFY_DROP_MESSAGE_COMPILER__: false,
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // 'hidden': maps are written (to symbolicate a stack trace by hand) but the bundle does not reference them, and
    // the deployment leaves *.map out of the bucket (lib/web-hosting.ts): the published client carries no source.
    sourcemap: 'hidden',
  },
  // `npx vite --config web/vite.config.mts` (hot reload on :5173): /config.json comes from a running local stack
  // (PARLEY_STACK, default http://127.0.0.1:3000), which must allow this origin:
  // `PARLEY_ALLOWED_ORIGINS=http://localhost:5173 npm start`. The app then talks to the stack directly.
  server: {
    port: 5173,
    proxy: { '/config.json': { target: process.env.PARLEY_STACK ?? 'http://127.0.0.1:3000', changeOrigin: true } },
  },
});
