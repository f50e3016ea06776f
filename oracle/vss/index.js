#!/usr/bin/env node
// Writes INDEX.md for a directory of vss-trace/1 files: one line per trace
// (file, steps, reverting steps, what it covers) and the totals.
//   node index.js DIR
'use strict';
const fs = require('fs');
const path = require('path');

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node index.js DIR');
  process.exit(2);
}
const files = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
const tot = { steps: 0, reverts: 0, bytes: 0, ops: {}, events: {} };
const lines = [];
for (const f of files) {
  const text = fs.readFileSync(path.join(dir, f), 'utf8');
  const t = JSON.parse(text);
  const reverts = t.steps.filter((s) => !s.ok).length;
  tot.steps += t.steps.length;
  tot.reverts += reverts;
  tot.bytes += text.length;
  for (const s of t.steps) {
    tot.ops[s.op] = (tot.ops[s.op] || 0) + 1;
    for (const e of s.events) tot.events[e.name] = (tot.events[e.name] || 0) + 1;
  }
  lines.push(`- \`${f}\` — ${t.steps.length} steps, ${reverts} reverting — ${t.description}`);
}
const list = (o) =>
  Object.entries(o)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
const text =
  `# VSS conformance traces\n\n` +
  `vss-trace/1 files (docs/conformance-vss.md) recorded by oracle/vss from the VSS contracts of ` +
  `crynux-contracts bd7ee24 on an in-process EVM: the hand-written ones by \`cases.js\`, the ` +
  `randomized ones (\`random-N.json\`, seed N) by \`gen.js\`.\n\n` +
  `${files.length} traces, ${tot.steps} steps, ${tot.reverts} reverting steps, ${tot.bytes} bytes.\n\n` +
  `Ops: ${list(tot.ops)}.\n\nEvents: ${list(tot.events)}.\n\n` +
  lines.join('\n') +
  '\n';
fs.writeFileSync(path.join(dir, 'INDEX.md'), text);
console.log(`INDEX.md: ${files.length} traces, ${tot.steps} steps, ${tot.bytes} bytes`);
