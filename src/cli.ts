#!/usr/bin/env node
// The sqlite2pg executable: runs the command line and exits with the contract's code.
import { hideBin } from 'yargs/helpers';
import { main } from './main.js';
import { EXIT } from './model/errors.js';

main(hideBin(process.argv)).then(
  (code) => {
    process.exitCode = code;
    // Everything is closed by now; should a stray handle keep the process alive, do not hang a cron job.
    setTimeout(() => process.exit(code), 5000).unref();
  },
  (err) => {
    process.stderr.write(`sqlite2pg: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = EXIT.failed;
  },
);
