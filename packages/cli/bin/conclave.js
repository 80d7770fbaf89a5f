#!/usr/bin/env node
// The installed `conclave` command. It is here, not in dist/, so that `npm install` can link it
// before the build (the `prepare` script) has written dist/bin.js.
import '../dist/bin.js';
