/* Helpers for tests of scenario parsing (test_scenario.c, test_profiles.c):
 * a scenario text that must parse, and one that must fail with a message
 * that starts with the file and the JSON path and holds `needle`. */
#ifndef AVRAMI_TESTS_SCN_EXPECT_H
#define AVRAMI_TESTS_SCN_EXPECT_H

#include "scenario/scn.h"

static inline void parse_ok(const char *json, scn *s)
{
    char err[SCN_ERR_MAX];
    if (!scn_parse(json, "t.json", ".", s, err)) {
        fprintf(stderr, "%s\n", err);
        fail();
    }
}

static inline void expect_error(const char *json, const char *needle)
{
    scn s;
    char err[SCN_ERR_MAX];
    assert_false(scn_parse(json, "t.json", ".", &s, err));
    if (!strstr(err, needle)) {
        fprintf(stderr, "message: %s\nwanted: %s\n", err, needle);
        fail();
    }
    assert_true(strncmp(err, "t.json: $", 9) == 0);
}

#endif
