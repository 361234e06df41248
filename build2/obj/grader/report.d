build2/obj/grader/report.o: grader/report.c grader/report.h \
 grader/course.h common/util.h
grader/report.h:
grader/course.h:
common/util.h:
