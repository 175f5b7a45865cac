#!/usr/bin/env node
// OnAir Studio CLI. Runs the TypeScript sources through tsx's loader.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../core/cli.ts');
const code = await main(process.argv.slice(2));
if (code >= 0) process.exit(code);
