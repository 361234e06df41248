/*
 * The host<->guest wire format (labvm/proto.h): framing, field walking,
 * rejection of foreign or damaged frames, and the blocking fd helpers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proto.h"

static const uint8_t blob[] = { 'a', 0, 'b', 0, 0, 0xff, 'c' };

/* A P_EXEC request with every kind of field. */
static void build_exec(struct proto_msg *m)
{
	proto_msg_init(m, P_EXEC);
	proto_put_str(m, T_ARG, "/bin/busybox");
	proto_put_str(m, T_ARG, "");
	proto_put_str(m, T_ARG, "cat");
	proto_put_u64(m, T_TIMEOUT_MS, 30000);
	proto_put(m, T_DATA, blob, sizeof(blob));
	proto_put_str(m, T_ARG, "/proc/slabinfo");
	proto_put_u64(m, T_CAP, UINT64_C(0x0123456789abcdef));
}

static void test_round_trip(void **state)
{
	struct proto_msg m = PROTO_MSG_INIT, r = PROTO_MSG_INIT;
	struct proto_field f;
	const char *cause = NULL;
	const char *args[] = { "/bin/busybox", "", "cat", "/proc/slabinfo" };
	size_t len, used = 0, pos = 0;
	uint8_t *buf;
	char *s;
	int nargs = 0, nfields = 0;

	(void)state;
	build_exec(&m);
	buf = proto_encode(&m, &len);
	assert_int_equal(len, PROTO_HEADER_SIZE + m.len);
	assert_memory_equal(buf, PROTO_MAGIC, 4);

	assert_int_equal(proto_decode(buf, len, &used, &r, &cause), 1);
	assert_int_equal(used, len);
	assert_int_equal(r.type, P_EXEC);
	assert_int_equal(r.len, m.len);
	assert_memory_equal(r.data, m.data, m.len);

	/* Repeated T_ARG fields come back in order, the empty one included. */
	while (proto_next(&r, &pos, &f) == 1) {
		nfields++;
		if (f.tag != T_ARG)
			continue;
		assert_true(nargs < 4);
		assert_int_equal(f.len, strlen(args[nargs]));
		if (f.len)
			assert_memory_equal(f.data, args[nargs], f.len);
		nargs++;
	}
	assert_int_equal(nargs, 4);
	assert_int_equal(nfields, 7);
	assert_int_equal(pos, r.len);
	assert_int_equal(proto_next(&r, &pos, &f), 0);

	/* Embedded NUL bytes survive. */
	assert_int_equal(proto_find(&r, T_DATA, &f), 1);
	assert_int_equal(f.len, sizeof(blob));
	assert_memory_equal(f.data, blob, sizeof(blob));

	assert_int_equal(proto_get_u64(&r, T_TIMEOUT_MS, 7), 30000);
	assert_true(proto_get_u64(&r, T_CAP, 7) == UINT64_C(0x0123456789abcdef));
	assert_int_equal(proto_get_u64(&r, T_STATUS, 7), 7);
	/* A field that is not 8 bytes is not a u64. */
	assert_int_equal(proto_get_u64(&r, T_DATA, 7), 7);

	s = proto_get_str(&r, T_ARG);
	assert_non_null(s);
	assert_string_equal(s, "/bin/busybox");
	free(s);
	assert_null(proto_get_str(&r, T_MESSAGE));
	assert_int_equal(proto_find(&r, T_MESSAGE, &f), 0);

	free(buf);
	proto_msg_release(&m);
	proto_msg_release(&r);
}

static void test_empty_payload_and_empty_field(void **state)
{
	struct proto_msg m = PROTO_MSG_INIT, r = PROTO_MSG_INIT;
	struct proto_field f;
	const char *cause = NULL;
	size_t len, used = 0, pos = 0;
	uint8_t *buf;
	char *s;

	(void)state;
	proto_msg_init(&m, P_POWEROFF);
	buf = proto_encode(&m, &len);
	assert_int_equal(len, PROTO_HEADER_SIZE);
	assert_int_equal(proto_decode(buf, len, &used, &r, &cause), 1);
	assert_int_equal(used, PROTO_HEADER_SIZE);
	assert_int_equal(r.type, P_POWEROFF);
	assert_int_equal(r.len, 0);
	assert_int_equal(proto_next(&r, &pos, &f), 0);
	free(buf);

	proto_msg_init(&m, P_ERROR);
	proto_put_str(&m, T_MESSAGE, "");
	buf = proto_encode(&m, &len);
	assert_int_equal(len, PROTO_HEADER_SIZE + 6);
	assert_int_equal(proto_decode(buf, len, &used, &r, &cause), 1);
	assert_int_equal(r.type, P_ERROR);
	assert_int_equal(proto_find(&r, T_MESSAGE, &f), 1);
	assert_int_equal(f.len, 0);
	s = proto_get_str(&r, T_MESSAGE);
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
	free(buf);
	proto_msg_release(&m);
	proto_msg_release(&r);
}

static void test_partial_frames(void **state)
{
	struct proto_msg m = PROTO_MSG_INIT, r = PROTO_MSG_INIT;
	const char *cause;
	size_t len, used;
	uint8_t *buf;

	(void)state;
	build_exec(&m);
	buf = proto_encode(&m, &len);
	for (size_t n = 0; n < len; n++) {
		/* A private copy, so a read past n is caught by tools like ASan. */
		uint8_t *part = malloc(n ? n : 1);

		memcpy(part, buf, n);
		cause = NULL;
		if (proto_decode(part, n, &used, &r, &cause) != 0)
			fail_msg("a %zu-byte prefix of a %zu-byte frame did not return 0 (%s)",
				 n, len, cause ? cause : "no cause");
		free(part);
	}
	assert_int_equal(proto_decode(buf, len, &used, &r, &cause), 1);
	free(buf);
	proto_msg_release(&m);
	proto_msg_release(&r);
}

static void test_bad_magic(void **state)
{
	struct proto_msg m = PROTO_MSG_INIT, r = PROTO_MSG_INIT;
	const char *cause = NULL;
	size_t len, used;
	uint8_t *buf;

	(void)state;
	proto_msg_init(&m, P_HELLO);
	proto_put_str(&m, T_RELEASE, "6.1.0-18-cloud-amd64");
	buf = proto_encode(&m, &len);
	buf[0] = 'X';
	assert_int_equal(proto_decode(buf, len, &used, &r, &cause), -1);
	assert_non_null(cause);
	assert_true(*cause);

	/* Console noise is rejected as soon as its first bytes show it. */
	cause = NULL;
	assert_int_equal(proto_decode((const uint8_t *)"[    1.0", 8, &used, &r, &cause), -1);
	assert_non_null(cause);
	assert_true(*cause);
	free(buf);
	proto_msg_release(&m);
	proto_msg_release(&r);
}

static void test_version_mismatch(void **state)
{
	struct proto_msg m = PROTO_MSG_INIT, r = PROTO_MSG_INIT;
	const char *cause = NULL;
	size_t len, used;
	uint8_t *buf;

	(void)state;
	proto_msg_init(&m, P_HELLO);
	proto_put_str(&m, T_VERSION, "0.1.0");
	buf = proto_encode(&m, &len);
	/* Version is the little-endian u16 after the magic. */
	assert_int_equal(buf[4] | buf[5] << 8, PROTO_VERSION);
	buf[4] = (uint8_t)(PROTO_VERSION + 1);
	assert_int_equal(proto_decode(buf, len, &used, &r, &cause), -1);
	assert_non_null(cause);
	assert_non_null(strstr(cause, "version"));

	cause = NULL;
	buf[4] = 0;
	buf[5] = 1;
	assert_int_equal(proto_decode(buf, len, &used, &r, &cause), -1);
	assert_non_null(cause);
	assert_non_null(strstr(cause, "version"));
	free(buf);
	proto_msg_release(&m);
	proto_msg_release(&r);
}

static void test_oversized_length(void **state)
{
	struct proto_msg r = PROTO_MSG_INIT;
	uint8_t hdr[PROTO_HEADER_SIZE] = { 'K', 'M', 'L', 'B', PROTO_VERSION, 0, P_REPLY, 0 };
	uint32_t big = PROTO_MAX_PAYLOAD + 1;
	const char *cause = NULL;
	size_t used;

	(void)state;
	hdr[8] = (uint8_t)big;
	hdr[9] = (uint8_t)(big >> 8);
	hdr[10] = (uint8_t)(big >> 16);
	hdr[11] = (uint8_t)(big >> 24);
	/* Refused from the header alone: no waiting for 64 MiB that never come. */
	assert_int_equal(proto_decode(hdr, sizeof(hdr), &used, &r, &cause), -1);
	assert_non_null(cause);

	cause = NULL;
	memset(hdr + 8, 0xff, 4);
	assert_int_equal(proto_decode(hdr, sizeof(hdr), &used, &r, &cause), -1);
	assert_non_null(cause);

	/* Exactly the limit is a partial frame, not an error. */
	hdr[8] = 0;
	hdr[9] = 0;
	hdr[10] = (uint8_t)(PROTO_MAX_PAYLOAD >> 16);
	hdr[11] = (uint8_t)(PROTO_MAX_PAYLOAD >> 24);
	assert_int_equal(proto_decode(hdr, sizeof(hdr), &used, &r, &cause), 0);
	proto_msg_release(&r);
}

static void test_malformed_payload(void **state)
{
	struct proto_msg m = PROTO_MSG_INIT, r = PROTO_MSG_INIT;
	struct proto_field f;
	const char *cause = NULL;
	size_t len, used, pos;
	uint8_t *buf;
	char *s;

	(void)state;
	proto_msg_init(&m, P_REPLY);
	proto_put_u64(&m, T_STATUS, 0);
	proto_put_str(&m, T_STDOUT, "hello\n");
	/* The second field claims 7 bytes more than the payload holds. */
	m.data[14 + 2] = (uint8_t)(6 + 7);
	buf = proto_encode(&m, &len);
	assert_int_equal(proto_decode(buf, len, &used, &r, &cause), 1);
	pos = 0;
	assert_int_equal(proto_next(&r, &pos, &f), 1);
	assert_int_equal(f.tag, T_STATUS);
	assert_int_equal(proto_next(&r, &pos, &f), -1);
	s = proto_get_str(&r, T_STDOUT);
	assert_null(s);
	assert_int_equal(proto_get_u64(&r, T_STATUS, 99), 0);
	free(buf);

	/* A payload too short to hold a field header. */
	proto_msg_init(&m, P_REPLY);
	proto_put_u64(&m, T_STATUS, 1);
	m.len += 3;
	m.data[14] = 1;
	m.data[15] = 0;
	m.data[16] = 0;
	pos = 0;
	assert_int_equal(proto_next(&m, &pos, &f), 1);
	assert_int_equal(proto_next(&m, &pos, &f), -1);

	/* A length of 0xffffffff cannot wrap around. */
	proto_msg_init(&m, P_REPLY);
	proto_put_str(&m, T_STDERR, "x");
	memset(m.data + 2, 0xff, 4);
	pos = 0;
	assert_int_equal(proto_next(&m, &pos, &f), -1);
	proto_msg_release(&m);
	proto_msg_release(&r);
}

static void test_back_to_back(void **state)
{
	struct proto_msg a = PROTO_MSG_INIT, b = PROTO_MSG_INIT, r = PROTO_MSG_INIT;
	const char *cause = NULL;
	size_t la, lb, used = 0, off;
	uint8_t *ea, *eb, *both;
	char *s;

	(void)state;
	proto_msg_init(&a, P_HELLO);
	proto_put_str(&a, T_VERSION, "0.1.0");
	proto_put_str(&a, T_RELEASE, "6.1.0-18-cloud-amd64");
	proto_msg_init(&b, P_ERROR);
	proto_put_str(&b, T_MESSAGE, "no such file");
	ea = proto_encode(&a, &la);
	eb = proto_encode(&b, &lb);
	both = malloc(la + lb);
	memcpy(both, ea, la);
	memcpy(both + la, eb, lb);

	assert_int_equal(proto_decode(both, la + lb, &used, &r, &cause), 1);
	assert_int_equal(used, la);
	assert_int_equal(r.type, P_HELLO);
	s = proto_get_str(&r, T_RELEASE);
	assert_string_equal(s, "6.1.0-18-cloud-amd64");
	free(s);
	assert_null(proto_get_str(&r, T_MESSAGE));

	off = used;
	used = 0;
	assert_int_equal(proto_decode(both + off, la + lb - off, &used, &r, &cause), 1);
	assert_int_equal(used, lb);
	assert_int_equal(r.type, P_ERROR);
	s = proto_get_str(&r, T_MESSAGE);
	assert_string_equal(s, "no such file");
	free(s);
	/* The first frame's fields are gone from the reused message. */
	assert_null(proto_get_str(&r, T_RELEASE));

	/* The second frame cut short is still only partial. */
	assert_int_equal(proto_decode(both + off, lb - 1, &used, &r, &cause), 0);

	free(ea);
	free(eb);
	free(both);
	proto_msg_release(&a);
	proto_msg_release(&b);
	proto_msg_release(&r);
}

