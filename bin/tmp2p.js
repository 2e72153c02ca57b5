#!/usr/bin/env node
import '../dist/framework/cli/main.js';
