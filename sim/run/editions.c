/* The agent hooks of each protocol edition (sim_edition_agents in
 * run/sim_internal.h).  Helium's agents are the default: an edition whose
 * applications and nodes follow the same steps (create, commit, disclose,
 * report the upload, cancel at the deadline) has no hooks. */
#include "run/sim_internal.h"

static const sim_edition_agents NONE = {0};
extern const sim_edition_agents vss_agents;   /* run/vss_agents.c */
extern const sim_edition_agents relay_agents; /* run/relay_agents.c */

const sim_edition_agents *sim_edition_agents_of(proto_edition_id edition)
{
    switch (edition) {
    case PROTO_VSS:
        return &vss_agents;
    case PROTO_RELAY_2025_03:
    case PROTO_RELAY_2025_07:
    case PROTO_RELAY_2026:
        return &relay_agents;
    case PROTO_HELIUM:
    default:
        return &NONE;
    }
}
