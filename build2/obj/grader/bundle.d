build2/obj/grader/bundle.o: grader/bundle.c grader/bundle.h \
 grader/course.h grader/store.h labvm/lab.h common/util.h
grader/bundle.h:
grader/course.h:
grader/store.h:
labvm/lab.h:
common/util.h:
