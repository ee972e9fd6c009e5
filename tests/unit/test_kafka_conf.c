/* Unit tests for common/tg_kafka_conf.c. */
#include "tg_kafka_conf.h"
#include "tg_test.h"

#include <stdlib.h>
#include <unistd.h>

static char err[512];
static char tmpdir[] = "/tmp/test_kafka_conf.XXXXXX";

/* Writes a properties file in the temporary directory; returns its path
 * (static storage, valid until the next call). */
static const char *write_file(const char *name, const char *content)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *fp = fopen(path, "w");
    if (fp == NULL)
        return path;
    fputs(content, fp);
    fclose(fp);
    return path;
}

/* The value of a global property in a taken conf, "" when unset. */
static const char *global_value(rd_kafka_conf_t *conf, const char *name)
{
    static char buf[256];
    size_t size = sizeof buf;
    buf[0] = '\0';
    if (rd_kafka_conf_get(conf, name, buf, &size) != RD_KAFKA_CONF_OK)
        buf[0] = '\0';
    return buf;
}

/* The value of a property in the default topic conf of a taken conf. */
static const char *topic_value(rd_kafka_conf_t *conf, const char *name)
{
    static char buf[256];
    size_t size = sizeof buf;
    rd_kafka_topic_conf_t *tconf = rd_kafka_conf_get_default_topic_conf(conf);
    buf[0] = '\0';
    if (tconf == NULL ||
        rd_kafka_topic_conf_get(tconf, name, buf, &size) != RD_KAFKA_CONF_OK)
        buf[0] = '\0';
    return buf;
}

static void test_new_free(void)
{
    struct tg_kafka_conf *kc = tg_kafka_conf_new();
    CHECK(kc != NULL);
    CHECK(!tg_kafka_conf_has_brokers(kc));
    tg_kafka_conf_free(kc);
    tg_kafka_conf_free(NULL);
}

static void test_routing(void)
{
    struct tg_kafka_conf *kc = tg_kafka_conf_new();
    CHECK_INT(tg_kafka_conf_set(kc, "client.id", "tgtest", err, sizeof err), 0);
    CHECK_INT(tg_kafka_conf_set_arg(kc, "request.required.acks=1", err, sizeof err), 0);
    CHECK_INT(
        tg_kafka_conf_set_arg(kc, "topic.message.timeout.ms=12345", err, sizeof err), 0);
    CHECK_INT(tg_kafka_conf_set_arg(kc, "linger.ms=7", err, sizeof err), 0);
    /* a global property whose name starts with "topic." */
    CHECK_INT(tg_kafka_conf_set_arg(kc, "topic.metadata.refresh.interval.ms=60000", err,
                                    sizeof err),
              0);

    char buf[64];
    CHECK_INT(tg_kafka_conf_get(kc, "client.id", buf, sizeof buf), 0);
    CHECK_STR(buf, "tgtest");
    /* the value may contain '=' */
    CHECK_INT(tg_kafka_conf_set_arg(kc, "client.id=tg=test", err, sizeof err), 0);
    CHECK_INT(tg_kafka_conf_get(kc, "client.id", buf, 4), -1); /* too small */
    CHECK_INT(tg_kafka_conf_get(kc, "bootstrap.servers", buf, sizeof buf),
              -1); /* unset */
    CHECK_INT(tg_kafka_conf_get(kc, "no.such.property", buf, sizeof buf), -1);

    rd_kafka_conf_t *conf = tg_kafka_conf_take(kc);
    CHECK(conf != NULL);
    CHECK(tg_kafka_conf_take(kc) == NULL);
    CHECK_INT(tg_kafka_conf_get(kc, "client.id", buf, sizeof buf), -1);
    CHECK_INT(tg_kafka_conf_set(kc, "client.id", "x", err, sizeof err), -1);
    tg_kafka_conf_free(kc);
    if (conf == NULL)
        return;
    CHECK_STR(global_value(conf, "client.id"), "tg=test");
    CHECK_STR(global_value(conf, "linger.ms"), "7");
    CHECK_STR(global_value(conf, "topic.metadata.refresh.interval.ms"), "60000");
    CHECK_STR(topic_value(conf, "request.required.acks"), "1");
    CHECK_STR(topic_value(conf, "message.timeout.ms"), "12345");
    /* the conf is usable by rd_kafka_new, which then owns it */
    rd_kafka_conf_set(conf, "bootstrap.servers", "127.0.0.1:1", err, sizeof err);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    CHECK(rk != NULL);
    if (rk != NULL)
        rd_kafka_destroy(rk);
    else
        rd_kafka_conf_destroy(conf);
}

static void test_set_errors(void)
{
    struct tg_kafka_conf *kc = tg_kafka_conf_new();
    CHECK_INT(tg_kafka_conf_set(kc, "no.such.property", "1", err, sizeof err), -1);
    CHECK(strstr(err, "No such configuration property") != NULL);
    CHECK(strstr(err, "no.such.property") != NULL);
    CHECK_INT(tg_kafka_conf_set_arg(kc, "topic.no.such=1", err, sizeof err), -1);
    CHECK(strstr(err, "No such configuration property") != NULL);
    CHECK_INT(tg_kafka_conf_set_arg(kc, "message.timeout.ms=soon", err, sizeof err), -1);
    CHECK(strstr(err, "Invalid value") != NULL &&
          strstr(err, "message.timeout.ms") != NULL);
    /* a message librdkafka ends with a newline, which must not be kept */
    CHECK_INT(
        tg_kafka_conf_set_arg(kc, "queue.buffering.max.messages=-5", err, sizeof err),
        -1);
    CHECK(strstr(err, "queue.buffering.max.messages") != NULL);
    CHECK(strstr(err, "outside allowed range") != NULL);
    CHECK(strchr(err, '\n') == NULL);
    CHECK_INT(tg_kafka_conf_set_arg(kc, "client.id", err, sizeof err), -1);
    CHECK_STR(err, "expected name=value");
    CHECK_INT(tg_kafka_conf_set_arg(kc, "=value", err, sizeof err), -1);
    CHECK_STR(err, "expected name=value");
    CHECK_INT(tg_kafka_conf_set_arg(kc, "", err, sizeof err), -1);
    CHECK_STR(err, "expected name=value");
    tg_kafka_conf_free(kc);
}

static void test_load_file(void)
{
    struct tg_kafka_conf *kc = tg_kafka_conf_new();
    const char *path =
        write_file("good.properties", "# a comment\n"
                                      "\n"
                                      "   \t\n"
                                      "client.id = from=file\r\n"
                                      "  linger.ms=3  \n"
                                      "\t# indented comment\n"
                                      "topic.message.timeout.ms\t=\t4000\r\n"
                                      "request.required.acks=all"); /* no final newline */
    CHECK_INT(tg_kafka_conf_load_file(kc, path, err, sizeof err), 0);
    rd_kafka_conf_t *conf = tg_kafka_conf_take(kc);
    tg_kafka_conf_free(kc);
    CHECK_STR(global_value(conf, "client.id"), "from=file");
    CHECK_STR(global_value(conf, "linger.ms"), "3");
    CHECK_STR(topic_value(conf, "message.timeout.ms"), "4000");
    CHECK_STR(topic_value(conf, "request.required.acks"), "-1"); /* all */
    rd_kafka_conf_destroy(conf);

    kc = tg_kafka_conf_new();
    CHECK_INT(
        tg_kafka_conf_load_file(kc, write_file("empty.properties", ""), err, sizeof err),
        0);
    tg_kafka_conf_free(kc);
}

static void test_load_file_errors(void)
{
    char expected[600];
    struct tg_kafka_conf *kc = tg_kafka_conf_new();

    const char *path =
        write_file("bad.properties", "# ok\nclient.id=x\nno.such.thing=1\nlinger.ms=1\n");
    CHECK_INT(tg_kafka_conf_load_file(kc, path, err, sizeof err), -1);
    snprintf(expected, sizeof expected, "%s:3: ", path);
    CHECK(strncmp(err, expected, strlen(expected)) == 0);
    CHECK(strstr(err, "No such configuration property") != NULL);

    path = write_file("crlf.properties", "a.b\r\n\r\nclient.id=x\r\n");
    CHECK_INT(tg_kafka_conf_load_file(kc, path, err, sizeof err), -1);
    snprintf(expected, sizeof expected, "%s:1: expected name=value", path);
    CHECK_STR(err, expected);

    path = write_file("noname.properties", "\n\n  = value\n");
    CHECK_INT(tg_kafka_conf_load_file(kc, path, err, sizeof err), -1);
    snprintf(expected, sizeof expected, "%s:3: expected name=value", path);
    CHECK_STR(err, expected);

    path = write_file("badvalue.properties",
                      "linger.ms=7\n# range\nqueue.buffering.max.messages=-1\n");
    CHECK_INT(tg_kafka_conf_load_file(kc, path, err, sizeof err), -1);
    snprintf(expected, sizeof expected, "%s:3: ", path);
    CHECK(strncmp(err, expected, strlen(expected)) == 0);
    CHECK(strstr(err, "outside allowed range") != NULL);
    CHECK(strchr(err, '\n') == NULL);

    snprintf(expected, sizeof expected, "%s/missing.properties", tmpdir);
    CHECK_INT(tg_kafka_conf_load_file(kc, expected, err, sizeof err), -1);
    strcat(expected, ": No such file or directory");
    CHECK_STR(err, expected);

    /* a directory opens but cannot be read */
    CHECK_INT(tg_kafka_conf_load_file(kc, tmpdir, err, sizeof err), -1);
    CHECK(strncmp(err, tmpdir, strlen(tmpdir)) == 0);
    tg_kafka_conf_free(kc);
}

