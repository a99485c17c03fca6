// The `human-connect` command (bin/human-connect.js loads the built copy of this file).
import { runCli } from "./cli/run.ts";

process.exitCode = await runCli(process.argv.slice(2));
