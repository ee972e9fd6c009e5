/* kafka-mock.c - tg-kafka-mock: librdkafka's mock Kafka cluster as a
 * loopback broker for the tests and the demo (scripts/kafka-local runs it).
 *
 * The mock cluster speaks the Kafka protocol to any client (kcat, the
 * tools, a JVM client) but keeps everything in this process's memory.
 * librdkafka 2.0.2 binds every mock broker to 127.0.0.1 on a random port;
 * --port P adds a byte-for-byte TCP relay from 127.0.0.1:P to the brokers so
 * that a fixed bootstrap address works.  Clients then follow the metadata to
 * the brokers' own ports: only bootstrap connections go through the relay.
 *
 * stdout: the bootstrap address once serving, then one line per control
 * command ("ok CMD" or "error CMD: REASON").  Control commands arrive one per
 * line on the FIFO named by --control (see usage()).  SIGINT/SIGTERM stop it;
 * --owner PID also stops it once PID is gone, so that a test killed with
 * SIGKILL leaves no broker behind.
 *
 * What the librdkafka 2.0.2 mock does not do like Kafka (README, "Local
 * broker"): everything lives in memory; each partition keeps at most 5 MiB
 * of record batches (as produced, so compressed batches count compressed)
 * and 100,000 batches, dropping the oldest silently; a fetch returns one
 * batch per partition; a group that a member just left waits
 * session.timeout.ms - 1 s before admitting the next member; topics created
 * by clients' metadata requests get 4 partitions; ListOffsets by timestamp
 * is not implemented; taking a broker down does not move its partitions'
 * leadership; read_committed consumers see the records of aborted
 * transactions (no transaction markers are written).  Stopping takes
 * about a second (the mock's threads wake up once a second).
 */
#include "tg_exit.h"
#include "tg_log.h"
#include "tg_number.h"
#include "tg_signal.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define KM_PROGRAM "tg-kafka-mock"
#define KM_DEFAULT_TOPIC "telegram_messages"
#define KM_MAX_TOPICS 64
#define KM_MAX_BROKERS 16
#define KM_RELAY_BUF 65536
#define KM_CONTROL_LINE 512
#define KM_OWNER_CHECK_MS 500

struct km_topic {
    const char *name; /* borrowed from argv */
    int partitions;
};

struct km_options {
    int brokers;
    int port; /* 0: no relay */
    int partitions;
    struct km_topic topics[KM_MAX_TOPICS];
    size_t topic_count;
    const char *control; /* FIFO path, or NULL */
    pid_t owner;         /* 0: none */
    int verbosity;
};

/* One direction of a relayed connection: bytes read from one socket and
 * not yet written to the other. */
struct km_flow {
    char buf[KM_RELAY_BUF];
    size_t off, len;
    bool eof;  /* the source sent EOF */
    bool shut; /* ... and it was passed on with shutdown(SHUT_WR) */
};

/* fd[0] is the client, fd[1] a mock broker; flow[i] carries the bytes
 * read from fd[i] to fd[1 - i]. */
struct km_conn {
    int fd[2];
    struct km_flow flow[2];
    bool failed;
    struct km_conn *next;
};

struct km_server {
    struct tg_log *log; /* borrowed */
    const struct km_options *opts;
    rd_kafka_t *rk;
    rd_kafka_mock_cluster_t *mcluster;
    struct sockaddr_in brokers[KM_MAX_BROKERS];
    size_t broker_count;
    size_t next_broker; /* round robin for relayed connections */
    int listen_fd;      /* -1 without --port */
    bool listening;     /* false while every broker is down */
    struct km_conn *conns;
    int control_fd; /* -1 without --control */
    bool control_created;
    char line[KM_CONTROL_LINE];
    size_t line_len;
    bool line_too_long;
    struct pollfd *fds; /* rebuilt for every poll */
    struct km_conn **fd_conns;
    size_t fds_cap;
};