static void test_fd_helpers(void **state)
{
	struct proto_msg m = PROTO_MSG_INIT, big = PROTO_MSG_INIT, r = PROTO_MSG_INIT;
	struct proto_field f;
	const char *cause = NULL;
	int sv[2];
	char *s, *payload;
	size_t bigsize = 300000;	/* more than a socket buffer: needs a reader */
	pid_t pid;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);

	proto_msg_init(&m, P_INSMOD);
	proto_put_str(&m, T_PATH, "/lab/ksize_ex.ko");
	proto_put_str(&m, T_PARAMS, "sizes=24,160 nonce=ab");
	proto_put_u64(&m, T_TIMEOUT_MS, 30000);
	assert_int_equal(proto_write_fd(sv[0], &m), 0);
	proto_msg_init(&m, P_POWEROFF);
	assert_int_equal(proto_write_fd(sv[0], &m), 0);

	assert_int_equal(proto_read_fd(sv[1], &r, &cause), 1);
	assert_int_equal(r.type, P_INSMOD);
	s = proto_get_str(&r, T_PARAMS);
	assert_string_equal(s, "sizes=24,160 nonce=ab");
	free(s);
	assert_int_equal(proto_get_u64(&r, T_TIMEOUT_MS, 0), 30000);
	assert_int_equal(proto_read_fd(sv[1], &r, &cause), 1);
	assert_int_equal(r.type, P_POWEROFF);
	assert_int_equal(r.len, 0);

	/* A frame larger than the socket buffer, written by another process. */
	payload = malloc(bigsize);
	for (size_t i = 0; i < bigsize; i++)
		payload[i] = (char)(i * 7);
	proto_msg_init(&big, P_REPLY);
	proto_put(&big, T_DATA, payload, bigsize);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(sv[1]);
		_exit(proto_write_fd(sv[0], &big) == 0 ? 0 : 1);
	}
	assert_int_equal(proto_read_fd(sv[1], &r, &cause), 1);
	assert_int_equal(r.type, P_REPLY);
	assert_int_equal(proto_find(&r, T_DATA, &f), 1);
	assert_int_equal(f.len, bigsize);
	assert_memory_equal(f.data, payload, bigsize);
	{
		int status = -1;

		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}

	/* The writer closes: end of file between frames is 0, not an error. */
	close(sv[0]);
	cause = NULL;
	assert_int_equal(proto_read_fd(sv[1], &r, &cause), 0);
	close(sv[1]);

	/* End of file inside a frame is an error with a cause. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	{
		size_t len;
		uint8_t *buf = proto_encode(&big, &len);

		assert_int_equal(write(sv[0], buf, 100), 100);
		free(buf);
	}
	close(sv[0]);
	cause = NULL;
	assert_int_equal(proto_read_fd(sv[1], &r, &cause), -1);
	assert_non_null(cause);
	close(sv[1]);

	/* Garbage on the channel is rejected. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(write(sv[0], "Linux version 6.1.0 (debian-kernel)", 35), 35);
	close(sv[0]);
	cause = NULL;
	assert_int_equal(proto_read_fd(sv[1], &r, &cause), -1);
	assert_non_null(cause);
	close(sv[1]);

	free(payload);
	proto_msg_release(&m);
	proto_msg_release(&big);
	proto_msg_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_empty_payload_and_empty_field),
		cmocka_unit_test(test_partial_frames),
		cmocka_unit_test(test_bad_magic),
		cmocka_unit_test(test_version_mismatch),
		cmocka_unit_test(test_oversized_length),
		cmocka_unit_test(test_malformed_payload),
		cmocka_unit_test(test_back_to_back),
		cmocka_unit_test(test_fd_helpers),
	};

	return cmocka_run_group_tests(tests, 0, NULL);
}
