// The in-process Hardhat network (EDR) the recorders run contracts on, as a
// hardhat.config.js exports it. Nothing is compiled by Hardhat (compile.js
// uses solc-js directly); only the network settings matter. Gas is free
// (base fee 0, transactions priced at 0) so that balances move only by what
// the contracts transfer. `initialDate` is the genesis block's timestamp:
// fixed, so that block hashes do not depend on the wall clock.
module.exports = (initialDate) => ({
  defaultNetwork: 'hardhat',
  networks: {
    hardhat: {
      hardfork: 'cancun',
      chainId: 1337,
      blockGasLimit: 1000000000,
      gas: 60000000,
      initialBaseFeePerGas: 0,
      allowBlocksWithSameTimestamp: true,
      allowUnlimitedContractSize: false,
      throwOnTransactionFailures: false,
      throwOnCallFailures: true,
      loggingEnabled: false,
      initialDate,
      mining: { auto: false, interval: 0 },
      accounts: { count: 1 },
    },
  },
});
