// What the recorders share around trace files: writing one (a step per
// line), comparing a re-execution with a recording, the seeded generator of
// the randomized workloads, and the INDEX.md of a folder of traces.
'use strict';
const fs = require('fs');
const path = require('path');

function writeTrace(file, t) {
  const head = JSON.stringify({ ...t, steps: undefined });
  const text = head.slice(0, -1) + ',"steps":[\n' + t.steps.map((s) => JSON.stringify(s)).join(',\n') + '\n]}\n';
  fs.writeFileSync(file, text);
  return text.length;
}

function canon(v) {
  if (Array.isArray(v)) return v.map(canon);
  if (v && typeof v === 'object') {
    const o = {};
    for (const k of Object.keys(v).sort()) o[k] = canon(v[k]);
    return o;
  }
  return v;
}
// JSON equality with key order ignored.
const same = (a, b) => JSON.stringify(canon(a)) === JSON.stringify(canon(b));

// The first path at which e and g differ, or null.
function firstDiff(e, g, p) {
  if (same(e, g)) return null;
  if (e && g && typeof e === 'object' && typeof g === 'object' && Array.isArray(e) === Array.isArray(g)) {
    for (const k of new Set([...Object.keys(e), ...Object.keys(g)])) {
      const d = firstDiff(e[k], g[k], Array.isArray(e) ? `${p}[${k}]` : `${p}.${k}`);
      if (d) return d;
    }
  }
  return { path: p, expected: String(JSON.stringify(e)), got: String(JSON.stringify(g)) };
}

// mulberry32: a small seeded generator, so that a seed fixes a trace.
function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    f: next,
    int: (n) => Math.floor(next() * n),
    pick: (xs) => xs[Math.floor(next() * xs.length)],
    chance: (p) => next() < p,
  };
}

function arg(name, def) {
  const i = process.argv.indexOf('--' + name);
  return i >= 0 ? process.argv[i + 1] : def;
}

// Writes DIR/INDEX.md: one line per trace (file, steps, reverting steps,
// what it covers) and the totals; `intro` is the paragraph under the title.
function writeIndex(dir, title, intro) {
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
    `# ${title}\n\n${intro}\n\n` +
    `${files.length} traces, ${tot.steps} steps, ${tot.reverts} reverting steps, ${tot.bytes} bytes.\n\n` +
    `Ops: ${list(tot.ops)}.\n\nEvents: ${list(tot.events)}.\n\n` +
    lines.join('\n') +
    '\n';
  fs.writeFileSync(path.join(dir, 'INDEX.md'), text);
  console.log(`INDEX.md: ${files.length} traces, ${tot.steps} steps, ${tot.bytes} bytes`);
}

module.exports = { writeTrace, canon, same, firstDiff, rng, arg, writeIndex };
