#!/usr/bin/env node
// Runs the CLI from source through tsx, so TypeScript pipeline configs load without a build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
