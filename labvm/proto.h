/*
 * The host<->guest wire format, shared by kmemlab and the guest agent.
 *
 * Every message is one frame:
 *
 *     magic "KMLB" (4) | version (u16) | type (u16) | length (u32) | payload
 *
 * all integers little-endian.  The payload is a sequence of fields:
 *
 *     tag (u16) | length (u32) | bytes
 *
 * A field may repeat (argv is one T_ARG field per argument); unknown tags
 * are skipped, so a newer side can add fields.  A frame whose magic or
 * version differs is rejected with a message naming both versions: the
 * host and the guest agent come from one build, so a mismatch means a
 * stale initramfs.
 *
 * The host sends one request and reads one reply (P_REPLY, or P_ERROR with
 * T_MESSAGE) before the next; the guest sends P_HELLO once when it is
 * ready.  This file has no dependency beyond libc so that the statically
 * linked agent can use it.
 */
#ifndef KMEMLAB_PROTO_H
#define KMEMLAB_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define PROTO_MAGIC "KMLB"
#define PROTO_VERSION 2
#define PROTO_HEADER_SIZE 12
#define PROTO_MAX_PAYLOAD (64u << 20)

/*
 * Said outside the channel: with this on the kernel command line the agent
 * makes, at boot, the allocation trace instance (tracefs, at this path) the
 * grader follows a module's allocations with (vm_options.alloc_trace).
 */
#define PROTO_ALLOC_TRACE_ARG "kmemlab.alloctrace=1"
#define PROTO_ALLOC_TRACE "/sys/kernel/tracing/instances/kmemlab"

enum proto_type {
	P_HELLO = 1,	/* guest: T_VERSION, T_RELEASE */
	P_PUT,		/* T_PATH, T_MODE, T_DATA -> reply */
	P_EXEC,		/* T_ARG..., T_TIMEOUT_MS, T_CAP -> T_STATUS, T_SIGNAL,
			   T_TIMED_OUT, T_TRUNCATED, T_STDOUT, T_STDERR, T_ERRNO */
	P_INSMOD,	/* T_PATH, T_PARAMS, T_TIMEOUT_MS -> T_ERRNO, T_SIGNAL,
			   T_TIMED_OUT, T_MS */
	P_RMMOD,	/* T_NAME, T_TIMEOUT_MS -> T_ERRNO, T_TIMED_OUT */
	P_KLOG,		/* T_FROM_SEQ, T_CAP -> T_DATA (raw /dev/kmsg records),
			   T_NEXT_SEQ, T_LOST, T_TRUNCATED */
	P_POWEROFF,	/* -> reply, then the guest powers off */
	/*
	 * After a saved VM state is restored: T_DATA (host random bytes, mixed
	 * into the guest's RNG and credited, then the CRNG reseeded) and
	 * T_TIME (the host's wall clock, ns since the epoch) -> T_RELEASE.
	 */
	P_RESEED,
	P_REPLY = 0x80,
	P_ERROR,	/* T_MESSAGE */
};

enum proto_tag {
	T_VERSION = 1,
	T_RELEASE,
	T_PATH,
	T_MODE,
	T_DATA,
	T_ARG,
	T_TIMEOUT_MS,
	T_CAP,
	T_STATUS,
	T_SIGNAL,
	T_TIMED_OUT,
	T_TRUNCATED,
	T_STDOUT,
	T_STDERR,
	T_ERRNO,
	T_PARAMS,
	T_NAME,
	T_FROM_SEQ,
	T_NEXT_SEQ,
	T_LOST,
	T_MESSAGE,
	T_MS,
	T_TIME,
};

/* A message being built or one received: its type and payload. */
struct proto_msg {
	uint16_t type;
	uint8_t *data;
	size_t len;
	size_t alloc;
};
#define PROTO_MSG_INIT { 0, NULL, 0, 0 }

struct proto_field {
	uint16_t tag;
	const uint8_t *data;
	uint32_t len;
};

void proto_msg_init(struct proto_msg *m, uint16_t type);
void proto_msg_release(struct proto_msg *m);
void proto_put(struct proto_msg *m, uint16_t tag, const void *data, size_t len);
void proto_put_str(struct proto_msg *m, uint16_t tag, const char *s);
void proto_put_u64(struct proto_msg *m, uint16_t tag, uint64_t v);

/*
 * Walk the fields: *pos starts at 0.  Returns 1 with *f filled, 0 at the
 * end, -1 if the payload is malformed (a field runs past the end).
 */
int proto_next(const struct proto_msg *m, size_t *pos, struct proto_field *f);
/* The first field with tag, or NULL. */
int proto_find(const struct proto_msg *m, uint16_t tag, struct proto_field *f);
uint64_t proto_get_u64(const struct proto_msg *m, uint16_t tag, uint64_t def);
/* The field as an allocated NUL-terminated string, or NULL if absent. */
char *proto_get_str(const struct proto_msg *m, uint16_t tag);

/* Serialise m (header and payload) into a new buffer of *len bytes. */
uint8_t *proto_encode(const struct proto_msg *m, size_t *len);

/*
 * Parse one frame from the start of buf.  Returns 1 and fills *m (which
 * owns a copy) with *used set to the frame's size; 0 if buf holds only part
 * of a frame; -1 with *cause (static storage, valid until the next call)
 * if the bytes are not a frame of this version.
 */
int proto_decode(const uint8_t *buf, size_t len, size_t *used,
		 struct proto_msg *m, const char **cause);

/* Blocking helpers for file descriptors (the agent's side). */
int proto_write_fd(int fd, const struct proto_msg *m);
/* Returns 1 with a message, 0 at end of file, -1 on error (*cause set). */
int proto_read_fd(int fd, struct proto_msg *m, const char **cause);

#endif
