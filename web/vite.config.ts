import { defineConfig } from 'vite';

// The built app goes next to the edge's compiled code: the edge serves it
// (same origin as the API, so the app needs no configuration), and the edge's
// container image picks it up with services/edge/dist.
export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: '../services/edge/dist/web',
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: false,
  },
  // `npm run dev -w web`: the API calls go to a running edge (npm start).
  server: { proxy: { '^/foodmesh\\.edge\\.v1\\.': 'http://127.0.0.1:8080' } },
});