static void usage(FILE *out)
{
    fputs("usage: " KM_PROGRAM " [options]\n"
          "Runs librdkafka's mock Kafka cluster on 127.0.0.1 until SIGTERM/SIGINT.\n"
          "  --brokers N         number of mock brokers (default 1)\n"
          "  --partitions N      partitions of " KM_DEFAULT_TOPIC " (default 1)\n"
          "  --topic NAME[:N]    also create NAME with N partitions (default\n"
          "                      --partitions); repeatable\n"
          "  --port P            also accept bootstrap connections on 127.0.0.1:P\n"
          "                      and relay them to the brokers\n"
          "  --control FIFO      read control commands from FIFO (created when\n"
          "                      missing):\n"
          "                        down [ID]           brokers (or broker ID) down\n"
          "                        up [ID]             and up again\n"
          "                        topic NAME [N]      create a topic\n"
          "                        rtt MS [ID]         delay every response by MS\n"
          "                        produce-error CODE [N]  the next N (default 1)\n"
          "                                            produce requests fail with\n"
          "                                            Kafka error CODE (10: too large)\n"
          "  --owner PID         stop when process PID no longer exists\n"
          "  -q, -v              fewer / more diagnostics (-vv: librdkafka mock debug)\n"
          "stdout: the bootstrap address, then \"ok CMD\" or \"error CMD: REASON\"\n"
          "for every control command.\n"
          "Exit: 0 stopped, 64 usage, 69 could not start, 70 internal error.\n",
          out);
}

/* ---- options ------------------------------------------------------------ */

static int parse_int(const char *text, int min, int max, int *out)
{
    int64_t value;
    if (tg_parse_int64(text, min, max, &value) != 0)
        return -1;
    *out = (int)value;
    return 0;
}

/* NAME or NAME:N; the partition count is filled in later when absent. */
static int parse_topic(char *arg, struct km_topic *topic)
{
    char *colon = strrchr(arg, ':');
    topic->partitions = 0;
    if (colon != NULL) {
        if (parse_int(colon + 1, 1, 100000, &topic->partitions) != 0)
            return -1;
        *colon = '\0';
    }
    topic->name = arg;
    return arg[0] == '\0' ? -1 : 0;
}

static bool takes_value_option(const char *arg)
{
    static const char *const names[] = {"--brokers", "--partitions", "--port",
                                        "--topic",   "--control",    "--owner"};
    size_t i = 0;
    while (i < sizeof names / sizeof names[0] && strcmp(arg, names[i]) != 0)
        i++;
    return i < sizeof names / sizeof names[0];
}

/* Returns 0, 1 after --help, or -1 after a usage message was logged. */
static int parse_options(int argc, char **argv, struct km_options *opts,
                         struct tg_log *log)
{
    *opts = (struct km_options){.brokers = 1, .partitions = 1};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        bool takes_value = true;
        int bad = 0;
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            usage(stdout);
            return 1;
        } else if (strcmp(arg, "-q") == 0) {
            tg_log_quieter(log);
            takes_value = false;
        } else if (strcmp(arg, "-v") == 0 || strcmp(arg, "-vv") == 0) {
            for (const char *v = arg + 1; *v == 'v'; v++) {
                tg_log_louder(log);
                opts->verbosity++;
            }
            takes_value = false;
        } else if (!takes_value_option(arg)) {
            tg_log_error(log, "unknown option: %s (see --help)", arg);
            return -1;
        } else if (value == NULL) {
            tg_log_error(log, "%s needs a value (see --help)", arg);
            return -1;
        } else if (strcmp(arg, "--brokers") == 0) {
            bad = parse_int(value, 1, KM_MAX_BROKERS, &opts->brokers);
        } else if (strcmp(arg, "--partitions") == 0) {
            bad = parse_int(value, 1, 100000, &opts->partitions);
        } else if (strcmp(arg, "--port") == 0) {
            bad = parse_int(value, 1, 65535, &opts->port);
        } else if (strcmp(arg, "--topic") == 0) {
            if (opts->topic_count == KM_MAX_TOPICS)
                bad = 1;
            else
                bad = parse_topic(argv[i + 1], &opts->topics[opts->topic_count++]);
        } else if (strcmp(arg, "--control") == 0) {
            opts->control = value;
        } else {
            int pid;
            bad = parse_int(value, 1, 0x7fffffff, &pid);
            opts->owner = (pid_t)pid;
        }
        if (bad) {
            tg_log_error(log, "bad value for %s: %s", arg, value);
            return -1;
        }
        if (takes_value)
            i++;
    }
    for (size_t t = 0; t < opts->topic_count; t++) {
        if (opts->topics[t].partitions == 0)
            opts->topics[t].partitions = opts->partitions;
    }
    return 0;
}

