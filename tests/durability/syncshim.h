/*
 * syncshim.h - what the durability shim (syncshim.c, an LD_PRELOAD object
 * for kinerjad) and its test drivers agree on: the environment variables
 * that switch it on, the msgid bit that marks a writing request, and the
 * words that start the lines of its log.
 *
 * The shim is inert unless KN_SYNCSHIM_LOG names a file. Every line of that
 * file is "<event> key=value ...", appended with one write(2), so a reader
 * may look at it while the daemon runs and a killed daemon leaves whole
 * lines behind.
 */
#ifndef KN_SYNCSHIM_H
#define KN_SYNCSHIM_H

/* The log file (required: without it the shim passes every call through). */
#define SYNCSHIM_ENV_LOG "KN_SYNCSHIM_LOG"
/* The store directory: its data.mdb is the file whose writes must be synced. */
#define SYNCSHIM_ENV_STORE "KN_SYNCSHIM_STORE"
/* The evidence repository: files under its objects/ and refs/ must be synced. */
#define SYNCSHIM_ENV_EVIDENCE "KN_SYNCSHIM_EVIDENCE"
/*
 * Fault injection, to prove the checks can fail: "evidence" makes fsync
 * and fdatasync of evidence files return 0 without syncing (a disk that
 * lies), so the shim must then report a violation.
 */
#define SYNCSHIM_ENV_FAULT "KN_SYNCSHIM_FAULT"

/*
 * A request whose msgid has this bit set is a write the client expects to
 * be durable once answered: the shim notes the durability epoch when the
 * request has been read, and checks that a later commit was synced before
 * a successful reply to it goes out.
 */
#define SYNCSHIM_WRITE_FLAG 0x40000000u

/* Log words the drivers count. */
#define SYNCSHIM_VIOLATION "VIOLATION"
#define SYNCSHIM_DATA_WRITE "DATA-WRITE"
#define SYNCSHIM_DATA_DSYNC "DATA-DSYNC-WRITE"
#define SYNCSHIM_DATA_SYNC "DATA-SYNC"
#define SYNCSHIM_SEND "SEND"
#define SYNCSHIM_REQ "REQ"
#define SYNCSHIM_ACK "ACK"
#define SYNCSHIM_EV_WRITE "EV-WRITE"     /* a clean evidence file becomes dirty */
#define SYNCSHIM_EV_SYNC "EV-SYNC"
#define SYNCSHIM_EV_LINK "EV-LINK"
#define SYNCSHIM_EV_DIRSYNC "EV-DIRSYNC"
#define SYNCSHIM_HANDOFF "HANDOFF"
#define SYNCSHIM_MAP "DATA-MAP"
#define SYNCSHIM_SHIM_ERROR "SHIM-ERROR"

#endif
