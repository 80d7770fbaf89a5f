// Where the built pages are, for the server to serve (`npm run build -w @conclave/web`).
import { fileURLToPath } from 'node:url';

export const webRoot = fileURLToPath(new URL('./dist/', import.meta.url));
