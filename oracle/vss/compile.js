// Compiles the VSS contracts (contracts/*.sol, contracts/libs/*.sol) with
// solc-js 0.8.24, optimizer on with 200 runs and viaIR, as in the
// repository's hardhat.config.js at bd7ee24, and writes build/artifacts.json.
'use strict';
const fs = require('fs');
const path = require('path');
const solc = require('solc');

const sources = {};
for (const sub of ['contracts', 'contracts/libs']) {
  const dir = path.join(__dirname, sub);
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.sol')).sort())
    sources[sub + '/' + f] = { content: fs.readFileSync(path.join(dir, f), 'utf8') };
}

function findImports(p) {
  const c = path.join(__dirname, 'node_modules', p);
  if (fs.existsSync(c)) return { contents: fs.readFileSync(c, 'utf8') };
  return { error: 'not found: ' + p };
}

const input = {
  language: 'Solidity',
  sources,
  settings: {
    optimizer: { enabled: true, runs: 200 },
    viaIR: true,
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
  },
};
const out = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
let bad = false;
for (const e of out.errors || []) {
  if (e.severity === 'error') bad = true;
  if (e.severity === 'error' || process.env.VERBOSE) console.error(e.formattedMessage);
}
if (bad) process.exit(1);
const want = ['QOS', 'TaskQueue', 'NetworkStats', 'Node', 'VSSTask'];
const art = { solc: solc.version(), contracts: {} };
for (const file of Object.keys(out.contracts))
  for (const [name, c] of Object.entries(out.contracts[file]))
    if (want.includes(name))
      art.contracts[name] = { abi: c.abi, bytecode: '0x' + c.evm.bytecode.object };
fs.mkdirSync(path.join(__dirname, 'build'), { recursive: true });
fs.writeFileSync(path.join(__dirname, 'build', 'artifacts.json'), JSON.stringify(art));
console.log('compiled', Object.keys(art.contracts).join(' '), 'with', art.solc);
for (const n of want) console.log(n, (art.contracts[n].bytecode.length - 2) / 2, 'bytes');
