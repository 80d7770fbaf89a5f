export * from './media-types.js';
export { WorkerMediaEngine, NoMediaEngine, outputDefaults } from './worker-media-engine.js';
export { probeFile, ffprobeFor } from './ffmpeg.js';
export { parseMediaConfig, parseOutputOptions, type MediaConfig } from './media-config.js';
export { closePeer } from './close-peer.js';
export { checkCandidate, checkSdp, MediaInputError } from './sdp-guard.js';
export { SYNTHETIC_FONT } from './worker/synthetic-source.js';
