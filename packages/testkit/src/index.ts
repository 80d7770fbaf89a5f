/**
 * Test-only helpers shared by the SDK, CLI and web suites. Private: never a dependency of a
 * published package, only a devDependency.
 */
export { freePort } from './free-port.js';
export { startConclave, type Conclave, type StartConclaveOptions } from './start-conclave.js';
