/* The table of editions (protocol/edition.h).  An edition joins by adding
 * its id to proto_edition_id, its descriptor here, and its folder. */
#include "protocol/edition.h"

#include <stdio.h>
#include <string.h>

extern const proto_edition helium_edition, hydrogen_edition, vss_edition;
extern const proto_edition relay_2025_03_edition, relay_2025_07_edition, relay_2026_edition; /* relay/ */

static const proto_edition *const EDITIONS[PROTO_EDITIONS] = {
    [PROTO_HELIUM] = &helium_edition,
    [PROTO_HYDROGEN] = &hydrogen_edition,
    [PROTO_VSS] = &vss_edition,
    [PROTO_RELAY_2025_03] = &relay_2025_03_edition,
    [PROTO_RELAY_2025_07] = &relay_2025_07_edition,
    [PROTO_RELAY_2026] = &relay_2026_edition,
};

const proto_edition *proto_edition_get(proto_edition_id id)
{
    return id < PROTO_EDITIONS ? EDITIONS[id] : NULL;
}

const proto_edition *proto_edition_find(const char *name)
{
    for (int i = 0; i < PROTO_EDITIONS; i++)
        if (!strcmp(EDITIONS[i]->name, name))
            return EDITIONS[i];
    return NULL;
}

void proto_edition_list(char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = 0;
    for (int i = 0; i < PROTO_EDITIONS; i++)
        n += (size_t)snprintf(buf + (n < cap ? n : cap - 1), n < cap ? cap - n : 1, "%s%s",
                              i ? ", " : "", EDITIONS[i]->name);
}

bool proto_edition_accepts(const proto_edition *ed, const char *key)
{
    for (const char *const *k = ed->keys; k && *k; k++)
        if (!strcmp(*k, key))
            return true;
    return proto_edition_owner_of(key) == NULL;
}

const proto_edition *proto_edition_owner_of(const char *key)
{
    for (int i = 0; i < PROTO_EDITIONS; i++)
        for (const char *const *k = EDITIONS[i]->keys; k && *k; k++)
            if (!strcmp(*k, key))
                return EDITIONS[i];
    return NULL;
}

proto_params proto_params_of(proto_edition_id edition)
{
    return proto_edition_get(edition < PROTO_EDITIONS ? edition : PROTO_HELIUM)->defaults();
}
