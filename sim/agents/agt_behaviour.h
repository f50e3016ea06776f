/* What attacking and faulty nodes do, without protocol state: whether a
 * node does the work, fakes a result or stays silent in a task, and the
 * bytes it then submits.  The node agent (sim/agents/node.c) asks these rules
 * and carries the answers out.
 *
 * Result bytes model three facts:
 *  - gpt results are bit-identical only on identical cards, so an honest
 *    result depends on (task, card): a node that lies about its card
 *    disagrees with honest nodes of the card it claims;
 *  - sd perceptual hashes of honest nodes on different card models differ
 *    by random bits, with a probability d_ab per bit for each pair of card
 *    models (the scenario's table).  The three hashes of a task are drawn
 *    together so that every pair in it has exactly its own d: with cards
 *    a, b, c a bit is flipped on a alone with (d_ab + d_ac − d_bc)/2, on b
 *    alone with (d_ab + d_bc − d_ac)/2, on c alone with (d_ac + d_bc −
 *    d_ab)/2 (the triangle inequality keeps these >= 0), decided by a hash
 *    of (task, image, bit), so nodes on one card agree bit for bit; two
 *    cards a, b then differ in Binomial(64, d_ab) bits per image;
 *  - a fake result depends on its forger only: the nodes of one attacker
 *    submit the same bytes, and different forgers (or a forger and an
 *    honest node) differ in at least 16 bits per sd hash. */
#ifndef AVRAMI_AGENTS_AGT_BEHAVIOUR_H
#define AVRAMI_AGENTS_AGT_BEHAVIOUR_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "scenario/scn.h"

typedef enum agt_action {
    AGT_WORK,   /* do the work and submit the honest result */
    AGT_FAKE,   /* skip the work, submit the forger's fake result at once */
    AGT_SILENT, /* never submit: the task times out */
} agt_action;

/* The action of a node of behaviour b (NULL: honest) in a task where
 * own_in_task of the three selected nodes (itself included) belong to the
 * same actor.  r is drawn from only for cheaters with probability < 1 and
 * for flaky nodes. */
agt_action agt_behaviour_action(const scn_behaviour *b, uint32_t own_in_task, gsl_rng *r);

/* Execution-time factor (slow nodes; 1 otherwise). */
double agt_behaviour_exec_factor(const scn_behaviour *b);

/* The forger identity of a node: colluders share their actor's, any other
 * cheater forges alone. */
uint64_t agt_forger(const scn_behaviour *b, uint32_t actor, uint32_t node);

/* The result an honest node on `card` computes in a task whose three nodes
 * have the cards task_cards (UINT32_MAX: none); sd_pair is the n_cards ×
 * n_cards table of per-bit probabilities, or NULL for exact sd hashes.
 * Returns the length. */
size_t agt_card_result(uint64_t task_id, int type, uint32_t size, uint32_t card, const uint32_t task_cards[3],
                       const double *sd_pair, uint32_t n_cards, uint8_t *out, size_t cap);
/* A forger's fake result of the same length. */
size_t agt_fake_result(uint64_t task_id, int type, uint32_t size, uint64_t forger, uint8_t *out,
                       size_t cap);

#endif
