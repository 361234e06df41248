/*
 * The channel's decoder (labvm/proto.h) on the bytes a guest could send:
 * decode frame after frame from one buffer, as the host reads its channel,
 * walk each frame's fields and read every tag as a number and a string;
 * then encode the message again, which must decode to the same bytes.
 * The same bytes go through proto_read_fd() from a file too.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const struct proto_msg *m)
{
	struct proto_field f;
	size_t pos = 0, last = 0;
	int r;

	while ((r = proto_next(m, &pos, &f)) == 1) {
		if (pos <= last || pos > m->len || f.data < m->data ||
		    f.data + f.len > m->data + m->len)
			abort();
		last = pos;
	}
	if (r == 0 && pos != m->len)
		abort();
	for (unsigned tag = 0; tag <= T_TIME + 1; tag++) {
		char *s = proto_get_str(m, (uint16_t)tag);

		if (proto_find(m, (uint16_t)tag, &f) != (s != NULL))
			abort();
		if (s && memcmp(s, f.data, f.len))
			abort();
		free(s);
		proto_get_u64(m, (uint16_t)tag, 0);
	}
}

/* Encode m and decode it again: the same type and payload, all of the bytes used. */
static void round_trip(const struct proto_msg *m)
{
	struct proto_msg back = PROTO_MSG_INIT;
	const char *cause = NULL;
	size_t len, used = 0;
	uint8_t *enc = proto_encode(m, &len);

	if (len != PROTO_HEADER_SIZE + m->len ||
	    proto_decode(enc, len, &used, &back, &cause) != 1 || used != len ||
	    back.type != m->type || back.len != m->len ||
	    (m->len && memcmp(back.data, m->data, m->len)))
		abort();
	/* Every proper prefix is an incomplete frame, never an error. */
	for (size_t cut = 0; cut < len; cut += 1 + cut / 4)
		if (proto_decode(enc, cut, &used, &back, &cause) != 0)
			abort();
	proto_msg_release(&back);
	free(enc);
}

static void from_fd(const uint8_t *data, size_t size)
{
	struct proto_msg m = PROTO_MSG_INIT;
	const char *cause;
	int fd = memfd_create("fuzz-proto", MFD_CLOEXEC);

	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	lseek(fd, 0, SEEK_SET);
	while (proto_read_fd(fd, &m, &cause) == 1)
		walk(&m);
	proto_msg_release(&m);
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_msg m = PROTO_MSG_INIT;
	const char *cause = NULL;
	size_t off = 0;
	/* The decoder may look at its buffer only up to len: a copy of exactly size bytes. */
	uint8_t *buf = malloc(size ? size : 1);

	if (!buf)
		return 0;
	if (size)
		memcpy(buf, data, size);
	while (off < size) {
		size_t used = 0;
		int r = proto_decode(buf + off, size - off, &used, &m, &cause);

		if (r < 0 && (!cause || !*cause))
			abort();
		if (r <= 0)
			break;
		if (used < PROTO_HEADER_SIZE || used > size - off)
			abort();
		walk(&m);
		round_trip(&m);
		off += used;
	}
	proto_msg_release(&m);
	free(buf);
	from_fd(data, size);
	return 0;
}