/* ---- the mock cluster --------------------------------------------------- */

static void on_rdkafka_log(const rd_kafka_t *rk, int level, const char *facility,
                           const char *message)
{
    const struct tg_log *log = rd_kafka_opaque(rk);
    enum tg_log_level ours = level <= LOG_ERR       ? TG_LOG_ERROR
                             : level == LOG_WARNING ? TG_LOG_WARN
                             : level < LOG_DEBUG    ? TG_LOG_INFO
                                                    : TG_LOG_DEBUG;
    tg_log_msg(log, ours, "librdkafka %s: %s", facility, message);
}

/* Splits "127.0.0.1:p1,127.0.0.1:p2" into addresses for the relay. */
static int parse_bootstraps(struct km_server *srv, const char *list, char *err,
                            size_t errlen)
{
    const char *p = list;
    while (*p != '\0' && srv->broker_count < KM_MAX_BROKERS) {
        char host[64];
        int port;
        size_t len = strcspn(p, ",");
        const char *colon = memchr(p, ':', len);
        if (colon == NULL || (size_t)(colon - p) >= sizeof host) {
            snprintf(err, errlen, "unexpected bootstrap list: %s", list);
            return -1;
        }
        memcpy(host, p, (size_t)(colon - p));
        host[colon - p] = '\0';
        char portbuf[8];
        size_t portlen = len - (size_t)(colon - p) - 1;
        if (portlen == 0 || portlen >= sizeof portbuf) {
            snprintf(err, errlen, "unexpected bootstrap list: %s", list);
            return -1;
        }
        memcpy(portbuf, colon + 1, portlen);
        portbuf[portlen] = '\0';
        struct sockaddr_in *sin = &srv->brokers[srv->broker_count];
        *sin = (struct sockaddr_in){.sin_family = AF_INET};
        if (parse_int(portbuf, 1, 65535, &port) != 0 ||
            inet_pton(AF_INET, host, &sin->sin_addr) != 1) {
            snprintf(err, errlen, "unexpected bootstrap list: %s", list);
            return -1;
        }
        sin->sin_port = htons((uint16_t)port);
        srv->broker_count++;
        p += len;
        if (*p == ',')
            p++;
    }
    return 0;
}

static int create_topic(struct km_server *srv, const char *name, int partitions,
                        char *err, size_t errlen)
{
    int replication = srv->opts->brokers < 3 ? srv->opts->brokers : 3;
    rd_kafka_resp_err_t rc =
        rd_kafka_mock_topic_create(srv->mcluster, name, partitions, replication);
    if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) {
        snprintf(err, errlen, "topic %s: %s", name, rd_kafka_err2str(rc));
        return -1;
    }
    return 0;
}

/* librdkafka's threads inherit the caller's signal mask: they are created
 * with every signal blocked so that stop signals reach the main thread's
 * ppoll() and nothing else. */
static int cluster_start(struct km_server *srv, char *err, size_t errlen)
{
    const struct km_options *opts = srv->opts;
    sigset_t all, saved;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &saved);

    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set_opaque(conf, srv->log);
    rd_kafka_conf_set_log_cb(conf, on_rdkafka_log);
    if (rd_kafka_conf_set(conf, "client.id", KM_PROGRAM, err, errlen) !=
            RD_KAFKA_CONF_OK ||
        (opts->verbosity >= 2 &&
         rd_kafka_conf_set(conf, "debug", "mock", err, errlen) != RD_KAFKA_CONF_OK)) {
        rd_kafka_conf_destroy(conf);
        pthread_sigmask(SIG_SETMASK, &saved, NULL);
        return -1;
    }
    srv->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, errlen);
    if (srv->rk == NULL) {
        rd_kafka_conf_destroy(conf); /* still ours when rd_kafka_new fails */
        pthread_sigmask(SIG_SETMASK, &saved, NULL);
        return -1;
    }
    srv->mcluster = rd_kafka_mock_cluster_new(srv->rk, opts->brokers);
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    if (srv->mcluster == NULL) {
        snprintf(err, errlen, "cannot create the mock cluster");
        return -1;
    }

    bool default_named = false;
    for (size_t t = 0; t < opts->topic_count; t++) {
        if (strcmp(opts->topics[t].name, KM_DEFAULT_TOPIC) == 0)
            default_named = true;
        if (create_topic(srv, opts->topics[t].name, opts->topics[t].partitions, err,
                         errlen) != 0)
            return -1;
    }
    if (!default_named &&
        create_topic(srv, KM_DEFAULT_TOPIC, opts->partitions, err, errlen) != 0)
        return -1;
    return parse_bootstraps(srv, rd_kafka_mock_cluster_bootstraps(srv->mcluster), err,
                            errlen);
}

