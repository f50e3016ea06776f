/* The Hydrogen edition's private interface: crynux-ai/crynux-contracts at
 * efff09f962b316fb0fb602b4096b478879d8e42b (2024-02-04), contracts/Node.sol
 * and contracts/Task.sol, the rules of the Hydrogen network and of Helium
 * before March 2024 (../shared/research/CRYNUX_HISTORY.md, row H0).  No
 * TaskQueue, QoS or NetworkStats contract existed yet.  The simulator
 * reaches these files only through protocol/edition.h (hydrogen_rules). */
#ifndef AVRAMI_PROTOCOL_HYDROGEN_HYDROGEN_H
#define AVRAMI_PROTOCOL_HYDROGEN_HYDROGEN_H

#include "protocol/proto_internal.h"

extern const proto_rules hydrogen_rules;

/* Node.sol (hydrogen_node.c) */
bool hy_init(proto *p);
void hy_tx_join(proto *p, uint32_t from, const char *gpu_name, uint64_t vram);
void hy_tx_quit(proto *p, uint32_t from);
void hy_tx_pause(proto *p, uint32_t from);
void hy_tx_resume(proto *p, uint32_t from);
void hy_start_task(proto *p, uint32_t node);
void hy_finish_task(proto *p, uint32_t node);
void hy_slash(proto *p, uint32_t node);
/* Task.getSelectedNodes(3, vramLimit, taskType == LLM, seed): picks and
 * starts three nodes, or reverts with Node.sol's reason. */
void hy_select_nodes(proto *p, proto_task_type type, uint64_t vram_limit, uint32_t out[3]);

/* Task.sol (hydrogen_task.c) */
void hy_tx_create(proto *p, uint32_t from, proto_task_type type, uint64_t vram_limit, wei_t fee,
                  wei_t cap, uint64_t *task_id);
void hy_tx_commit(proto *p, uint32_t from, uint64_t task_id, uint64_t round, const uint8_t c[32],
                  const uint8_t *result, size_t len, const uint8_t nonce[32]);
void hy_tx_disclose(proto *p, uint32_t from, uint64_t task_id, uint64_t round,
                    const uint8_t *result, size_t len);
void hy_tx_report_error(proto *p, uint32_t from, uint64_t task_id, uint64_t round);
void hy_tx_report_uploaded(proto *p, uint32_t from, uint64_t task_id, uint64_t round);
void hy_tx_cancel(proto *p, uint32_t from, uint64_t task_id);

#endif
