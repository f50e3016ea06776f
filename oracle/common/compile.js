// Compiles an edition's contracts with the solc-js of its own node_modules
// and writes DIR/build/artifacts.json ({solc, contracts: {name: {abi,
// bytecode}}}) for the contracts named in `want`. Imports (OpenZeppelin,
// PRBMath) resolve in DIR/node_modules.
'use strict';
const fs = require('fs');
const path = require('path');
const { need } = require('./evm');

function compile(dir, { subdirs, settings, want }) {
  const solc = need(dir, 'solc');
  const sources = {};
  for (const sub of subdirs)
    for (const f of fs.readdirSync(path.join(dir, sub)).filter((f) => f.endsWith('.sol')).sort())
      sources[sub + '/' + f] = { content: fs.readFileSync(path.join(dir, sub, f), 'utf8') };
  const findImports = (p) => {
    const c = path.join(dir, 'node_modules', p);
    if (fs.existsSync(c)) return { contents: fs.readFileSync(c, 'utf8') };
    return { error: 'not found: ' + p };
  };
  const input = {
    language: 'Solidity',
    sources,
    settings: { ...settings, outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } } },
  };
  const out = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
  let bad = false;
  for (const e of out.errors || []) {
    if (e.severity === 'error') bad = true;
    if (e.severity === 'error' || process.env.VERBOSE) console.error(e.formattedMessage);
  }
  if (bad) process.exit(1);
  const art = { solc: solc.version(), contracts: {} };
  for (const file of Object.keys(out.contracts))
    for (const [name, c] of Object.entries(out.contracts[file]))
      if (want.includes(name)) art.contracts[name] = { abi: c.abi, bytecode: '0x' + c.evm.bytecode.object };
  fs.mkdirSync(path.join(dir, 'build'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'build', 'artifacts.json'), JSON.stringify(art));
  console.log('compiled', Object.keys(art.contracts).join(' '), 'with', art.solc);
  for (const n of want) console.log(n, (art.contracts[n].bytecode.length - 2) / 2, 'bytes');
}

module.exports = { compile };
