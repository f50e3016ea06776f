// The in-process EVM the recorders run contracts on, and the plumbing every
// recorder shares: the Hardhat network of an edition's folder, one
// transaction per block at a chosen timestamp with free gas, revert reasons
// decoded from the transaction's own return data, and calls to view
// functions. Used by oracle/vss and oracle/hydrogen, each with its own
// node_modules and hardhat.config.js.
'use strict';
const path = require('path');

const TX_GAS = 60000000n;

// The edition folder's own copy of a package (this folder has no
// node_modules of its own).
const need = (dir, pkg) => require(require.resolve(pkg, { paths: [dir] }));

function decodeRevert(ethers, data) {
  if (!data || data === '0x') return 'revert()';
  if (!data.startsWith('0x')) data = '0x' + data;
  const sel = data.slice(0, 10);
  if (sel === '0x08c379a0') return ethers.AbiCoder.defaultAbiCoder().decode(['string'], '0x' + data.slice(10))[0];
  if (sel === '0x4e487b71') {
    const code = ethers.AbiCoder.defaultAbiCoder().decode(['uint256'], '0x' + data.slice(10))[0];
    return 'Panic(0x' + code.toString(16).padStart(2, '0') + ')';
  }
  return 'raw(' + data + ')';
}

const hres = {};
// The Hardhat network configured by DIR/hardhat.config.js.
function hardhatProvider(dir) {
  if (!hres[dir]) {
    process.env.HARDHAT_CONFIG = path.join(dir, 'hardhat.config.js');
    process.env.HARDHAT_NETWORK = 'hardhat';
    process.env.HARDHAT_DISABLE_TELEMETRY_PROMPT = 'true';
    hres[dir] = need(dir, 'hardhat');
  }
  return hres[dir].network.provider;
}

// The entries of `now` that differ from `before` (a deep comparison of
// their JSON); with `deleted`, a key of `before` missing from `now` is
// listed as null.
function changed(now, before, deleted = false) {
  const o = {};
  for (const [k, v] of Object.entries(now)) if (JSON.stringify(v) !== JSON.stringify(before[k])) o[k] = v;
  if (deleted) for (const k of Object.keys(before)) if (!(k in now)) o[k] = null;
  return o;
}

// Base of an edition's Chain: `provider`, `iface` (contract name ->
// ethers.Interface) and `ethers` set by the subclass.
class EvmChain {
  rpc(method, params = []) {
    return this.provider.request({ method, params });
  }

  // One transaction in its own block at `timestamp`; returns the receipt.
  async send(tx, timestamp) {
    const full = { gas: '0x' + TX_GAS.toString(16), maxFeePerGas: '0x0', maxPriorityFeePerGas: '0x0', ...tx };
    const h = await this.rpc('eth_sendTransaction', [full]);
    await this.rpc('evm_mine', [timestamp]);
    this.lastTime = timestamp;
    const r = await this.rpc('eth_getTransactionReceipt', [h]);
    if (!r) throw new Error('transaction not mined');
    r.hash = h;
    return r;
  }

  // The revert reason of a mined, failed transaction, from its own trace.
  async revertOf(receipt) {
    const t = await this.rpc('debug_traceTransaction', [receipt.hash, { disableStorage: true, disableMemory: true, disableStack: true }]);
    return decodeRevert(this.ethers, t.returnValue);
  }

  async view(contract, ci, fn, args = []) {
    const data = this.iface[ci].encodeFunctionData(fn, args);
    const r = await this.rpc('eth_call', [{ to: contract, data }, 'latest']);
    const d = this.iface[ci].decodeFunctionResult(fn, r);
    return d.length === 1 ? d[0] : d;
  }

  // The actor (or @task, @node) an address belongs to.
  nm(a) {
    const n = this.name[a.toLowerCase()];
    if (!n) throw new Error('unknown address: ' + a);
    return n;
  }

  // The balances a state lists: every actor's, then Task's, Node's and the
  // owner's, through the subclass's balance(address).
  async balances() {
    const b = {};
    for (const n of this.accountList) b[n] = await this.balance(this.addr[n]);
    b['@task'] = await this.balance(this.task);
    b['@node'] = await this.balance(this.node);
    b['@owner'] = await this.balance(this.addr['@owner']);
    return b;
  }

  // The state after the last step as the traces write it: the subclass's
  // observeFull() with, of the balances, the nodes and the tasks, only the
  // entries that differ from the previous step's (with `deletable`, a task
  // the contract deleted as null), so that a reader rebuilds the full state
  // by merging the steps' entries in order.
  async observe(deletable = false) {
    const full = await this.observeFull();
    const prev = this.prevFull || { balances: {}, nodes: {}, tasks: {} };
    const st = {
      ...full,
      balances: changed(full.balances, prev.balances),
      nodes: changed(full.nodes, prev.nodes),
      tasks: changed(full.tasks, prev.tasks, deletable),
    };
    this.prevFull = full;
    return st;
  }

  async close() {}
}

module.exports = { need, decodeRevert, hardhatProvider, EvmChain, changed };
