/* Readers of input files against hostile content: util/rfile (only regular
 * files, bounded size) and values found by the fuzzers (tests/fuzz) that
 * once reached undefined behaviour.  Run under UBSan with float-cast-overflow
 * by `make test-asan`. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "timing/tim.h"
#include "util/rfile.h"

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_rfile(void **state)
{
    (void)state;
    char dir[] = "/tmp/avrami-readers-XXXXXX", path[256], why[128];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/a.txt", dir);
    write_file(path, "hello");
    size_t len = 0;
    char *t = rfile_read(path, 100, &len, why, sizeof why);
    assert_non_null(t);
    assert_int_equal(len, 5);
    assert_string_equal(t, "hello");
    free(t);
    /* bounded */
    assert_null(rfile_read(path, 4, &len, why, sizeof why));
    assert_string_equal(why, "larger than 4 bytes");
    /* a FIFO is refused at once instead of waiting for a writer */
    char fifo[256];
    snprintf(fifo, sizeof fifo, "%s/f", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    assert_null(rfile_read(fifo, 100, &len, why, sizeof why));
    assert_string_equal(why, "not a regular file");
    assert_int_equal(rfile_is_regular(fifo, why, sizeof why), 0);
    /* a directory too; a missing file says why */
    assert_null(rfile_read(dir, 100, &len, why, sizeof why));
    assert_string_equal(why, "not a regular file");
    snprintf(path, sizeof path, "%s/missing", dir);
    assert_null(rfile_read(path, 100, &len, why, sizeof why));
    assert_string_equal(why, strerror(ENOENT));
    unlink(fifo);
    snprintf(path, sizeof path, "%s/a.txt", dir);
    unlink(path);
    rmdir(dir);
}

/* fuzz_data: a host calibration whose "threads" does not fit an int was
 * cast to int (undefined behaviour); now it simply matches no thread count */
static void test_host_threads_out_of_range(void **state)
{
    (void)state;
    char path[] = "/tmp/avrami-host-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    write_file(path, "{\"efficiency\": {\"bandwidth\": 0.5}, \"fits\": [{\"type\": \"f32\", \"threads\": 2.68621e10,"
                     " \"F_flops\": 1e9, \"B_bytes\": 1e9, \"c_s\": 0}]}");
    tim_host h;
    char err[256];
    (void)tim_host_load(path, 1, &h, err, sizeof err);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfile),
        cmocka_unit_test(test_host_threads_out_of_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