/* ---- relay -------------------------------------------------------------- */

/* A socket bound to 127.0.0.1:port, not yet listening. */
static int relay_bind(int port, char *err, size_t errlen)
{
    struct sockaddr_in sin = {.sin_family = AF_INET,
                              .sin_port = htons((uint16_t)port),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int on = 1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
        bind(fd, (struct sockaddr *)&sin, sizeof sin) != 0) {
        snprintf(err, errlen, "cannot listen on 127.0.0.1:%d: %s", port, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

static int relay_start(struct km_server *srv, char *err, size_t errlen)
{
    if (srv->listen_fd < 0 &&
        (srv->listen_fd = relay_bind(srv->opts->port, err, errlen)) < 0)
        return -1;
    if (listen(srv->listen_fd, 64) != 0) {
        snprintf(err, errlen, "cannot listen on 127.0.0.1:%d: %s", srv->opts->port,
                 strerror(errno));
        return -1;
    }
    srv->listening = true;
    return 0;
}

/* With every broker down the relay refuses connections too, as a stopped
 * broker would.  A socket stays bound so that the port is kept. */
static int relay_stop(struct km_server *srv, char *err, size_t errlen)
{
    close(srv->listen_fd);
    srv->listening = false;
    srv->listen_fd = relay_bind(srv->opts->port, err, errlen);
    return srv->listen_fd < 0 ? -1 : 0;
}

static void conn_free(struct km_conn *conn)
{
    if (conn == NULL)
        return;
    close(conn->fd[0]);
    close(conn->fd[1]);
    free(conn);
}

/* Connects to the brokers in turn; a broker that is down refuses at once,
 * so the next one is tried.  Loopback connects complete immediately. */
static int connect_upstream(struct km_server *srv)
{
    for (size_t tries = 0; tries < srv->broker_count; tries++) {
        const struct sockaddr_in *sin =
            &srv->brokers[srv->next_broker++ % srv->broker_count];
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return -1;
        if (connect(fd, (const struct sockaddr *)sin, sizeof *sin) == 0 &&
            fcntl(fd, F_SETFL, O_NONBLOCK) == 0)
            return fd;
        close(fd);
    }
    return -1;
}

static void relay_accept(struct km_server *srv)
{
    int client = accept4(srv->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (client < 0)
        return; /* EAGAIN, or the client already gave up */
    int upstream = connect_upstream(srv);
    struct km_conn *conn = upstream < 0 ? NULL : calloc(1, sizeof *conn);
    if (conn == NULL) {
        /* Brokers down: the client sees its connection closed, as it
         * would with a real broker going away. */
        tg_log_info(srv->log, "relay: no broker accepts connections");
        close(client);
        if (upstream >= 0)
            close(upstream);
        return;
    }
    conn->fd[0] = client;
    conn->fd[1] = upstream;
    conn->next = srv->conns;
    srv->conns = conn;
}

static void flow_read(struct km_conn *conn, int i)
{
    struct km_flow *flow = &conn->flow[i];
    ssize_t n = read(conn->fd[i], flow->buf, sizeof flow->buf);
    if (n > 0) {
        flow->off = 0;
        flow->len = (size_t)n;
    } else if (n == 0) {
        flow->eof = true;
    } else if (errno != EAGAIN && errno != EINTR) {
        conn->failed = true;
    }
}

static void flow_write(struct km_conn *conn, int i)
{
    struct km_flow *flow = &conn->flow[i];
    ssize_t n = send(conn->fd[1 - i], flow->buf + flow->off, flow->len, MSG_NOSIGNAL);
    if (n > 0) {
        flow->off += (size_t)n;
        flow->len -= (size_t)n;
    } else if (errno != EAGAIN && errno != EINTR) {
        conn->failed = true;
    }
}

/* Events wanted on conn->fd[i]: read when its flow is empty and open,
 * write when the other flow has bytes for it. */
static short conn_events(const struct km_conn *conn, int i)
{
    short events = 0;
    if (!conn->flow[i].eof && conn->flow[i].len == 0)
        events |= POLLIN;
    if (conn->flow[1 - i].len > 0)
        events |= POLLOUT;
    return events;
}

static void conn_serve(struct km_conn *conn, int i, short revents)
{
    if (revents & POLLNVAL) {
        conn->failed = true;
        return;
    }
    if (conn->flow[1 - i].len > 0 && (revents & (POLLOUT | POLLERR | POLLHUP)))
        flow_write(conn, 1 - i);
    if (!conn->failed && !conn->flow[i].eof && conn->flow[i].len == 0 &&
        (revents & (POLLIN | POLLERR | POLLHUP)))
        flow_read(conn, i);
    for (int d = 0; d < 2; d++) {
        struct km_flow *flow = &conn->flow[d];
        if (flow->eof && flow->len == 0 && !flow->shut) {
            shutdown(conn->fd[1 - d], SHUT_WR);
            flow->shut = true;
        }
    }
}

/* Frees the connections that failed or finished in both directions. */
static void relay_reap(struct km_server *srv)
{
    struct km_conn **link = &srv->conns;
    while (*link != NULL) {
        struct km_conn *conn = *link;
        if (conn->failed || (conn->flow[0].shut && conn->flow[1].shut)) {
            *link = conn->next;
            conn_free(conn);
        } else {
            link = &conn->next;
        }
    }
}

/* ---- control ------------------------------------------------------------ */

static int control_open(struct km_server *srv, const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno != ENOENT || mkfifo(path, 0600) != 0) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            return -1;
        }
        srv->control_created = true;
    } else if (!S_ISFIFO(st.st_mode)) {
        snprintf(err, errlen, "%s: not a FIFO", path);
        return -1;
    }
    /* Read-write, so the FIFO never reports EOF between writers and
     * writers never block while we run. */
    srv->control_fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (srv->control_fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* An optional broker id; -1 means all brokers. */
static int parse_broker_id(const struct km_server *srv, const char *text, int *id)
{
    if (text == NULL) {
        *id = -1;
        return 0;
    }
    return parse_int(text, 1, srv->opts->brokers, id);
}

static void control_reply(const char *command, const char *error)
{
    printf(error == NULL ? "ok %s\n" : "error %s: %s\n", command, error);
    fflush(stdout);
}

static void control_execute(struct km_server *srv, const char *command)
{
    char copy[KM_CONTROL_LINE], err[256] = "";
    char *save = NULL;
    snprintf(copy, sizeof copy, "%s", command);
    const char *verb = strtok_r(copy, " \t\r", &save);
    const char *arg1 = strtok_r(NULL, " \t\r", &save);
    const char *arg2 = strtok_r(NULL, " \t\r", &save);
    const char *extra = strtok_r(NULL, " \t\r", &save);
    int id = -1, number = 0;
    rd_kafka_resp_err_t rc = RD_KAFKA_RESP_ERR_NO_ERROR;

    if (verb == NULL)
        return;
    if (extra != NULL) {
        snprintf(err, sizeof err, "too many arguments");
    } else if (strcmp(verb, "down") == 0 || strcmp(verb, "up") == 0) {
        if (arg2 != NULL || parse_broker_id(srv, arg1, &id) != 0)
            snprintf(err, sizeof err, "usage: %s [BROKER_ID 1..%d]", verb,
                     srv->opts->brokers);
        else if (verb[0] == 'd')
            rc = rd_kafka_mock_broker_set_down(srv->mcluster, id);
        else
            rc = rd_kafka_mock_broker_set_up(srv->mcluster, id);
        /* Only a valid command moves the relay: after a usage error id is
         * unset. */
        if (err[0] == '\0' && rc == RD_KAFKA_RESP_ERR_NO_ERROR && srv->opts->port != 0) {
            if (verb[0] == 'd' && id == -1 && srv->listening)
                relay_stop(srv, err, sizeof err);
            else if (verb[0] == 'u' && !srv->listening)
                relay_start(srv, err, sizeof err);
        }
    } else if (strcmp(verb, "topic") == 0) {
        number = srv->opts->partitions;
        if (arg1 == NULL || (arg2 != NULL && parse_int(arg2, 1, 100000, &number) != 0))
            snprintf(err, sizeof err, "usage: topic NAME [PARTITIONS]");
        else
            create_topic(srv, arg1, number, err, sizeof err);
    } else if (strcmp(verb, "rtt") == 0) {
        if (arg1 == NULL || parse_int(arg1, 0, 3600000, &number) != 0 ||
            parse_broker_id(srv, arg2, &id) != 0)
            snprintf(err, sizeof err, "usage: rtt MILLISECONDS [BROKER_ID]");
        else
            rc = rd_kafka_mock_broker_set_rtt(srv->mcluster, id, number);
    } else if (strcmp(verb, "produce-error") == 0) {
        int count = 1;
        if (arg1 == NULL || parse_int(arg1, 1, 32767, &number) != 0 ||
            (arg2 != NULL && parse_int(arg2, 1, 100000, &count) != 0)) {
            snprintf(err, sizeof err, "usage: produce-error KAFKA_ERROR_CODE [COUNT]");
        } else {
            /* 0 is the Produce API key (not in librdkafka's public headers). */
            for (int i = 0; i < count; i++)
                rd_kafka_mock_push_request_errors(srv->mcluster, 0, 1,
                                                  (rd_kafka_resp_err_t)number);
        }
    } else {
        snprintf(err, sizeof err,
                 "unknown command (down, up, topic, rtt, produce-error)");
    }
    if (rc != RD_KAFKA_RESP_ERR_NO_ERROR)
        snprintf(err, sizeof err, "%s", rd_kafka_err2str(rc));
    tg_log_info(srv->log, "control: %s%s%s", command, err[0] ? ": " : "", err);
    control_reply(command, err[0] ? err : NULL);
}

static void control_read(struct km_server *srv)
{
    char buf[1024];
    ssize_t n = read(srv->control_fd, buf, sizeof buf);
    for (ssize_t k = 0; k < n; k++) {
        if (buf[k] != '\n') {
            if (srv->line_len + 1 < sizeof srv->line)
                srv->line[srv->line_len++] = buf[k];
            else
                srv->line_too_long = true;
            continue;
        }
        srv->line[srv->line_len] = '\0';
        if (srv->line_too_long)
            control_reply("(line)", "longer than 511 bytes");
        else
            control_execute(srv, srv->line);
        srv->line_len = 0;
        srv->line_too_long = false;
    }
}

/* ---- main loop ---------------------------------------------------------- */

static int poll_reserve(struct km_server *srv, size_t need)
{
    if (need <= srv->fds_cap)
        return 0;
    size_t cap = need * 2;
    struct pollfd *fds = realloc(srv->fds, cap * sizeof *fds);
    if (fds == NULL)
        return -1;
    srv->fds = fds;
    struct km_conn **owners = realloc(srv->fd_conns, cap * sizeof *owners);
    if (owners == NULL)
        return -1;
    srv->fd_conns = owners;
    srv->fds_cap = cap;
    return 0;
}

static bool owner_gone(pid_t owner)
{
    return owner != 0 && kill(owner, 0) != 0 && errno == ESRCH;
}

/* Serves until a stop signal (unblocked only inside ppoll, so none is
 * missed) or the owner's exit.  Returns 0, or -1 on a system error. */
static int serve(struct km_server *srv, const sigset_t *wait_mask)
{
    const struct timespec owner_check = {.tv_sec = 0,
                                         .tv_nsec = KM_OWNER_CHECK_MS * 1000000L};
    while (!tg_signal_stop_requested()) {
        if (owner_gone(srv->opts->owner)) {
            tg_log_info(srv->log, "owner %ld is gone; stopping", (long)srv->opts->owner);
            return 0;
        }
        size_t n = 0, conns = 0;
        for (struct km_conn *c = srv->conns; c != NULL; c = c->next)
            conns++;
        if (poll_reserve(srv, 2 + 2 * conns) != 0) {
            tg_log_error(srv->log, "out of memory");
            return -1;
        }
        if (srv->listening) {
            srv->fds[n] = (struct pollfd){.fd = srv->listen_fd, .events = POLLIN};
            srv->fd_conns[n++] = NULL;
        }
        if (srv->control_fd >= 0) {
            srv->fds[n] = (struct pollfd){.fd = srv->control_fd, .events = POLLIN};
            srv->fd_conns[n++] = NULL;
        }
        for (struct km_conn *c = srv->conns; c != NULL; c = c->next) {
            for (int i = 0; i < 2; i++) {
                srv->fds[n] =
                    (struct pollfd){.fd = c->fd[i], .events = conn_events(c, i)};
                srv->fd_conns[n++] = c;
            }
        }
        int ready = ppoll(srv->fds, n, srv->opts->owner ? &owner_check : NULL, wait_mask);
        if (ready < 0) {
            if (errno == EINTR)
                continue;
            tg_log_error(srv->log, "poll: %s", strerror(errno));
            return -1;
        }
        for (size_t k = 0; k < n && ready > 0; k++) {
            short revents = srv->fds[k].revents;
            if (revents == 0)
                continue;
            ready--;
            struct km_conn *c = srv->fd_conns[k];
            if (c != NULL)
                conn_serve(c, srv->fds[k].fd == c->fd[0] ? 0 : 1, revents);
            else if (srv->fds[k].fd == srv->listen_fd)
                relay_accept(srv);
            else
                control_read(srv);
        }
        relay_reap(srv);
    }
    tg_log_info(srv->log, "stopping on signal %d", tg_signal_received());
    return 0;
}

static void server_close(struct km_server *srv)
{
    while (srv->conns != NULL) {
        struct km_conn *next = srv->conns->next;
        conn_free(srv->conns);
        srv->conns = next;
    }
    if (srv->listen_fd >= 0)
        close(srv->listen_fd);
    if (srv->control_fd >= 0)
        close(srv->control_fd);
    if (srv->control_created)
        unlink(srv->opts->control);
    if (srv->mcluster != NULL)
        rd_kafka_mock_cluster_destroy(srv->mcluster);
    if (srv->rk != NULL)
        rd_kafka_destroy(srv->rk);
    free(srv->fds);
    free(srv->fd_conns);
}

int main(int argc, char **argv)
{
    struct tg_log log;
    struct km_options opts;
    char err[512] = "";
    sigset_t stop_signals, wait_mask;

    tg_log_init(&log, KM_PROGRAM, stderr);
    int parsed = parse_options(argc, argv, &opts, &log);
    if (parsed != 0)
        return parsed > 0 ? TG_EXIT_OK : TG_EXIT_USAGE;

    /* Stop signals stay blocked except inside ppoll(): a signal that
     * arrives between the flag check and the wait is not lost. */
    if (tg_signal_install() != 0) {
        tg_log_error(&log, "cannot install signal handlers: %s", strerror(errno));
        return TG_EXIT_SOFTWARE;
    }
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGHUP);
    sigaddset(&stop_signals, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &stop_signals, &wait_mask);

    struct km_server srv = {
        .log = &log, .opts = &opts, .listen_fd = -1, .control_fd = -1};
    int status = TG_EXIT_OK;
    if (cluster_start(&srv, err, sizeof err) != 0 ||
        (opts.port != 0 && relay_start(&srv, err, sizeof err) != 0) ||
        (opts.control != NULL &&
         control_open(&srv, opts.control, err, sizeof err) != 0)) {
        tg_log_error(&log, "%s", err);
        status = TG_EXIT_UNAVAILABLE;
    } else {
        const char *mock = rd_kafka_mock_cluster_bootstraps(srv.mcluster);
        tg_log_info(&log, "mock brokers at %s", mock);
        if (opts.port != 0)
            printf("127.0.0.1:%d\n", opts.port);
        else
            printf("%s\n", mock);
        fflush(stdout);
        if (serve(&srv, &wait_mask) != 0)
            status = TG_EXIT_SOFTWARE;
    }
    server_close(&srv);
    return status;
}
