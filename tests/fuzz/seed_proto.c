/*
 * Writes the seed corpus of fuzz_proto: one conversation between kmemlab
 * and the guest agent per file, encoded by proto_encode() with the fields
 * labvm/vm.c and labvm/agent.c put in each message.  Used by make-corpus:
 *
 *     seed_proto OUTDIR KMSG_RAW_FILE
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

static FILE *out;

static void emit(struct proto_msg *m)
{
	size_t len;
	uint8_t *b = proto_encode(m, &len);

	if (fwrite(b, 1, len, out) != len)
		exit(1);
	free(b);
	proto_msg_release(m);
}

static void start(const char *dir, const char *name)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	out = fopen(path, "wb");
	if (!out) {
		perror(path);
		exit(1);
	}
}

static void finish(void)
{
	if (fclose(out) != 0)
		exit(1);
}

int main(int argc, char **argv)
{
	static const char release[] = "6.1.0-57-cloud-amd64";
	struct proto_msg m = PROTO_MSG_INIT;
	char kmsg[65536];
	size_t nkmsg = 0;
	uint8_t seed[64];
	FILE *f;

	if (argc != 3) {
		fprintf(stderr, "usage: seed_proto OUTDIR KMSG_RAW_FILE\n");
		return 2;
	}
	f = fopen(argv[2], "rb");
	if (!f) {
		perror(argv[2]);
		return 1;
	}
	nkmsg = fread(kmsg, 1, sizeof(kmsg), f);
	fclose(f);
	for (size_t i = 0; i < sizeof(seed); i++)
		seed[i] = (uint8_t)(i * 37 + 11);

	start(argv[1], "hello");
	proto_msg_init(&m, P_HELLO);
	proto_put_u64(&m, T_VERSION, PROTO_VERSION);
	proto_put_str(&m, T_RELEASE, release);
	emit(&m);
	finish();

	start(argv[1], "reseed");
	proto_msg_init(&m, P_RESEED);
	proto_put(&m, T_DATA, seed, sizeof(seed));
	proto_put_u64(&m, T_TIME, 1796000000123456789ull);
	emit(&m);
	proto_msg_init(&m, P_REPLY);
	proto_put_str(&m, T_RELEASE, release);
	emit(&m);
	finish();

	start(argv[1], "put-insmod-klog-rmmod");
	proto_msg_init(&m, P_PUT);
	proto_put_str(&m, T_PATH, "/lab/ksize_ex.ko");
	proto_put_u64(&m, T_MODE, 0644);
	proto_put(&m, T_DATA, "\177ELF\2\1\1\0\0\0\0\0\0\0\0\0\1\0>\0", 20);
	emit(&m);
	proto_msg_init(&m, P_REPLY);
	emit(&m);
	proto_msg_init(&m, P_INSMOD);
	proto_put_str(&m, T_PATH, "/lab/ksize_ex.ko");
	proto_put_str(&m, T_PARAMS, "sizes=24,160,1000,4096 nonce=3f9c1a7d02b4e6f8");
	proto_put_u64(&m, T_TIMEOUT_MS, 20000);
	emit(&m);
	proto_msg_init(&m, P_REPLY);
	proto_put_u64(&m, T_ERRNO, 0);
	proto_put_u64(&m, T_SIGNAL, 0);
	proto_put_u64(&m, T_TIMED_OUT, 0);
	proto_put_u64(&m, T_MS, 37);
	emit(&m);
	proto_msg_init(&m, P_KLOG);
	proto_put_u64(&m, T_FROM_SEQ, 301);
	proto_put_u64(&m, T_CAP, 1 << 20);
	emit(&m);
	proto_msg_init(&m, P_REPLY);
	proto_put(&m, T_DATA, kmsg, nkmsg);
	proto_put_u64(&m, T_NEXT_SEQ, 312);
	proto_put_u64(&m, T_LOST, 0);
	proto_put_u64(&m, T_TRUNCATED, 0);
	emit(&m);
	proto_msg_init(&m, P_RMMOD);
	proto_put_str(&m, T_NAME, "ksize_ex");
	proto_put_u64(&m, T_TIMEOUT_MS, 20000);
	emit(&m);
	proto_msg_init(&m, P_REPLY);
	proto_put_u64(&m, T_ERRNO, 0);
	proto_put_u64(&m, T_TIMED_OUT, 0);
	emit(&m);
	finish();

	start(argv[1], "exec");
	proto_msg_init(&m, P_EXEC);
	proto_put_str(&m, T_ARG, "/bin/sh");
	proto_put_str(&m, T_ARG, "-c");
	proto_put_str(&m, T_ARG, "head -n 3 /proc/slabinfo");
	proto_put_u64(&m, T_TIMEOUT_MS, 30000);
	proto_put_u64(&m, T_CAP, 64 << 10);
	emit(&m);
	proto_msg_init(&m, P_REPLY);
	proto_put_u64(&m, T_STATUS, 0);
	proto_put_u64(&m, T_SIGNAL, 0);
	proto_put_u64(&m, T_TIMED_OUT, 0);
	proto_put_u64(&m, T_TRUNCATED, 0);
	proto_put_str(&m, T_STDOUT, "slabinfo - version: 2.1\n"
		      "# name            <active_objs> <num_objs> <objsize>\n"
		      "kmalloc-192         1260   1260    192   21    1\n");
	proto_put_str(&m, T_STDERR, "");
	proto_put_u64(&m, T_MS, 4);
	emit(&m);
	finish();

	start(argv[1], "error-poweroff");
	proto_msg_init(&m, P_INSMOD);
	proto_put_str(&m, T_PATH, "/lab/missing.ko");
	proto_put_u64(&m, T_TIMEOUT_MS, 20000);
	emit(&m);
	proto_msg_init(&m, P_ERROR);
	proto_put_str(&m, T_MESSAGE, "insmod: cannot open '/lab/missing.ko': No such file or directory");
	emit(&m);
	proto_msg_init(&m, P_POWEROFF);
	emit(&m);
	proto_msg_init(&m, P_REPLY);
	emit(&m);
	finish();
	return 0;
}
