#!/usr/bin/env node
import "../dist/node/src/server/cli.js";
