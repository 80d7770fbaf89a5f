export { buildApp, type BuildAppOptions } from './app.js';
export { bootstrap } from './bootstrap.js';
export { loadConfig, type Config } from './config.js';
export { startServer, type RunningServer } from './server.js';
export { stopSignal } from './stop-signal.js';
export { openStore } from './store/open-store.js';
export type { Store } from './store/store.js';
export { exportData, type ExportOptions } from './transfer/export-data.js';
export {
  importData,
  type ImportOptions,
  type ImportProgress,
  type ImportResult,
} from './transfer/import-data.js';
export { TransferError, type TableCounts } from './transfer/transfer-format.js';
