// A Hydrogen network on the in-process Hardhat EVM: deploys the contracts of
// crynux-contracts efff09f in the order of the repository's
// migrations/2_deploy_contracts.js (CrynuxToken, Node, Task, then
// Node.updateTaskContractAddress), funds the actors from the owner (who holds
// the whole CNX supply), has each approve Node and Task for an unlimited
// allowance, executes trace steps (one transaction per block, block
// timestamp = BASE_TIME + step time, gas free) and observes events and state
// in the vocabulary of hydrogen-trace/1 (docs/conformance-hydrogen.md).
'use strict';
const path = require('path');
const { need, hardhatProvider, EvmChain } = require('../../common/evm');

const DIR = path.join(__dirname, '..');
const { ethers } = need(DIR, 'ethers');
const ART = require(path.join(DIR, 'build', 'artifacts.json'));
const BASE_TIME = 1706745600; // 2024-02-01T00:00:00Z, the month of efff09f
const NODE_STATUS = ['quit', 'available', 'busy', 'pending_pause', 'pending_quit', 'paused'];
const TASK_TYPES = ['sd', 'gpt']; // Task.sol: TASK_TYPE_SD = 0, TASK_TYPE_LLM = 1
// The constants of Task.sol's constructor and Node.sol at efff09f.
const DEFAULTS = {
  stake_wei: (400n * 10n ** 18n).toString(),
  task_fee_per_node_wei: (10n * 10n ** 18n).toString(),
  task_timeout_s: 900,
  distance_threshold: 5,
  max_nodes: 100000,
};

const iface = {};
for (const n of Object.keys(ART.contracts)) iface[n] = new ethers.Interface(ART.contracts[n].abi);
const keyFor = (name) => ethers.keccak256(ethers.toUtf8Bytes('avrami-hydrogen/' + name));

class Chain extends EvmChain {
  // accounts: [name, opening CNX balance in wei (string)] in trace order.
  // params: the trace's; task_fee_per_node_wei, task_timeout_s and
  // distance_threshold other than the constructor's are set through
  // Task.updateTaskFeePerNode / updateTimeout / updateDistanceThreshold;
  // stake_wei and max_nodes are constants of Node.sol.
  static async create({ accounts, params = {} }) {
    const c = new Chain();
    c.ethers = ethers;
    c.iface = iface;
    c.provider = hardhatProvider(DIR);
    for (const k of ['stake_wei', 'max_nodes'])
      if (params[k] !== undefined && String(params[k]) !== String(DEFAULTS[k])) throw new Error(`${k} is a constant of Node.sol: ${DEFAULTS[k]}`);
    c.accountList = accounts.map(([n]) => n);
    c.addr = {};
    c.name = {};
    await c.rpc('hardhat_reset', []);
    await c.rpc('evm_setAutomine', [false]);
    const add = async (name) => {
      const a = ethers.computeAddress(keyFor(name));
      c.addr[name] = a;
      c.name[a.toLowerCase()] = name;
      await c.rpc('hardhat_impersonateAccount', [a]);
    };
    await add('@owner');
    for (const [n] of accounts) {
      if (n.startsWith('@')) throw new Error('actor names may not start with @: ' + n);
      await add(n);
    }
    c.lastTime = BASE_TIME - 1000;
    const owner = c.addr['@owner'];
    const tx = async (from, to, ci, fn, args) => {
      const r = await c.send({ from, to, data: iface[ci].encodeFunctionData(fn, args) }, ++c.lastTime);
      if (r.status !== '0x1') throw new Error(`setup failed: ${ci}.${fn}`);
    };
    const deploy = async (name, args) => {
      const data = ethers.concat([ART.contracts[name].bytecode, iface[name].encodeDeploy(args)]);
      const r = await c.send({ from: owner, data }, ++c.lastTime);
      if (r.status !== '0x1') throw new Error('deploy failed: ' + name);
      return ethers.getAddress(r.contractAddress);
    };
    c.token = await deploy('CrynuxToken', []);
    c.node = await deploy('Node', [c.token]);
    c.task = await deploy('Task', [c.node, c.token]);
    c.name[c.task.toLowerCase()] = '@task';
    c.name[c.node.toLowerCase()] = '@node';
    await tx(owner, c.node, 'Node', 'updateTaskContractAddress', [c.task]);
    const p = { ...DEFAULTS, ...params };
    if (String(p.task_fee_per_node_wei) !== DEFAULTS.task_fee_per_node_wei)
      await tx(owner, c.task, 'Task', 'updateTaskFeePerNode', [BigInt(p.task_fee_per_node_wei)]);
    if (p.task_timeout_s !== DEFAULTS.task_timeout_s) await tx(owner, c.task, 'Task', 'updateTimeout', [p.task_timeout_s]);
    if (p.distance_threshold !== DEFAULTS.distance_threshold)
      await tx(owner, c.task, 'Task', 'updateDistanceThreshold', [p.distance_threshold]);
    for (const [n, v] of accounts) {
      if (BigInt(v) > 0n) await tx(owner, c.token, 'CrynuxToken', 'transfer', [c.addr[n], BigInt(v)]);
      await tx(c.addr[n], c.token, 'CrynuxToken', 'approve', [c.node, ethers.MaxUint256]);
      await tx(c.addr[n], c.token, 'CrynuxToken', 'approve', [c.task, ethers.MaxUint256]);
    }
    if (c.lastTime >= BASE_TIME) throw new Error('too many set-up transactions');
    c.joined = new Set();
    c.live = new Set(); // ids of the tasks the Task contract may still store
    return c;
  }

  calldata(op, a) {
    const T = (fn, args) => [this.task, iface.Task.encodeFunctionData(fn, args)];
    const N = (fn, args) => [this.node, iface.Node.encodeFunctionData(fn, args)];
    switch (op) {
      case 'join':
        return N('join', [a.gpu_name, BigInt(a.gpu_vram)]);
      case 'quit':
      case 'pause':
      case 'resume':
        return N(op, []);
      case 'create_task': {
        const type = TASK_TYPES.indexOf(a.task_type);
        if (type < 0) throw new Error('bad task_type ' + a.task_type);
        return T('createTask', [type, a.task_hash, a.data_hash, BigInt(a.vram_limit)]);
      }
      case 'commit':
        return T('submitTaskResultCommitment', [BigInt(a.task_id), BigInt(a.round), ethers.keccak256(ethers.concat([a.result, a.nonce])), a.nonce]);
      case 'commit_raw':
        return T('submitTaskResultCommitment', [BigInt(a.task_id), BigInt(a.round), a.commitment, a.nonce]);
      case 'disclose':
        return T('discloseTaskResult', [BigInt(a.task_id), BigInt(a.round), a.result]);
      case 'report_error':
        return T('reportTaskError', [BigInt(a.task_id), BigInt(a.round)]);
      case 'report_uploaded':
        return T('reportResultsUploaded', [BigInt(a.task_id), BigInt(a.round)]);
      case 'cancel':
        return T('cancelTask', [BigInt(a.task_id)]);
      default:
        throw new Error('unknown op ' + op);
    }
  }

  // Executes one step; returns {ok, revert, events}.
  async exec(time, op, from, args) {
    const ts = BASE_TIME + time;
    if (ts < this.lastTime) throw new Error('time goes backwards');
    if (!this.addr[from]) throw new Error('unknown actor ' + from);
    const [to, data] = this.calldata(op, args);
    const r = await this.send({ from: this.addr[from], to, data }, ts);
    if (r.status !== '0x1') return { ok: false, revert: await this.revertOf(r), events: [] };
    if (op === 'join') this.joined.add(from);
    const events = this.decodeEvents(r.logs);
    for (const e of events) if (e.name === 'TaskCreated') this.live.add(e.task_id);
    return { ok: true, revert: null, events };
  }

  // The Task contract's events (Node.sol emits none; the token's Transfer
  // and Approval events are not part of the trace: the balances show them).
  decodeEvents(logs) {
    const out = [];
    for (const l of logs) {
      if (ethers.getAddress(l.address) !== this.task) continue;
      const ev = iface.Task.parseLog({ topics: l.topics, data: l.data });
      const x = ev.args;
      const e = { name: ev.name, task_id: Number(x.taskId) };
      switch (ev.name) {
        case 'TaskCreated':
          e.task_type = TASK_TYPES[Number(x.taskType)];
          e.creator = this.nm(x.creator);
          e.node = this.nm(x.selectedNode);
          e.round = Number(x.round);
          break;
        case 'TaskResultCommitmentsReady':
          break;
        case 'TaskSuccess':
          e.result = x.result.toLowerCase();
          e.result_node = this.nm(x.resultNode);
          break;
        case 'TaskAborted':
          e.reason = x.reason;
          break;
        default:
          throw new Error('unexpected event ' + ev.name);
      }
      out.push(e);
    }
    return out;
  }

  async balance(a) {
    return (await this.view(this.token, 'CrynuxToken', 'balanceOf', [a])).toString();
  }

  // The state after the last step, as hydrogen-trace/1 writes it
  // (EvmChain.observe): the counters in full; of the balances, the nodes
  // (every node that ever joined) and the tasks (every task the contract
  // stores) only the entries that differ from the previous step's, a task
  // the contract deleted as null.
  observe() {
    return super.observe(true);
  }

  async observeFull() {
    const balances = await this.balances();
    const nodes = {};
    for (const n of this.accountList) {
      if (!this.joined.has(n)) continue;
      const a = this.addr[n];
      const info = await this.view(this.node, 'Node', 'getNodeInfo', [a]);
      nodes[n] = {
        status: NODE_STATUS[Number(info.status)],
        gpu_name: info.gpu.name,
        gpu_vram: Number(info.gpu.vram),
        current_task: Number(await this.view(this.task, 'Task', 'getNodeTask', [a])),
      };
    }
    const tasks = {};
    for (const id of [...this.live].sort((a, b) => a - b)) {
      const t = await this.view(this.task, 'Task', 'getTask', [id]);
      if (Number(t.id) === 0) {
        this.live.delete(id); // deleted: ids are never reused
        continue;
      }
      tasks[id] = {
        type: TASK_TYPES[Number(t.taskType)],
        selected: [...t.selectedNodes].map((s) => this.nm(s)),
        balance: t.balance.toString(),
        aborted: t.aborted,
      };
    }
    const counters = {
      total_nodes: Number(await this.view(this.node, 'Node', 'totalNodes')),
      available_nodes: Number(await this.view(this.node, 'Node', 'availableNodes')),
      total_tasks: Number(await this.view(this.task, 'Task', 'totalTasks')),
    };
    return { balances, nodes, tasks, counters };
  }
}

module.exports = { Chain, BASE_TIME, DEFAULTS, TASK_TYPES, keyFor, ethers };
