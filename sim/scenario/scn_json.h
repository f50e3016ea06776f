/* JSON reading helpers for scenario files: every getter checks type and
 * range, applies the default when the key is absent, and on error writes
 * "FILE: $.path: expected ..., got ..." into the context's buffer and returns
 * false.  Internal to scenario/. */
#ifndef AVRAMI_SCENARIO_SCN_JSON_H
#define AVRAMI_SCENARIO_SCN_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "util/wei.h"

/* Parse context: the file named in messages and where the first error goes. */
typedef struct pctx {
    const char *file;
    const char *base_dir;
    char *err;
} pctx;

#define PATH_MAX_LEN 256

bool scnj_fail(pctx *c, const char *path, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
const char *scnj_type_name(const cJSON *j);
/* path + "." + key / path + "[i]", cut at PATH_MAX_LEN */
void scnj_sub(char *out, const char *path, const char *key);
void scnj_idx(char *out, const char *path, int i);
bool scnj_want_object(pctx *c, const cJSON *j, const char *path);
/* Every key of obj must be in keys (NULL-terminated) and appear once;
 * an unknown key gets the nearest known one suggested.  O(keys × known). */
bool scnj_keys_ok(pctx *c, const cJSON *obj, const char *path, const char *const *keys);
bool scnj_num(pctx *c, const cJSON *obj, const char *path, const char *key, double lo, double hi,
              double def, double *out);
bool scnj_u64(pctx *c, const cJSON *obj, const char *path, const char *key, uint64_t lo, uint64_t hi,
              uint64_t def, uint64_t *out);
bool scnj_u32(pctx *c, const cJSON *obj, const char *path, const char *key, uint32_t lo, uint32_t hi,
              uint32_t def, uint32_t *out);
/* def NULL: the key is required */
bool scnj_wei(pctx *c, const cJSON *obj, const char *path, const char *key, const char *def, wei_t *out);
bool scnj_str(pctx *c, const cJSON *obj, const char *path, const char *key, const char *def, char *out,
              size_t cap);
bool scnj_bool(pctx *c, const cJSON *obj, const char *path, const char *key, bool def, bool *out);
/* Optional sub-object checked against keys: *out NULL when absent. */
bool scnj_obj(pctx *c, const cJSON *obj, const char *path, const char *key, const char *const *keys,
              const cJSON **out, char *subpath);
/* An empty object, for absent sections (all defaults). */
extern const cJSON SCNJ_EMPTY;

/* The card catalogue (scn_cards.c): every card of cards_file (given: "" for
 * the default) into s->cards.  Then a card name as a scenario writes it
 * ("NVIDIA GeForce RTX 4090") -> its index; an unknown name gets the
 * nearest one suggested. */
struct scn;
bool scn_load_cards(pctx *c, const char *given, struct scn *s);
bool scn_find_card(pctx *c, struct scn *s, const char *path, const char *name, uint32_t *out);
/* network.behaviours, network.honest_rejoin, network.sd_hash_noise
 * (scn_behaviour.c); obj is the network object. */
bool scn_parse_behaviours(pctx *c, const cJSON *network, struct scn *s);

/* Only regular files (util/rfile.h); NULL with the reason in scnj_read_error(). */
/* $.limits, then the money and resource bounds (scn_limits.c) */
bool scn_parse_limits(pctx *c, const cJSON *root, struct scn *s);

char *scnj_read_file(const char *path, size_t *len);
const char *scnj_read_error(void);
/* Relative names are tried from the working directory, then from the
 * scenario's directory and its parent. */
/* After scnj_find_relative failed: the paths it tried, ", "-separated. */
const char *scnj_tried(void);
char *scnj_read_relative(pctx *c, const char *name, char *resolved, size_t cap, size_t *len);
/* The same search without reading: true when resolved + probe is readable
 * (probe "" for a file, "/cards.json" for a directory holding it). */
bool scnj_find_relative(const pctx *c, const char *name, const char *probe, char *resolved, size_t cap);

#endif
