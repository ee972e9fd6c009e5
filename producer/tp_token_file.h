/* tp_token_file.h - reading the bot token from --token-file, after proving
 * that nobody else can read it.
 *
 * What the process can prove about who reads the file:
 *   no ACL    (no system.posix_acl_access attribute, or a file system
 *             without ACLs): the mode bits; group and others get nothing
 *             (0600, 0400), as before
 *   an ACL    the ACL alone (the mode's group bits are then its mask):
 *             refused when an entry grants read or write to anyone but the
 *             file's owner: a named user other than the owner, a named
 *             group, the owning group or others; the mask is honoured (a
 *             named user or group masked to nothing reads nothing)
 *   $CREDENTIALS_DIRECTORY
 *             a file directly inside the directory systemd's
 *             LoadCredential= made may also grant read to the process's own
 *             user by a named-user entry: systemd writes credentials owned
 *             by root, mode 0400, and grants the service's user read with
 *             exactly such an entry (ls shows -r--r-----+, mode 0440, the
 *             group bits being the mask).  On a file system without ACLs
 *             systemd chowns the file to the service user, mode 0400, which
 *             the mode rule accepts anyway.  Nothing else is accepted there
 *             that would not be accepted elsewhere.
 * Root can read any file; the rules are about the other users.
 */
#ifndef TP_TOKEN_FILE_H
#define TP_TOKEN_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Reads path into buf (NUL-terminated, at most buflen - 1 bytes) after the
 * checks above.  Returns 0, or -1 with a message in err that names the
 * file and never its contents ("--token-file F: ..."). */
int tp_token_file_read(const char *path, char *buf, size_t buflen, char *err,
                       size_t errlen);

/* Judges an ACL as the kernel stores it in system.posix_acl_access (a
 * 4-byte little-endian version, 2, then 8-byte entries: 16-bit tag, 16-bit
 * permissions, 32-bit id): owner is the file's owner, self the process's
 * effective user, who may be granted read only when trust_self (the file is
 * in $CREDENTIALS_DIRECTORY).  Returns 0 when nobody else can read or write
 * the file, 1 when someone can (who says who: "user 1001", "group 27",
 * "the file's group", "others"), -1 when the value is not a valid ACL (who
 * says why).  xattr is borrowed. */
int tp_token_file_acl_check(const void *xattr, size_t len, uid_t owner, uid_t self,
                            bool trust_self, char *who, size_t wholen);

#endif
