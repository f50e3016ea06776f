/* gpt_hfconfig: an llms.json model entry from a Hugging Face config.json
 * (`avrami gpt add-model`). */
#ifndef AVRAMI_GPT_GPT_HFCONFIG_H
#define AVRAMI_GPT_GPT_HFCONFIG_H

#include <cjson/cJSON.h>
#include <stddef.h>

/* The entry for model id (name: NULL for the id's last path component), or
 * NULL with err naming the file and what was expected.  An architecture the
 * kernels cannot represent gets "runnable": false and "why". */
cJSON *gpt_hfconfig_entry(const char *path, const char *id, const char *name, char *err,
                          size_t errlen);

#endif