static void test_brokers_requested(void)
{
    unsetenv(TG_KAFKA_BROKERS_ENV);
    CHECK(tg_kafka_brokers_requested(NULL) == NULL);
    CHECK_STR(tg_kafka_brokers_requested("cli:1"), "cli:1");
    setenv(TG_KAFKA_BROKERS_ENV, "", 1);
    CHECK(tg_kafka_brokers_requested(NULL) == NULL);
    setenv(TG_KAFKA_BROKERS_ENV, "env:2", 1);
    CHECK_STR(tg_kafka_brokers_requested(NULL), "env:2");
    CHECK_STR(tg_kafka_brokers_requested("cli:1"), "cli:1");
    unsetenv(TG_KAFKA_BROKERS_ENV);
}

/* The bootstrap.servers a conf ends up with after apply_brokers. */
static const char *applied(const char *x_arg, const char *cli, const char *env)
{
    static char value[256];
    struct tg_kafka_conf *kc = tg_kafka_conf_new();
    if (env != NULL)
        setenv(TG_KAFKA_BROKERS_ENV, env, 1);
    else
        unsetenv(TG_KAFKA_BROKERS_ENV);
    if (x_arg != NULL)
        CHECK_INT(tg_kafka_conf_set_arg(kc, x_arg, err, sizeof err), 0);
    CHECK_INT(tg_kafka_conf_has_brokers(kc), x_arg != NULL);
    CHECK_INT(tg_kafka_conf_apply_brokers(kc, cli, err, sizeof err), 0);
    if (tg_kafka_conf_get(kc, "bootstrap.servers", value, sizeof value) != 0)
        strcpy(value, "(unset)");
    tg_kafka_conf_free(kc);
    unsetenv(TG_KAFKA_BROKERS_ENV);
    return value;
}

static void test_apply_brokers(void)
{
    CHECK_STR(applied(NULL, NULL, NULL), TG_KAFKA_DEFAULT_BROKERS);
    CHECK_STR(applied(NULL, NULL, ""), TG_KAFKA_DEFAULT_BROKERS);
    CHECK_STR(applied(NULL, NULL, "env:2"), "env:2");
    CHECK_STR(applied(NULL, "cli:1", "env:2"), "cli:1");
    CHECK_STR(applied(NULL, "cli:1", NULL), "cli:1");
    CHECK_STR(applied("bootstrap.servers=x:3", "cli:1", "env:2"), "x:3");
    CHECK_STR(applied("metadata.broker.list=m:4", "cli:1", "env:2"), "m:4");
    CHECK_STR(applied("bootstrap.servers=x:3", NULL, NULL), "x:3");
}

static void test_brokers_from_file(void)
{
    struct tg_kafka_conf *kc = tg_kafka_conf_new();
    char value[64];
    const char *path = write_file("brokers.properties", "bootstrap.servers = f:5\n");
    CHECK_INT(tg_kafka_conf_load_file(kc, path, err, sizeof err), 0);
    CHECK(tg_kafka_conf_has_brokers(kc));
    CHECK_INT(tg_kafka_conf_apply_brokers(kc, "cli:1", err, sizeof err), 0);
    CHECK_INT(tg_kafka_conf_get(kc, "bootstrap.servers", value, sizeof value), 0);
    CHECK_STR(value, "f:5");
    /* setting it back to empty means "not set" again */
    CHECK_INT(tg_kafka_conf_set_arg(kc, "bootstrap.servers=", err, sizeof err), 0);
    CHECK(!tg_kafka_conf_has_brokers(kc));
    CHECK_INT(tg_kafka_conf_apply_brokers(kc, "cli:1", err, sizeof err), 0);
    CHECK_INT(tg_kafka_conf_get(kc, "bootstrap.servers", value, sizeof value), 0);
    CHECK_STR(value, "cli:1");
    tg_kafka_conf_free(kc);
}

/* The client.id a conf ends up with after apply_client_id, -X x_arg first
 * when not NULL. */
static const char *client_id_after(const char *x_arg)
{
    static char value[512];
    struct tg_kafka_conf *kc = tg_kafka_conf_new();
    if (x_arg != NULL)
        CHECK_INT(tg_kafka_conf_set_arg(kc, x_arg, err, sizeof err), 0);
    CHECK_INT(tg_kafka_conf_apply_client_id(kc, "tool", err, sizeof err), 0);
    if (tg_kafka_conf_get(kc, "client.id", value, sizeof value) != 0)
        strcpy(value, "(unset)");
    tg_kafka_conf_free(kc);
    return value;
}

