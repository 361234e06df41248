#include "proto.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *proto_realloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fprintf(stderr, "kmemlab: fatal: out of memory (%zu bytes)\n", n);
		abort();
	}
	return p;
}

static void put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

void proto_msg_init(struct proto_msg *m, uint16_t type)
{
	m->type = type;
	m->len = 0;
}

void proto_msg_release(struct proto_msg *m)
{
	free(m->data);
	m->data = NULL;
	m->len = m->alloc = 0;
}

void proto_put(struct proto_msg *m, uint16_t tag, const void *data, size_t len)
{
	size_t need = m->len + 6 + len;

	if (need > m->alloc) {
		m->alloc = need * 2 > 256 ? need * 2 : 256;
		m->data = proto_realloc(m->data, m->alloc);
	}
	put_le(m->data + m->len, tag, 2);
	put_le(m->data + m->len + 2, len, 4);
	if (len)
		memcpy(m->data + m->len + 6, data, len);
	m->len = need;
}

void proto_put_str(struct proto_msg *m, uint16_t tag, const char *s)
{
	proto_put(m, tag, s, strlen(s));
}

void proto_put_u64(struct proto_msg *m, uint16_t tag, uint64_t v)
{
	uint8_t b[8];

	put_le(b, v, 8);
	proto_put(m, tag, b, 8);
}

int proto_next(const struct proto_msg *m, size_t *pos, struct proto_field *f)
{
	uint64_t flen;

	if (*pos == m->len)
		return 0;
	if (m->len - *pos < 6)
		return -1;
	f->tag = (uint16_t)get_le(m->data + *pos, 2);
	flen = get_le(m->data + *pos + 2, 4);
	if (flen > m->len - *pos - 6)
		return -1;
	f->len = (uint32_t)flen;
	f->data = m->data + *pos + 6;
	*pos += 6 + flen;
	return 1;
}

int proto_find(const struct proto_msg *m, uint16_t tag, struct proto_field *f)
{
	size_t pos = 0;

	while (proto_next(m, &pos, f) == 1)
		if (f->tag == tag)
			return 1;
	return 0;
}

uint64_t proto_get_u64(const struct proto_msg *m, uint16_t tag, uint64_t def)
{
	struct proto_field f;

	if (!proto_find(m, tag, &f) || f.len != 8)
		return def;
	return get_le(f.data, 8);
}

char *proto_get_str(const struct proto_msg *m, uint16_t tag)
{
	struct proto_field f;
	char *s;

	if (!proto_find(m, tag, &f))
		return NULL;
	s = proto_realloc(NULL, f.len + 1);
	memcpy(s, f.data, f.len);
	s[f.len] = '\0';
	return s;
}

uint8_t *proto_encode(const struct proto_msg *m, size_t *len)
{
	uint8_t *b = proto_realloc(NULL, PROTO_HEADER_SIZE + m->len);

	memcpy(b, PROTO_MAGIC, 4);
	put_le(b + 4, PROTO_VERSION, 2);
	put_le(b + 6, m->type, 2);
	put_le(b + 8, m->len, 4);
	if (m->len)
		memcpy(b + PROTO_HEADER_SIZE, m->data, m->len);
	*len = PROTO_HEADER_SIZE + m->len;
	return b;
}

int proto_decode(const uint8_t *buf, size_t len, size_t *used,
		 struct proto_msg *m, const char **cause)
{
	uint64_t plen;

	if (len < PROTO_HEADER_SIZE) {
		/* Reject garbage as early as its first bytes show it. */
		if (memcmp(buf, PROTO_MAGIC, len < 4 ? len : 4) != 0) {
			*cause = "bad frame magic (not a kmemlab channel)";
			return -1;
		}
		return 0;
	}
	if (memcmp(buf, PROTO_MAGIC, 4) != 0) {
		*cause = "bad frame magic (not a kmemlab channel)";
		return -1;
	}
	if (get_le(buf + 4, 2) != PROTO_VERSION) {
		static char msg[96];

		snprintf(msg, sizeof(msg), "protocol version %u, but this side speaks %u",
			 (unsigned)get_le(buf + 4, 2), PROTO_VERSION);
		*cause = msg;
		return -1;
	}
	plen = get_le(buf + 8, 4);
	if (plen > PROTO_MAX_PAYLOAD) {
		*cause = "frame larger than the protocol allows";
		return -1;
	}
	if (len - PROTO_HEADER_SIZE < plen)
		return 0;
	m->type = (uint16_t)get_le(buf + 6, 2);
	m->len = 0;
	if (plen > m->alloc) {
		m->alloc = plen;
		m->data = proto_realloc(m->data, m->alloc);
	}
	if (plen)
		memcpy(m->data, buf + PROTO_HEADER_SIZE, plen);
	m->len = plen;
	*used = PROTO_HEADER_SIZE + plen;
	return 1;
}

int proto_write_fd(int fd, const struct proto_msg *m)
{
	size_t len, off = 0;
	uint8_t *b = proto_encode(m, &len);

	while (off < len) {
		ssize_t n = write(fd, b + off, len - off);

		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			free(b);
			return -1;
		}
		off += (size_t)n;
	}
	free(b);
	return 0;
}

static int read_full(int fd, uint8_t *b, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = read(fd, b + off, len - off);

		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -1;
		}
		if (n == 0)
			return off == 0 ? 0 : -1;
		off += (size_t)n;
	}
	return 1;
}

int proto_read_fd(int fd, struct proto_msg *m, const char **cause)
{
	uint8_t hdr[PROTO_HEADER_SIZE];
	uint8_t *frame;
	size_t used;
	uint64_t plen;
	int r = read_full(fd, hdr, sizeof(hdr));

	if (r <= 0) {
		*cause = r == 0 ? "end of channel" : "read error on channel";
		return r;
	}
	r = proto_decode(hdr, sizeof(hdr), &used, m, cause);
	if (r < 0)
		return -1;
	if (r == 1)
		return 1;
	plen = get_le(hdr + 8, 4);
	frame = proto_realloc(NULL, sizeof(hdr) + plen);
	memcpy(frame, hdr, sizeof(hdr));
	if (read_full(fd, frame + sizeof(hdr), plen) != 1) {
		free(frame);
		*cause = "channel closed inside a frame";
		return -1;
	}
	r = proto_decode(frame, sizeof(hdr) + plen, &used, m, cause);
	free(frame);
	return r;
}
