export { main, EXIT_FAILED, EXIT_OK, EXIT_USAGE } from './main.js';
export { buildProgram } from './program.js';
