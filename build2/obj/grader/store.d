build2/obj/grader/store.o: grader/store.c grader/store.h common/util.h
grader/store.h:
common/util.h:
