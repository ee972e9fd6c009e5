/* fuzz_properties - tg_kafka_conf_load_file (-F) on an arbitrary file.
 *
 * The input becomes an in-memory file (memfd), read through its
 * /proc/self/fd path, so nothing touches the disk.  Properties: loading
 * never crashes or leaks, whatever librdkafka makes of the values; a
 * failure names the file and a line that exists ("PATH:LINE: why"); a
 * loaded configuration can be handed over.
 *
 * Inputs naming plugin.library.paths are skipped: librdkafka dlopen()s
 * that value at once, and loading arbitrary shared objects is not what is
 * being tested.
 *
 * fuzz-max-len: 4096
 */
#include "fuzz.h"

#include <stdbool.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tg_kafka_conf.h"

#define PLUGIN_PROPERTY "plugin.library.paths"

static bool write_all(int fd, const uint8_t *data, size_t size)
{
    while (size > 0) {
        ssize_t n = write(fd, data, size);
        if (n <= 0)
            return false;
        data += n;
        size -= (size_t)n;
    }
    return true;
}

static unsigned long count_lines(const uint8_t *data, size_t size)
{
    unsigned long lines = 0;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    return lines + (size > 0 && data[size - 1] != '\n');
}

static void check_error(const char *path, const char *err, size_t errlen,
                        unsigned long lines)
{
    size_t plen = strlen(path);
    FUZZ_CHECK(fuzz_has_message(err, errlen));
    FUZZ_CHECK(strncmp(err, path, plen) == 0 && err[plen] == ':');

    char *end;
    unsigned long line = strtoul(err + plen + 1, &end, 10);
    FUZZ_CHECK(end != err + plen + 1 && *end == ':');
    FUZZ_CHECK(line >= 1 && line <= lines);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (memmem(data, size, PLUGIN_PROPERTY, strlen(PLUGIN_PROPERTY)) != NULL)
        return 0;
    int fd = memfd_create("fuzz_properties", MFD_CLOEXEC);
    if (fd < 0)
        return 0;
    struct tg_kafka_conf *kc = tg_kafka_conf_new();
    if (kc == NULL || !write_all(fd, data, size)) {
        tg_kafka_conf_free(kc);
        close(fd);
        return 0;
    }

    char path[64];
    char err[1024] = "";
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    if (tg_kafka_conf_load_file(kc, path, err, sizeof err) == 0) {
        rd_kafka_conf_t *conf = tg_kafka_conf_take(kc);
        FUZZ_CHECK(conf != NULL);
        FUZZ_CHECK(tg_kafka_conf_take(kc) == NULL);
        rd_kafka_conf_destroy(conf);
    } else {
        check_error(path, err, sizeof err, count_lines(data, size));
    }
    tg_kafka_conf_free(kc);
    close(fd);
    return 0;
}