static void test_apply_client_id(void)
{
    char host[256] = "", expected[300];
    CHECK_INT(gethostname(host, sizeof host), 0);
    snprintf(expected, sizeof expected, "tool@%s", host);
    CHECK_STR(client_id_after(NULL), expected);
    CHECK_STR(client_id_after("client.id=mine"), "mine");
    CHECK_STR(client_id_after("client.id="), expected); /* empty = not set */

    struct tg_kafka_conf *kc = tg_kafka_conf_new();
    const char *path = write_file("client.properties", "client.id = from-file\n");
    CHECK(!tg_kafka_conf_has_client_id(kc));
    CHECK_INT(tg_kafka_conf_load_file(kc, path, err, sizeof err), 0);
    CHECK(tg_kafka_conf_has_client_id(kc));
    CHECK_INT(tg_kafka_conf_apply_client_id(kc, "tool", err, sizeof err), 0);
    char value[64];
    CHECK_INT(tg_kafka_conf_get(kc, "client.id", value, sizeof value), 0);
    CHECK_STR(value, "from-file");
    rd_kafka_conf_destroy(tg_kafka_conf_take(kc));
    CHECK_INT(tg_kafka_conf_apply_client_id(kc, "tool", err, sizeof err),
              0); /* set: nothing to do */
    tg_kafka_conf_free(kc);

    kc = tg_kafka_conf_new();
    rd_kafka_conf_destroy(tg_kafka_conf_take(kc));
    CHECK_INT(tg_kafka_conf_apply_client_id(kc, "tool", err, sizeof err), -1);
    CHECK(strstr(err, "handed over") != NULL);
    tg_kafka_conf_free(kc);
}

static void test_secrets_and_complete(void)
{
    CHECK(tg_kafka_conf_is_secret("sasl.password"));
    CHECK(tg_kafka_conf_is_secret("ssl.key.password"));
    CHECK(tg_kafka_conf_is_secret("ssl.keystore.password"));
    CHECK(tg_kafka_conf_is_secret("sasl.oauthbearer.client.secret"));
    CHECK(tg_kafka_conf_is_secret("sasl.oauthbearer.config"));
    CHECK(tg_kafka_conf_is_secret("ssl.key.pem"));
    CHECK(!tg_kafka_conf_is_secret("sasl.username"));
    CHECK(!tg_kafka_conf_is_secret("ssl.certificate.pem"));
    CHECK(!tg_kafka_conf_is_secret("client.id"));

    struct tg_kafka_conf *kc = tg_kafka_conf_new();
    CHECK(!tg_kafka_conf_dump_requested(kc));
    tg_kafka_conf_request_dump(kc);
    CHECK(tg_kafka_conf_dump_requested(kc));
    CHECK(!tg_kafka_conf_dump_requested(NULL));
    CHECK_INT(tg_kafka_conf_complete(kc, "tool", "b1:1", err, sizeof err), 0);
    char host[256] = "", want[300], buf[300];
    gethostname(host, sizeof host);
    snprintf(want, sizeof want, "tool@%s", host);
    CHECK_INT(tg_kafka_conf_get(kc, "client.id", buf, sizeof buf), 0);
    CHECK_STR(buf, want);
    CHECK_INT(tg_kafka_conf_get(kc, "bootstrap.servers", buf, sizeof buf), 0);
    CHECK_STR(buf, "b1:1");
    rd_kafka_conf_destroy(tg_kafka_conf_take(kc));
    CHECK_INT(tg_kafka_conf_dump(kc, stdout), -1); /* handed over: nothing to dump */
    tg_kafka_conf_free(kc);
}

static void remove_tmpdir(void)
{
    static const char *const names[] = {"good.properties",    "empty.properties",
                                        "bad.properties",     "crlf.properties",
                                        "noname.properties",  "badvalue.properties",
                                        "brokers.properties", "client.properties"};
    char path[256];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", tmpdir, names[i]);
        unlink(path);
    }
    rmdir(tmpdir);
}

int main(void)
{
    if (mkdtemp(tmpdir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    RUN(test_new_free);
    RUN(test_routing);
    RUN(test_set_errors);
    RUN(test_load_file);
    RUN(test_load_file_errors);
    RUN(test_brokers_requested);
    RUN(test_apply_brokers);
    RUN(test_brokers_from_file);
    RUN(test_apply_client_id);
    RUN(test_secrets_and_complete);
    remove_tmpdir();
    return tg_test_finish();
}
