build2/obj/grader/ktap.o: grader/ktap.c grader/ktap.h common/util.h
grader/ktap.h:
common/util.h:
