/* Files written whole or not at all (util/afile.h). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "util/afile.h"

static void test_whole_or_nothing(void **state)
{
    (void)state;
    char dir[] = "/tmp/avrami-afile-XXXXXX", path[256], tmp[300], buf[64] = {0};
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/out.json", dir);

    /* a complete write lands under its name, with nothing left beside it */
    assert_true(afile_write_text(path, "{\"a\": 1}"));
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    assert_int_equal(fread(buf, 1, sizeof buf - 1, f), 9);
    fclose(f);
    assert_string_equal(buf, "{\"a\": 1}\n");
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    assert_int_not_equal(access(tmp, F_OK), 0);

    /* a failed write leaves the old file as it was and no temp file */
    f = afile_open(path, tmp, sizeof tmp);
    assert_non_null(f);
    fputs("{\"a\": 2, \"trunc", f);
    assert_false(afile_commit(f, tmp, path, false));
    assert_int_not_equal(access(tmp, F_OK), 0);
    f = fopen(path, "r");
    memset(buf, 0, sizeof buf);
    assert_int_equal(fread(buf, 1, sizeof buf - 1, f), 9);
    fclose(f);
    assert_string_equal(buf, "{\"a\": 1}\n");

    /* one writer at a time: a second open of the same path is refused
     * while the first holds PATH.tmp, and the first still lands whole */
    char tmp2[300];
    f = afile_open(path, tmp, sizeof tmp);
    assert_non_null(f);
    fputs("{\"a\": 3}", f);
    errno = 0;
    assert_null(afile_open(path, tmp2, sizeof tmp2));
    assert_int_equal(errno, EBUSY);
    assert_string_equal(afile_strerror(EBUSY), "another process is writing it (its PATH.tmp is locked)");
    assert_true(afile_commit(f, tmp, path, true));
    f = fopen(path, "r");
    memset(buf, 0, sizeof buf);
    assert_int_equal(fread(buf, 1, sizeof buf - 1, f), 8);
    fclose(f);
    assert_string_equal(buf, "{\"a\": 3}");

    /* a write that fails (here: a full device) is reported with errno */
    f = afile_open(path, tmp, sizeof tmp);
    assert_non_null(f);
    FILE *full = fopen("/dev/full", "w");
    if (full) { /* the same stream state as a full disk: writes fail with ENOSPC */
        fputs("x", full);
        assert_false(afile_commit(full, "/nonexistent-tmp", path, true));
        assert_int_equal(errno, ENOSPC);
    }
    assert_false(afile_commit(f, tmp, path, false));
    assert_int_equal(errno, 0);
    assert_int_not_equal(access(tmp, F_OK), 0);

    /* an unwritable place is refused */
    char bad[300];
    snprintf(bad, sizeof bad, "%s/no-such-dir/out.json", dir);
    assert_false(afile_write_text(bad, "x"));
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_whole_or_nothing)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
