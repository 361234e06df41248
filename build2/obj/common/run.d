build2/obj/common/run.o: common/run.c common/run.h common/util.h
common/run.h:
common/util.h:
