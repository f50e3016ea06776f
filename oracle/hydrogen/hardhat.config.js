// The network lib/chain.js runs the Hydrogen contracts on
// (../common/hardhat.js); the genesis block precedes BASE_TIME (2024-02-01),
// so that every set-up block can have a fixed timestamp of its own. CNX is
// the CrynuxToken ERC20 at efff09f: with free gas actors need no ether.
module.exports = require('../common/hardhat')('2024-01-31T00:00:00Z');
