/* The Helium edition's private interface: its contracts (Node, Task,
 * TaskQueue, QoS) at crynux-ai/crynux-contracts d49ab0c (March 2024), one
 * file each, calling one another as the contracts do.  The simulator reaches
 * them only through protocol/edition.h (helium_rules). */
#ifndef AVRAMI_PROTOCOL_HELIUM_HELIUM_H
#define AVRAMI_PROTOCOL_HELIUM_HELIUM_H

#include "protocol/proto_internal.h"

extern const proto_rules helium_rules;

/* Node contract (helium_node.c) */
void pn_start_task(proto *p, uint32_t n);
void pn_finish_task(proto *p, uint32_t n);
void pn_slash(proto *p, uint32_t n);
bool pn_select_random(proto *p, proto_task_type type, uint64_t vram_limit, uint32_t out[3]);
bool pn_select_with_root(proto *p, uint32_t root, uint32_t out[3]);

/* QoS contract (helium_qos.c) */
void pq_start_task(proto *p, uint32_t n);
void pq_finish_task(proto *p, uint32_t n);
void pq_add_task_score(proto *p, uint32_t n, uint64_t index);
void pq_punish(proto *p, uint32_t n);
void pq_kickout(proto *p, uint32_t n);
uint64_t pq_task_score(const proto *p, uint32_t n);
uint64_t pq_recent_score(const proto *p, uint32_t n);
bool pq_should_kick_out(const proto *p, uint32_t n);
uint64_t pq_score_limit(const proto *p);

/* TaskQueue contract (helium_queue.c) */
bool pqueue_init(proto *p);
void pqueue_free(proto *p);
void pqueue_push(proto *p, uint32_t slot);
bool pqueue_pop(proto *p, bool same_gpu, uint64_t vram_limit, uint32_t *slot);
void pqueue_remove(proto *p, uint32_t slot);
uint32_t pqueue_remove_cheapest(proto *p);

/* Task contract (helium_task.c) */
void pt_node_available_callback(proto *p, uint32_t root);

/* transaction bodies (proto_rules) */
void pn_tx_join(proto *p, uint32_t from, const char *gpu_name, uint64_t vram);
void pn_tx_quit(proto *p, uint32_t from);
void pn_tx_pause(proto *p, uint32_t from);
void pn_tx_resume(proto *p, uint32_t from);
void pt_tx_create(proto *p, uint32_t from, proto_task_type type, uint64_t vram_limit, wei_t fee,
                  wei_t cap, uint64_t *task_id);
void pt_tx_commit(proto *p, uint32_t from, uint64_t task_id, uint64_t round, const uint8_t c[32],
                  const uint8_t *result, size_t len, const uint8_t nonce[32]);
void pt_tx_disclose(proto *p, uint32_t from, uint64_t task_id, uint64_t round,
                    const uint8_t *result, size_t len);
void pt_tx_report_error(proto *p, uint32_t from, uint64_t task_id, uint64_t round);
void pt_tx_report_uploaded(proto *p, uint32_t from, uint64_t task_id, uint64_t round);
void pt_tx_cancel(proto *p, uint32_t from, uint64_t task_id);

#endif
