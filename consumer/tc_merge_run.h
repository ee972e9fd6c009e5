/* tc_merge_run.h - tgcount --merge: reads a results topic (-t) from the
 * beginning, every partition, read_committed, without a group (nothing is
 * committed: the merged state lives only in this process, so every run
 * starts from the beginning), applies its messages to the merge state
 * (tc_merge.h) and prints each global window through tgcount's output
 * (tc_output.h) when it becomes final; at -e (every partition at its end)
 * or a stop signal, the windows not yet final, provisional.
 *
 * Malformed messages are told (the first TC_SKIPS_TOLD with
 * topic[partition]@offset, then a total) and counted, never fatal; so are
 * rows for windows already printed final.
 */
#ifndef TC_MERGE_RUN_H
#define TC_MERGE_RUN_H

struct tc_options;
struct tg_log;

/* Runs --merge with opts (borrowed); returns a tg_exit code, after
 * reporting any failure on log. */
int tc_merge_run(const struct tc_options *opts, const struct tg_log *log);

#endif
