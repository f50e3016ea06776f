// ECVRF-SECP256K1-SHA256-TAI (draft-irtf-cfrg-vrf-04, cipher suite 0xFE),
// the VRF that libs/VRF.sol (Witnet vrf-solidity) verifies on-chain, through
// the npm package vrf-ts-256 1.0.0, the prover crynux-contracts' own
// test/vss_test.js uses at bd7ee24.
'use strict';
const { ethers } = require('ethers');
const ecvrf = require('vrf-ts-256');

const strip = (h) => (h.startsWith('0x') ? h.slice(2) : h);

// The proof pi (gamma compressed ‖ c (16 bytes) ‖ s (32 bytes), 81 bytes) of
// `alpha` (hex) under the secret key `sk` (hex), and its output beta: the
// sampling number of VSSTask, sha256(0xFE ‖ 0x03 ‖ gamma compressed).
function prove(sk, alpha) {
  const p = ecvrf.prove(strip(sk), strip(alpha));
  return { proof: '0x' + p.pi, sampling_number: '0x' + ecvrf.proof_to_hash(p.pi) };
}

// beta of any 81-byte proof, valid or not (what the contract compares with 10).
function samplingNumber(proof) {
  return '0x' + ecvrf.proof_to_hash(strip(proof));
}

// Whether `proof` verifies for the 64-byte public key x ‖ y and `alpha`.
function verify(publicKey, proof, alpha) {
  try {
    const beta = ecvrf.verify('04' + strip(publicKey), strip(proof), strip(alpha));
    return typeof beta === 'string' && beta.length === 64 && beta !== 'INVALID';
  } catch (e) {
    return false;
  }
}

const selected = (beta) => BigInt(beta) % 10n === 0n;

module.exports = { prove, samplingNumber, verify, selected, keccak: ethers.keccak256 };
