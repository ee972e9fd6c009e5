/* tc_latefile.h - tgcount's --late-file: every late record, its bytes as
 * they were read, one per line (JSON lines), so that they can be looked
 * at or counted again, for instance with a larger --lateness (Flink's side
 * output for late data).
 *
 * The file is opened for appending, created mode 0600 when missing (it
 * holds message texts), so a restarted tgcount adds to what an earlier run
 * wrote.  A record's line breaks, which in a record that parsed can only
 * be JSON whitespace, are written as spaces, so that one record is one
 * line.  Each record is written as it comes (line buffered), so the file
 * can be followed and a failure is seen at once.  The first failure
 * sticks: every later call does nothing and fails too, with errno as it
 * was then.
 */
#ifndef TC_LATEFILE_H
#define TC_LATEFILE_H

#include <stddef.h>

struct tc_latefile;

/* Opens path (borrowed for the call).  Returns the file, or NULL with
 * errno set when it cannot be opened or created. */
struct tc_latefile *tc_latefile_open(const char *path);

/* Appends one record, len bytes at bytes (borrowed), and a newline.
 * Returns 0, or -1 with errno set. */
int tc_latefile_write(struct tc_latefile *f, const char *bytes, size_t len);

/* Flushes, closes and frees f.  Returns 0, or -1 with errno set when a
 * write, the flush or the close failed (now or before).  NULL: 0. */
int tc_latefile_close(struct tc_latefile *f);

#endif
