#!/usr/bin/env node
// Copies the Hydrogen contracts out of a local clone of
// crynux-ai/crynux-contracts at commit efff09f into contracts/ (git-ignored:
// the contracts are not part of this repository), and checks that each file
// is byte for byte the one at that commit (its SHA-256).
//
//   git clone https://github.com/crynux-ai/crynux-contracts /tmp/crynux-contracts
//   node sources.js /tmp/crynux-contracts
'use strict';
const { copySources } = require('../common/sources');

const COMMIT = 'efff09f962b316fb0fb602b4096b478879d8e42b';
// SHA-256 of each file at COMMIT.
copySources(__dirname, COMMIT, {
  'contracts/CrynuxToken.sol': ['contracts/CrynuxToken.sol', '7b5f5fff4358444dfc4eb0d334fe2f9b03e81f24b468d84313cd791a8f78cccf'],
  'contracts/Hamming.sol': ['contracts/Hamming.sol', 'bc608bdc64301f268ce96c0b886b60c9467673c83b82c236743370815f0230ac'],
  'contracts/Node.sol': ['contracts/Node.sol', '6b5712920d4baf381ad8a1c1bf0257ad1427bca4aacc5e8ea3a29b31942f9d9a'],
  'contracts/Random.sol': ['contracts/Random.sol', '1c46a2f0747cda3439f4d07b42831ac0bfe843b17453c85ab89d8e33809a8f37'],
  'contracts/Task.sol': ['contracts/Task.sol', '65afc6d2b6d6b1345e73cb9cf0259660a1988b9144b4cbe3abaa26c8fd6713d1'],
  LICENSE: ['contracts/LICENSE', null],
});
