/*
 * replay.c: the main() of the fuzz targets in builds without libFuzzer (gcc, the
 * Release and sanitizer builds of tests/run.sh): every file named, and every file
 * in every folder named, is fed once to LLVMFuzzerTestOneInput, the function the
 * libFuzzer build fuzzes. CI replays the corpus this way in seconds. Prints the
 * number of inputs run; a crash or a sanitizer report fails the test.
 */
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    size_t len = 0;
    char *s = cmc_read_file(path, &len);
    if (!s) {
        perror(path);
        return -1;
    }
    LLVMFuzzerTestOneInput((const uint8_t *)s, len);
    free(s);
    return 0;
}

int main(int argc, char **argv)
{
    size_t n = 0;
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) < 0) {
            perror(argv[i]);
            rc = 1;
            continue;
        }
        if (!S_ISDIR(st.st_mode)) {
            rc |= run_file(argv[i]) < 0;
            n++;
            continue;
        }
        DIR *dp = opendir(argv[i]);
        struct dirent *de;
        while (dp && (de = readdir(dp))) {
            char p[4096];
            snprintf(p, sizeof p, "%s/%s", argv[i], de->d_name);
            if (de->d_name[0] == '.' || stat(p, &st) < 0 || !S_ISREG(st.st_mode))
                continue;
            rc |= run_file(p) < 0;
            n++;
        }
        if (dp)
            closedir(dp);
    }
    printf("%zu inputs replayed\n", n);
    return rc;
}
