import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The server serves dist/ at `/`, but relative asset paths keep the build
// usable under any prefix (a reverse proxy's sub-path, a file share).
export default defineConfig({
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
    // The map, and the shared tour page the server serves at /t/{token}.
    rollupOptions: {
      input: {
        main: fileURLToPath(new URL('./index.html', import.meta.url)),
        tour: fileURLToPath(new URL('./tour.html', import.meta.url)),
      },
    },
  },
  server: {
    // `npm run dev` talks to a local `siteatlas serve` for data.
    proxy: {
      '/tiles': 'http://127.0.0.1:8080',
      '/api': 'http://127.0.0.1:8080',
      '/context.geojson': 'http://127.0.0.1:8080',
      '/health': 'http://127.0.0.1:8080',
      '/media': 'http://127.0.0.1:8080',
    },
  },
});
